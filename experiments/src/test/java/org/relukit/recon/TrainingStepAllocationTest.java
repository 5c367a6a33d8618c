package org.relukit.recon;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.nn.Sgd;
import org.relukit.nn.TrainingStep;

/**
 * A training step allocates nothing on the Java heap, whichever optimiser, loss and BatchNorm it
 * runs: the bytes this thread allocates over many steps, counted by the JVM, stay under 8 per
 * step, where one object or varargs array per step costs at least 16. It counts bytes, not time.
 *
 * <p>The scalar backend is used because its kernels allocate nothing even before the JIT compiler
 * has seen them, so anything counted comes from the step and its shape checks; those are the same
 * code for every backend. (The Vector API allocates boxed vectors until C2 has compiled a kernel,
 * so the SIMD kernels are measured in JMH with {@code -prof gc}, after warm-up.) The slack of a few
 * bytes per step is for the JVM itself: a method moving from one compiled tier to the next can
 * allocate a few hundred bytes once.
 */
class TrainingStepAllocationTest {
    private static final int WARM_UP_STEPS = 50;
    private static final int STEPS = 1000;
    private static final int BATCH = 16;
    private static final int CONV_STEPS_PER_ROUND = 100;
    private static final int MAX_CONV_ROUNDS = 200;

    @ParameterizedTest(name = "momentum {0}, bn {1}, bn before ReLU {2}, cross-entropy {3}")
    @CsvSource({
            "0.0, false, false, false",
            "0.9, false, false, false",
            "0.0, true, false, false",
            "0.9, true, true, false",
            "0.0, false, false, true"})
    void aStepAllocatesNothing(double momentum, boolean bn, boolean bnBeforeRelu, boolean crossEntropy) {
        ReconConfig.Builder recon = ReconConfig.builder();
        recon.dataD = 8;
        recon.ks = List.of(6, 7);
        recon.nodeMulti = 2;
        recon.dOutput = 5;
        recon.bn = bn;
        recon.bnAffine = bn;
        recon.teacherBn = bn;
        recon.bnBeforeRelu = bnBeforeRelu;
        ReconConfig config = recon.build();
        SplittableRandom rng = new SplittableRandom(29);
        List<Layer> teacherLayers = TeacherStudent.teacher(config, rng);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Layer> studentLayers = TeacherStudent.student(config, teacherLayers, rng);
        try (Backend backend = Backends.open("scalar");
             Network teacher = new Network(backend, teacherLayers, norms(teacherLayers, bn), bnBeforeRelu);
             Network student = new Network(backend, studentLayers, norms(studentLayers, bn), bnBeforeRelu);
             Sgd sgd = new Sgd(backend, student, momentum, momentum / 100, false);
             TrainingStep step = new TrainingStep(backend, teacher, student, sgd, BATCH, crossEntropy)) {
            backend.upload(Initialisation.gaussian(rng, BATCH * config.dataD(), 1.0), step.input());
            float sum = 0;
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                sum += step.run(1e-3f);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < STEPS; i++) {
                sum += step.run(1e-3f);
            }
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(Float.isFinite(sum), "the student diverged: loss sum " + sum);
            assertTrue(bytes < 8L * STEPS, bytes + " bytes allocated over " + STEPS + " steps ("
                    + (double) bytes / STEPS + " per step)");
        }
    }

    /**
     * A conv training step on the SIMD backend allocates nothing once C2 has compiled its kernels:
     * the conv kernels' patch and product buffers are the backend's, kept between steps. Until then
     * the Vector API boxes vectors, so rounds of steps run until one allocates under 8 bytes a
     * step; the test fails if no round of the first {@value #MAX_CONV_ROUNDS} does.
     */
    @ParameterizedTest(name = "bn {0}")
    @ValueSource(booleans = {false, true})
    void aConvStepOnSimdAllocatesNothingOnceCompiled(boolean bn) {
        ReconConfig.Builder recon = ReconConfig.builder();
        recon.useCnn = true;
        recon.ks = List.of(3, 4);
        recon.nodeMulti = 2;
        recon.dOutput = 5;
        recon.bn = bn;
        recon.bnAffine = bn;
        ReconConfig config = recon.build();
        SplittableRandom rng = new SplittableRandom(31);
        List<Layer> teacherLayers = TeacherStudent.teacher(config, rng);
        List<Layer> studentLayers = TeacherStudent.student(config, teacherLayers, rng);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Backend backend = Backends.open("simd");
             Network teacher = new Network(backend, teacherLayers, List.of(), false, config.convInput());
             Network student = new Network(backend, studentLayers, norms(studentLayers, bn), false, config.convInput());
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, BATCH)) {
            backend.upload(Initialisation.gaussian(rng, BATCH * config.inputSize(), 1.0), step.input());
            long bytes = -1;
            float sum = 0;
            for (int round = 0; round < MAX_CONV_ROUNDS; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < CONV_STEPS_PER_ROUND; i++) {
                    sum += step.run(1e-3f);
                }
                bytes = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(Float.isFinite(sum), "the student diverged: loss sum " + sum);
                if (bytes < 8L * CONV_STEPS_PER_ROUND) {
                    return;
                }
            }
            fail("a round of " + CONV_STEPS_PER_ROUND + " conv steps still allocated " + bytes + " bytes after "
                    + MAX_CONV_ROUNDS + " rounds");
        }
    }

    /** An affine BatchNorm in PyTorch's initial state after every hidden layer, or none. */
    private static List<BatchNormLayer> norms(List<Layer> layers, boolean bn) {
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; bn && l + 1 < layers.size(); l++) {
            norms.add(BatchNormLayer.initial(layers.get(l).n(), true));
        }
        return norms;
    }
}
