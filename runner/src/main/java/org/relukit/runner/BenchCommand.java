package org.relukit.runner;

import org.relukit.nn.Initialisation;
import org.relukit.nn.Network;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import org.relukit.nn.TrainingStep;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.relukit.backend.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times the bare training step of the recon workload (teacher forward, student forward",
                "and backward, SGD) and prints steps_per_s=<float> last: the median of the timed blocks."})
final class BenchCommand implements Callable<Integer> {
    private static final int BLOCKS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendChoice backend;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "1000", description = "Steps per timed block; as many again warm up (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        if (batch < 1 || batch > 1 << 20) {
            throw new IllegalArgumentException("--batch must be between 1 and 1048576, got " + batch);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        PrintWriter out = spec.commandLine().getOut();
        ReconConfig.Builder shapes = ReconConfig.builder();
        SplittableRandom rng = new SplittableRandom(shapes.seed);
        var teacherLayers = TeacherStudent.teacher(shapes.build(), rng);
        try (Backend kernels = backend.open(spec.commandLine().getErr());
             Network teacher = new Network(kernels, teacherLayers);
             Network student = new Network(kernels, TeacherStudent.student(shapes.build(), teacherLayers, rng));
             TrainingStep step = TrainingStep.plainSgd(kernels, teacher, student, batch)) {
            kernels.upload(Initialisation.gaussian(rng, batch * shapes.dataD, shapes.dataStd), step.input());
            // A small rate keeps the student finite however long the bench runs on one batch.
            float lr = 1e-4f;
            for (int i = 0; i < steps; i++) {
                step.run(lr);
            }
            double[] rates = new double[BLOCKS];
            for (int b = 0; b < BLOCKS; b++) {
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    step.run(lr);
                }
                rates[b] = steps / ((System.nanoTime() - start) / 1e9);
                out.printf("block %d: %.1f steps/s%n", b + 1, rates[b]);
            }
            Arrays.sort(rates);
            out.printf("steps_per_s=%.1f%n", rates[BLOCKS / 2]);
        }
        return 0;
    }
}
