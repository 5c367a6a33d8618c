package org.relukit.opencl;

import org.relukit.stats.Evaluation;
import org.relukit.nn.LrSchedule;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.ReconExperiment;
import org.relukit.recon.ReconListener;
import org.relukit.recon.TrialResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.nn.TrainingStep;
import org.junit.jupiter.api.Test;

/** A long run holds a constant number of device buffers: nothing is allocated per step or per evaluation. */
class OpenClLeakTest {

    @Test
    void tenThousandTrainingStepsKeepTheLiveBufferCountFlat() {
        ReconConfig.Builder config = ReconConfig.builder();
        config.dataD = 5;
        config.ks = List.of(4, 5);
        config.nodeMulti = 2;
        config.dOutput = 3;
        config.batchsize = 8;
        config.evalBatchsize = 8;
        config.trainSize = 800;
        config.evalSize = 64;
        config.numTrial = 2;
        config.numEpoch = 50;
        config.momentum = 0.5;
        config.dataStd = 1;
        config.lr = LrSchedule.constant(0.01);
        List<Integer> live = new ArrayList<>();
        List<TrialResult> trials;
        try (OpenClBackend backend = new OpenClBackend(OpenClTests.defaultDevice())) {
            trials = new ReconExperiment(backend, config.build()).run(new ReconListener() {
                @Override
                public void onEvaluation(Evaluation e) {
                    if (e.split().equals("eval")) {
                        live.add(backend.liveBuffers());
                    }
                }
            });
            // What stays is the backend's own scratch, kept until close: a second run must not add to it.
            int after = backend.liveBuffers();
            assertTrue(after < live.getFirst(), "the experiment released its tensors");
            config.numEpoch = 1;
            new ReconExperiment(backend, config.build()).run();
            assertEquals(after, backend.liveBuffers(), "a second run leaves no more buffers than the first");
        }
        for (TrialResult t : trials) {
            assertFalse(t.diverged(), "trial " + t.trial() + " diverged");
        }
        assertEquals(2 * (50 + 1), live.size());
        assertEquals(10_000, trials.size() * 50 * config.build().stepsPerEpoch(), "steps run");
        // Within a trial the count never moves; each trial plans the same tensors.
        for (int i = 1; i < live.size(); i++) {
            assertEquals(live.getFirst(), live.get(i), "live buffers after evaluation " + i + ": " + live);
        }
        assertTrue(live.getFirst() > 0);
    }

    /** A built step owns its optimiser: closing it frees the momentum buffers and BatchNorm gradients too. */
    @Test
    void aBuiltStepFreesItsOptimiserWhenClosed() {
        SplittableRandom rng = new SplittableRandom(3);
        try (OpenClBackend backend = new OpenClBackend(OpenClTests.defaultDevice());
             Network teacher = new Network(backend, List.of(layer(rng, 4, 5), layer(rng, 3, 4)));
             Network student = new Network(backend, List.of(layer(rng, 8, 5), layer(rng, 3, 8)),
                     List.of(BatchNormLayer.initial(8, true)), false)) {
            int before = backend.liveBuffers();
            try (TrainingStep step = TrainingStep.builder(backend, teacher, student).batch(8).momentum(0.9)
                    .weightDecay(1e-4).build()) {
                backend.upload(Initialisation.gaussian(rng, 8 * 5, 1.0), step.input());
                assertTrue(Float.isFinite(step.run(0.01f)));
                assertTrue(backend.liveBuffers() > before);
            }
            assertEquals(before, backend.liveBuffers(), "the step and its optimiser released every buffer");
        }
    }

    private static Layer layer(SplittableRandom rng, int n, int k) {
        return new Layer(n, k, Initialisation.gaussian(rng, n * k, 0.5), Initialisation.gaussian(rng, n, 0.1));
    }
}
