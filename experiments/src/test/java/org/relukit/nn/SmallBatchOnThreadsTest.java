package org.relukit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.Backends;
import org.relukit.recon.SmallNets;

/**
 * A batch-64 step, one pass over the batch, whose larger products the SIMD backend splits across
 * threads (each thread its own block of a layer's products): the same bits on any number of
 * threads, and no allocation on the calling thread or the helper once compiled.
 */
class SmallBatchOnThreadsTest {
    private static final int BATCH = 64;
    private static final int STEPS = 5;

    /** A student of 200 and 250 units: its products at batch 64 (up to 64 × 250 × 200) are large enough to split. */
    private static SmallNets nets() {
        return SmallNets.draw(SmallNets.dense(20, List.of(100, 125), 50), new SplittableRandom(21));
    }

    private static float[] inputs(SmallNets nets) {
        return Initialisation.gaussian(new SplittableRandom(22), BATCH * nets.config().inputSize(), 1.0);
    }

    /** The losses of {@link #STEPS} steps, then the student's parameters. */
    private static List<float[]> train(int threads, SmallNets nets) {
        try (Backend backend = Backends.open("simd", new BackendOptions(threads, null));
             Network teacher = new Network(backend, nets.teacher());
             Network student = new Network(backend, nets.student());
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, BATCH)) {
            assertFalse(step.runsInHalves(), "a 64-row step runs as one pass");
            backend.upload(inputs(nets), step.input());
            float[] losses = new float[STEPS];
            for (int i = 0; i < STEPS; i++) {
                losses[i] = step.run(0.05f);
            }
            List<float[]> values = new ArrayList<>(List.of(losses));
            for (Layer layer : student.download()) {
                values.add(layer.weights());
                values.add(layer.bias());
            }
            return values;
        }
    }

    @Test
    void theBitsDoNotDependOnTheThreads() {
        SmallNets nets = nets();
        List<float[]> one = train(1, nets);
        for (int threads : new int[] {2, 3}) {
            List<float[]> more = train(threads, nets);
            for (int i = 0; i < one.size(); i++) {
                assertArrayEquals(one.get(i), more.get(i), (i == 0 ? "losses" : "tensor " + i) + " on " + threads + " threads");
            }
        }
    }

    /**
     * No allocation on the calling thread or the helper once compiled ({@link StepAllocation}),
     * after 3000 steps, with 18000 of the products that the backend runs split or alone as it
     * measures faster: past its first trial of the other way, so both ways have run.
     */
    @Test
    void stepsOnTwoThreadsAllocateNothing() {
        SmallNets nets = nets();
        try (Backend backend = Backends.open("simd", new BackendOptions(2, null));
             Network teacher = new Network(backend, nets.teacher());
             Network student = new Network(backend, nets.student());
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, BATCH)) {
            backend.upload(inputs(nets), step.input());
            for (int i = 0; i < 3000; i++) {
                step.run(1e-3f);
            }
            StepAllocation.assertStepsAllocateNothing(step, "relukit-simd-1");
        }
    }
}
