package org.relukit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.Backends;
import org.relukit.recon.SmallNets;

/**
 * A training step that the SIMD backend runs in two halves (an even batch of 256 rows or more): the same
 * bits on any number of threads, the same parameters as one pass over the whole batch within
 * float rounding, with momentum and weight decay too, and no allocation on two threads.
 */
class StepInHalvesTest {
    private static final int BATCH = 512;
    private static final int STEPS = 3;

    /** The parameters, velocities and losses after {@link #STEPS} steps. */
    private record Trained(List<float[]> values, float[] losses, boolean inHalves) {}

    private static Trained train(String backendName, int threads, SmallNets nets, boolean bn, double momentum,
                                 boolean crossEntropy, float[] x) {
        ImageShape image = nets.config().convInput();
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; bn && l + 1 < nets.student().size(); l++) {
            norms.add(BatchNormLayer.initial(nets.student().get(l).n(), true));
        }
        try (Backend backend = Backends.open(backendName, new BackendOptions(threads, null));
             Network teacher = new Network(backend, nets.teacher(), List.of(), false, image);
             Network student = new Network(backend, nets.student(), norms, false, image);
             Sgd sgd = new Sgd(backend, student, momentum, momentum / 100, false);
             TrainingStep step = new TrainingStep(backend, teacher, student, sgd, BATCH, crossEntropy)) {
            backend.upload(x, step.input());
            float[] losses = new float[STEPS];
            for (int i = 0; i < STEPS; i++) {
                losses[i] = step.run(0.05f);
            }
            List<float[]> values = new ArrayList<>();
            for (Layer layer : student.download()) {
                values.add(layer.weights());
                values.add(layer.bias());
            }
            values.addAll(sgd.downloadVelocities());
            return new Trained(values, losses, step.runsInHalves());
        }
    }

    private static SmallNets nets(boolean conv, long seed) {
        return SmallNets.draw(conv ? SmallNets.conv(List.of(2, 3), 4) : SmallNets.dense(6, List.of(9, 11), 5),
                new SplittableRandom(seed));
    }

    private static float[] inputs(SmallNets nets, long seed) {
        return Initialisation.gaussian(new SplittableRandom(seed), BATCH * nets.config().inputSize(), 1.0);
    }

    @ParameterizedTest(name = "conv {0}, momentum {1}, cross-entropy {2}")
    @CsvSource({"false, 0.0, false", "false, 0.9, false", "false, 0.0, true", "true, 0.0, false", "true, 0.9, false"})
    void theBitsDoNotDependOnTheThreads(boolean conv, double momentum, boolean crossEntropy) {
        SmallNets nets = nets(conv, 3);
        float[] x = inputs(nets, 4);
        Trained one = train("simd", 1, nets, false, momentum, crossEntropy, x);
        assertTrue(one.inHalves(), "a 512-row step on the SIMD backend should run in halves");
        for (int threads : new int[] {2, 3}) {
            Trained more = train("simd", threads, nets, false, momentum, crossEntropy, x);
            assertArrayEquals(one.losses(), more.losses(), "losses on " + threads + " threads");
            for (int i = 0; i < one.values().size(); i++) {
                assertArrayEquals(one.values().get(i), more.values().get(i), "tensor " + i + " on " + threads + " threads");
            }
        }
    }

    /**
     * Against the scalar backend, which runs the whole batch in one pass: the halves change only
     * the order of the sums, so parameters, velocities and losses agree to float rounding.
     */
    @ParameterizedTest(name = "conv {0}, momentum {1}, cross-entropy {2}")
    @CsvSource({"false, 0.0, false", "false, 0.9, false", "false, 0.0, true", "true, 0.9, false"})
    void halvesTrainAsOnePassOverTheBatch(boolean conv, double momentum, boolean crossEntropy) {
        SmallNets nets = nets(conv, 5);
        float[] x = inputs(nets, 6);
        Trained whole = train("scalar", 1, nets, false, momentum, crossEntropy, x);
        Trained halves = train("simd", 2, nets, false, momentum, crossEntropy, x);
        assertFalse(whole.inHalves());
        assertTrue(halves.inHalves());
        for (int i = 0; i < STEPS; i++) {
            assertEquals(whole.losses()[i], halves.losses()[i], 1e-5 * Math.abs(whole.losses()[i]), "loss " + i);
        }
        int compared = 0;
        for (int i = 0; i < whole.values().size(); i++) {
            float[] a = whole.values().get(i), b = halves.values().get(i);
            for (int j = 0; j < a.length; j++) {
                assertEquals(a[j], b[j], 1e-5 * Math.max(1, Math.abs(a[j])), "tensor " + i + " entry " + j);
                compared++;
            }
        }
        assertTrue(compared > 100, "compared " + compared + " values");
    }

    /** A student with BatchNorm needs the whole batch's statistics, so its step stays one pass. */
    @Test
    void aStudentWithBatchNormIsNotSplit() {
        SmallNets nets = nets(false, 7);
        assertFalse(train("simd", 2, nets, true, 0, false, inputs(nets, 8)).inHalves());
    }

    /**
     * On two threads the halves allocate nothing on either thread, once C2 has compiled the kernels
     * (until then the Vector API boxes vectors): rounds of steps run until one allocates under 8
     * bytes a step on each thread.
     */
    @Test
    void stepsInHalvesOnTwoThreadsAllocateNothing() {
        SmallNets nets = nets(false, 9);
        try (Backend backend = Backends.open("simd", new BackendOptions(2, null));
             Network teacher = new Network(backend, nets.teacher());
             Network student = new Network(backend, nets.student());
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, BATCH)) {
            assertTrue(step.runsInHalves());
            backend.upload(inputs(nets, 10), step.input());
            step.run(1e-3f);
            StepAllocation.assertStepsAllocateNothing(step, "relukit-simd-half");
        }
    }
}
