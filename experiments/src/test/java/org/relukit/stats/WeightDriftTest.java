package org.relukit.stats;

import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.SmallNets;
import org.relukit.nn.TrainingStep;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;

/** {@code --stats_w} against numbers worked out by hand, and through the evaluator after a step. */
class WeightDriftTest {

    @Test
    void driftOfATwoByTwoLayer() {
        // W₀ = [[1, 2], [2, 1]], W = W₀ + [[0, 1], [0, -1]]: drift entries 0, 1, 0, -1.
        Layer initial = new Layer(2, 2, new float[] {1, 2, 2, 1}, new float[] {5, 5});
        Layer now = new Layer(2, 2, new float[] {1, 3, 2, 0}, new float[] {9, 9});
        WeightDrift d = WeightDrift.of(now, initial);
        assertEquals(Math.sqrt(14), d.norm(), 1e-12);
        assertEquals(Math.sqrt(14 / 4.0), d.rms(), 1e-12);
        assertEquals(Math.sqrt(2 / 4.0), d.driftRms(), 1e-12);
        assertEquals(Math.sqrt(2 / 10.0), d.driftRel(), 1e-12);
        // Column 0 did not move; column 1 moved by sqrt(2) against an initial sqrt(5).
        assertEquals(0, d.colDriftRelMin(), 1e-12);
        assertEquals(Math.sqrt(2 / 5.0), d.colDriftRelMax(), 1e-12);
        assertEquals(Math.sqrt(2 / 5.0) / 2, d.colDriftRelMean(), 1e-12);
    }

    @Test
    void evaluatorReportsTheDriftOfEveryLayerAfterAStep() {
        SplittableRandom rng = new SplittableRandom(3);
        SmallNets nets = SmallNets.draw(SmallNets.dense(3, List.of(4, 5), 3), rng);
        ReconConfig config = nets.config();
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        float[] x = Initialisation.gaussian(rng, 8 * config.dataD(), 1.0);
        try (Backend backend = Backends.open("scalar");
             Network teacher = new Network(backend, teacherLayers);
             Network student = new Network(backend, studentLayers);
             Tensor data = backend.allocate(8, config.dataD());
             Evaluator evaluator = new Evaluator(backend, teacher, student, 8, studentLayers, false);
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, 8)) {
            backend.upload(x, data);
            Evaluation before = evaluator.evaluate(data, 0, -1, "eval", 0);
            assertEquals(studentLayers.size(), before.weightDrift().size(), "one entry per layer, the output layer too");
            for (WeightDrift d : before.weightDrift()) {
                assertEquals(0, d.driftRms());
            }
            step.run(data, 0, 0.5f);
            Evaluation after = evaluator.evaluate(data, 0, 0, "eval", 0);
            List<Layer> moved = student.download();
            for (int l = 0; l < moved.size(); l++) {
                assertEquals(WeightDrift.of(moved.get(l), studentLayers.get(l)), after.weightDrift().get(l));
                assertEquals(norm(moved.get(l).weights()), after.weightDrift().get(l).norm(), 1e-9);
            }
        }
    }

    private static double norm(float[] w) {
        double sq = 0;
        for (float v : w) {
            sq += (double) v * v;
        }
        return Math.sqrt(sq);
    }
}
