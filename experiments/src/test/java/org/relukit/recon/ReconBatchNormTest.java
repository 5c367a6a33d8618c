package org.relukit.recon;

import org.relukit.nn.BatchNormLayer;
import org.relukit.stats.Evaluation;
import org.relukit.nn.Float64Network;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.stats.MatrixSummary;
import org.relukit.nn.Network;
import org.relukit.stats.WeightDrift;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;

/** {@code recon} with BatchNorm and the optional statistics: short runs stay finite, resume stays exact. */
class ReconBatchNormTest {

    /** A recon config small enough for a test: two narrow hidden layers, 3,000 training samples, 3 epochs. */
    static ReconConfig.Builder small() {
        ReconConfig.Builder config = ReconConfig.builder();
        config.seed = 124;
        config.ks = List.of(10, 15);
        config.nodeMulti = 3;
        config.dOutput = 20;
        config.trainSize = 3000;
        config.numEpoch = 3;
        config.numTrial = 1;
        return config;
    }

    @ParameterizedTest(name = "affine={0} beforeRelu={1} teacherBn={2} momentum={3}")
    @CsvSource({"false, false, false, 0", "true, false, false, 0", "true, true, true, 0.5", "false, true, true, 0"})
    void shortRunWithBatchNormStaysFiniteAndLearns(boolean affine, boolean beforeRelu, boolean teacherBn, double momentum) {
        ReconConfig.Builder config = small();
        config.bn = true;
        config.bnAffine = affine;
        config.bnBeforeRelu = beforeRelu;
        config.teacherBn = teacherBn;
        config.teacherBnAffine = teacherBn;
        config.momentum = momentum;
        config.statsW = true;
        config.statsH = true;
        List<TrialResult> trials;
        try (Backend backend = Backends.open("simd")) {
            trials = new ReconExperiment(backend, config.build()).run();
        }
        TrialResult trial = trials.getFirst();
        assertFalse(trial.diverged());
        for (Evaluation e : trial.evaluations()) {
            assertTrue(Float.isFinite(e.loss()), "loss at epoch " + e.epoch());
            for (float c : e.bestCorrMean()) {
                assertTrue(Float.isFinite(c), e.corrsSummary());
            }
            assertEquals(3, e.weightDrift().size());
            assertNotNull(e.relations());
            for (WeightDrift d : e.weightDrift()) {
                assertTrue(Double.isFinite(d.driftRel()) && Double.isFinite(d.norm()), d.toString());
            }
            for (MatrixSummary m : e.relations().hStudentTeacher()) {
                assertTrue(Double.isFinite(m.frobenius()) && m.frobenius() > 0, m.toString());
            }
        }
        Evaluation first = trial.evaluations().getFirst(), last = trial.last("eval");
        assertTrue(last.loss() < first.loss() / 2, "loss " + first.loss() + " -> " + last.loss());
        assertTrue(last.weightDrift().getFirst().driftRel() > 0, "the student moved");
    }

    /** Stopped mid-epoch and resumed from the checkpoint: the same evaluations as a run left alone, bit for bit. */
    @Test
    void resumeWithBatchNormAndMomentumIsExact() {
        ReconConfig.Builder config = small();
        config.bn = true;
        config.bnAffine = true;
        config.teacherBn = true;
        config.momentum = 0.5;
        List<Evaluation> whole, resumed = new ArrayList<>();
        List<Checkpoint> checkpoints = new ArrayList<>();
        try (Backend backend = Backends.open("simd")) {
            whole = new ReconExperiment(backend, config.build()).run().getFirst().evaluations();
            ReconExperiment cut = new ReconExperiment(backend, config.build());
            cut.run(new ReconListener() {
                @Override
                public void onProgress(int trial, int epoch, int step, int stepsPerEpoch, float loss) {
                    if (epoch == 1) {
                        cut.requestStop();
                    }
                }

                @Override
                public void onCheckpoint(Checkpoint checkpoint) {
                    checkpoints.add(checkpoint);
                }
            });
            assertTrue(cut.stopped());
            Checkpoint from = checkpoints.getLast();
            assertEquals(1, from.epoch());
            assertTrue(from.step() > 0, "stopped mid-epoch");
            assertEquals(2, from.studentNorms().size());
            assertFalse(from.velocities().isEmpty());
            new ReconExperiment(backend, config.build()).resume(from, new ReconListener() {
                @Override
                public void onEvaluation(Evaluation e) {
                    resumed.add(e);
                }
            });
        }
        List<Evaluation> after = whole.stream().filter(e -> e.epoch() >= 1).toList();
        assertEquals(after.size(), resumed.size());
        for (int i = 0; i < after.size(); i++) {
            assertEquals(after.get(i).loss(), resumed.get(i).loss(), "loss of " + after.get(i).split() + " at epoch " + after.get(i).epoch());
            assertArrayEquals(after.get(i).bestCorrMean(), resumed.get(i).bestCorrMean());
        }
    }

    @Test
    void checkpointWithoutBatchNormCannotResumeABatchNormRun() {
        ReconConfig.Builder config = small();
        config.bn = true;
        List<Layer> teacher = TeacherStudent.teacher(config.build(), new SplittableRandom(1));
        List<Layer> student = TeacherStudent.student(config.build(), teacher, new SplittableRandom(2));
        Checkpoint plain = new Checkpoint(0, 1, 0, teacher, student, List.of(), null);
        try (Backend backend = Backends.open("scalar")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ReconExperiment(backend, config.build()).resume(plain, new ReconListener() {}));
            assertTrue(e.getMessage().contains("BatchNorm"), e.getMessage());
        }
    }

    /**
     * The fixed teacher's BatchNorm takes its running statistics from a pass over the training set:
     * each layer's mean and unbiased variance there, with the layers below normalised by theirs.
     */
    @ParameterizedTest(name = "beforeRelu={0}")
    @CsvSource({"false", "true"})
    void teacherRunningStatisticsComeFromTheTrainingSet(boolean beforeRelu) {
        ReconConfig.Builder config = small();
        SplittableRandom rng = new SplittableRandom(9);
        List<Layer> layers = TeacherStudent.teacher(config.build(), rng);
        List<BatchNormLayer> norms = List.of(BatchNormLayer.initial(10, true), BatchNormLayer.initial(15, true));
        int rows = 2000;
        float[] x = Initialisation.gaussian(rng, rows * config.dataD, config.dataStd);
        Float64Network teacher64 = new Float64Network(layers, norms, beforeRelu);
        teacher64.forward(x, rows, true);
        try (Backend backend = Backends.open("simd");
             Network teacher = new Network(backend, layers, norms, beforeRelu);
             Tensor data = backend.allocate(rows, config.dataD)) {
            backend.upload(x, data);
            teacher.fitRunningStatistics(data);
            List<BatchNormLayer> fitted = teacher.downloadNorms();
            for (int l = 0; l < fitted.size(); l++) {
                for (int j = 0; j < fitted.get(l).n(); j++) {
                    double mean = teacher64.batchMean[l][j], var = teacher64.batchVarUnbiased[l][j];
                    assertEquals(mean, fitted.get(l).runningMean()[j], 1e-4 * Math.max(1, Math.abs(mean)), "mean " + l + "/" + j);
                    assertEquals(var, fitted.get(l).runningVar()[j], 1e-4 * Math.max(1, var), "var " + l + "/" + j);
                }
                assertArrayEquals(norms.get(l).gamma(), fitted.get(l).gamma(), "γ stays 1");
                assertArrayEquals(norms.get(l).beta(), fitted.get(l).beta(), "β stays 0");
            }
        }
    }
}
