package org.relukit.jmh;

import org.relukit.nn.Initialisation;
import org.relukit.nn.Network;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import org.relukit.nn.TrainingStep;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.relukit.backend.Backend;

/**
 * The whole training step of {@code recon} in steps/s, set up as {@code relukit bench} does it:
 * teacher and student forward, MSE, backward and plain SGD on one batch. The {@code gflops} column
 * counts the products only (two forwards, dX below the first layer, dW everywhere).
 */
public class TrainingStepBench extends BenchmarkSettings {
    /** As relukit bench: small enough that the student stays finite however long it trains on one batch. */
    private static final float LR = 1e-4f;

    @Param({"scalar", "simd", "opencl"})
    public String backend;

    /** Threads of a CPU backend ({@code --threads}); e.g. {@code -p threads=1,2} shows the split's gain. */
    @Param({"1"})
    public int threads;

    @Param({"64", "1024"})
    public int batch;

    private Backend kernels;
    private Network teacher, student;
    private TrainingStep step;
    private double flops;

    @Setup(Level.Trial)
    public void setUp() {
        ReconConfig.Builder recon = ReconConfig.builder();
        SplittableRandom rng = new SplittableRandom(recon.seed);
        var teacherLayers = TeacherStudent.teacher(recon.build(), rng);
        kernels = Availability.openBackend(backend, threads);
        teacher = new Network(kernels, teacherLayers);
        student = new Network(kernels, TeacherStudent.student(recon.build(), teacherLayers, rng));
        step = TrainingStep.plainSgd(kernels, teacher, student, batch);
        kernels.upload(Initialisation.gaussian(rng, batch * recon.dataD, recon.dataStd), step.input());
        flops = productFlops(teacher.widths(), student.widths(), batch);
    }

    static double productFlops(int[] teacherWidths, int[] studentWidths, int batch) {
        double macs = 0;
        for (int l = 0; l + 1 < teacherWidths.length; l++) {
            macs += (double) teacherWidths[l] * teacherWidths[l + 1];
        }
        for (int l = 0; l + 1 < studentWidths.length; l++) {
            double layer = (double) studentWidths[l] * studentWidths[l + 1];
            macs += layer * (l == 0 ? 2 : 3);
        }
        return 2 * macs * batch;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (step != null) {
            float loss = step.run(LR);
            step.close();
            student.close();
            teacher.close();
            kernels.close();
            if (!Float.isFinite(loss)) {
                throw new IllegalStateException("the student diverged (loss " + loss + "): the timings are not those of training");
            }
        } else if (kernels != null) {
            kernels.close();
        }
    }

    @Benchmark
    public float step(Gflops counter) {
        counter.add(flops);
        return step.run(LR);
    }
}
