package org.relukit.recon;

import org.relukit.backend.HostNorms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.stats.Evaluation;

/**
 * recon's defaults do what the original code does where relukit once differed
 * (docs/departures.md), and relukit's variants stay behind their own flags.
 */
class OriginalSemanticsTest {

    private static ReconConfig.Builder small() {
        ReconConfig.Builder config = ReconBatchNormTest.small();
        config.numEpoch = 0;
        return config;
    }

    /** The evaluations before training, train then eval. */
    private static List<Evaluation> beforeTraining(ReconConfig.Builder config) {
        try (Backend backend = Backends.open("simd")) {
            return new ReconExperiment(backend, config.build()).run().getFirst().evaluations();
        }
    }

    /**
     * With --teacher_bn alone the teacher's BatchNorm keeps mean 0 and variance 1, so it only
     * divides by sqrt(1 + 1e-5): the same student sees the same teacher to within that factor.
     * --teacher_bn_fit normalises the teacher for real and moves the loss far more.
     */
    @Test
    void teacherBatchNormWithoutFitIsTheIdentityUpToEps() {
        ReconConfig.Builder plain = small();
        ReconConfig.Builder bn = small();
        bn.teacherBn = true;
        ReconConfig.Builder fitted = small();
        fitted.teacherBn = true;
        fitted.teacherBnFit = true;
        List<Evaluation> a = beforeTraining(plain), b = beforeTraining(bn), c = beforeTraining(fitted);
        for (int i = 0; i < a.size(); i++) {
            float loss = a.get(i).loss();
            assertEquals(loss, b.get(i).loss(), 1e-4 * loss, a.get(i).split() + " loss with --teacher_bn");
            float[] corr = a.get(i).bestCorrMean(), corrBn = b.get(i).bestCorrMean();
            for (int l = 0; l < corr.length; l++) {
                assertEquals(corr[l], corrBn[l], 1e-4, a.get(i).split() + " L" + l + " correlation with --teacher_bn");
            }
            assertTrue(Math.abs(c.get(i).loss() - loss) > 1e-2 * loss,
                    "--teacher_bn_fit changes the teacher: " + loss + " vs " + c.get(i).loss());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"perturb", "same_dir", "same_sign"})
    void startingFromTheTeacherForcesNodeMultiToOne(String option) {
        ReconConfig.Builder config = fromTheTeacher(option);
        config.nodeMulti = 10;
        assertEquals(config.ks, config.build().studentKs());
        List<Layer> teacher = TeacherStudent.teacher(config.build(), new SplittableRandom(1));
        List<Layer> student = TeacherStudent.student(config.build(), teacher, new SplittableRandom(2));
        for (int l = 0; l < teacher.size(); l++) {
            assertEquals(teacher.get(l).n(), student.get(l).n(), option + ": width of layer " + l);
            assertEquals(teacher.get(l).k(), student.get(l).k(), option + ": fan-in of layer " + l);
        }
    }

    /** {@link #small()} with a student that starts from the teacher: option perturb, same_dir or same_sign. */
    private static ReconConfig.Builder fromTheTeacher(String option) {
        ReconConfig.Builder config = small();
        switch (option) {
            case "perturb" -> config.perturb = 0.1;
            case "same_dir" -> config.sameDir = true;
            case "same_sign" -> config.sameSign = true;
            default -> throw new IllegalArgumentException(option);
        }
        return config;
    }

    /** A teacher, the student {@code config} starts from it, and the default draw that student began as. */
    private record Start(List<Layer> teacher, List<Layer> student, List<Layer> fresh) {
        static Start of(ReconConfig.Builder config) {
            List<Layer> teacher = TeacherStudent.teacher(config.build(), new SplittableRandom(1));
            ReconConfig.Builder plain = small();
            plain.nodeMulti = 1;
            return new Start(teacher, TeacherStudent.student(config.build(), teacher, new SplittableRandom(2)),
                    TeacherStudent.student(plain.build(), teacher, new SplittableRandom(2)));
        }
    }

    private static double frobenius(float[] w) {
        double sq = 0;
        for (float v : w) {
            sq += (double) v * v;
        }
        return Math.sqrt(sq);
    }

    @Test
    void sameDirScalesEachTeacherLayerAndBiasByTheRatioOfFrobeniusNorms() {
        Start start = Start.of(fromTheTeacher("same_dir"));
        List<Layer> teacher = start.teacher(), student = start.student(), fresh = start.fresh();
        for (int l = 0; l < teacher.size(); l++) {
            Layer t = teacher.get(l), s = student.get(l);
            double r = frobenius(fresh.get(l).weights()) / frobenius(t.weights());
            assertTrue(r > 0.05 && r < 20, "a ratio of two norms of order one: " + r);
            for (int i = 0; i < t.weights().length; i++) {
                assertEquals(t.weights()[i] * r, s.weights()[i], 1e-6, "W_" + l + "[" + i + "]");
            }
            for (int j = 0; j < t.n(); j++) {
                assertEquals(t.bias()[j] * r, s.bias()[j], 1e-6, "b_" + l + "[" + j + "]");
            }
            assertEquals(frobenius(fresh.get(l).weights()), frobenius(s.weights()), 1e-5, "the student keeps its own scale");
        }
    }

    @Test
    void sameSignFlipsOpposedWeightsAndBiasesAndLeavesThoseFacingAZero() {
        Start start = Start.of(fromTheTeacher("same_sign"));
        List<Layer> teacher = start.teacher(), student = start.student(), fresh = start.fresh();
        int zeros = 0;
        for (int l = 0; l < teacher.size(); l++) {
            float[][] t = {teacher.get(l).weights(), teacher.get(l).bias()};
            float[][] s = {student.get(l).weights(), student.get(l).bias()};
            float[][] f = {fresh.get(l).weights(), fresh.get(l).bias()};
            for (int part = 0; part < 2; part++) {
                for (int i = 0; i < t[part].length; i++) {
                    assertEquals(Math.abs(f[part][i]), Math.abs(s[part][i]), "magnitudes are the fresh draw's");
                    if (t[part][i] == 0f) {
                        zeros++;
                        assertEquals(f[part][i], s[part][i], "a zero teacher entry leaves the student's alone");
                    } else {
                        assertTrue(t[part][i] * s[part][i] >= 0f, "layer " + l + " entry " + i + " has the teacher's sign");
                    }
                }
            }
        }
        assertTrue(zeros > 0, "the separate teacher has zero weights, so the rule for them was exercised");
    }

    @Test
    void perturbThenSameDirApplyInTheOriginalsOrder() {
        ReconConfig.Builder config = small();
        config.perturb = 0.5;
        config.sameDir = true;
        config.sameSign = true;
        List<Layer> teacher = TeacherStudent.teacher(config.build(), new SplittableRandom(1));
        List<Layer> student = TeacherStudent.student(config.build(), teacher, new SplittableRandom(2));
        for (int l = 0; l < teacher.size(); l++) {
            float[] t = teacher.get(l).weights(), s = student.get(l).weights();
            int largest = 0;
            for (int i = 1; i < t.length; i++) {
                largest = Math.abs(t[i]) > Math.abs(t[largest]) ? i : largest;
            }
            double r = (double) s[largest] / t[largest];
            for (int i = 0; i < t.length; i++) {
                assertEquals(t[i] * r, s[i], 1e-5, "same_dir after perturb: the student is the teacher scaled, layer " + l);
            }
            assertTrue(r > 0, "same_sign then finds nothing to flip");
        }
    }

    @Test
    void noSepKeepsTheDefaultInitForTheTeacherThenNormalisesIt() {
        ReconConfig.Builder config = small();
        config.noSep = true;
        List<Layer> teacher = TeacherStudent.teacher(config.build(), new SplittableRandom(5));
        SplittableRandom rng = new SplittableRandom(5);
        Set<Float> distinct = new HashSet<>();
        for (int l = 0; l < teacher.size(); l++) {
            Layer t = teacher.get(l);
            float bound = Initialisation.bound(t.k());
            float[] w = Initialisation.uniform(rng, t.n() * t.k(), -bound, bound);
            float[] b = Initialisation.uniform(rng, t.n(), -bound, bound);
            HostNorms.normalizeRows(w, b, t.n(), t.k());
            assertArrayEquals(w, t.weights(), "layer " + l + ": the default draw, normalised");
            assertArrayEquals(b, t.bias(), "layer " + l + " bias");
            for (int j = 0; j < t.n(); j++) {
                assertEquals(1.0, frobenius(Arrays.copyOfRange(t.weights(), j * t.k(), (j + 1) * t.k())), 1e-4);
                for (int p = 0; p < t.k(); p++) {
                    distinct.add(t.weight(j, p));
                }
            }
        }
        assertTrue(distinct.size() > 100, "not the few values of separate rows");
    }

    /** --normalize: the student's rows are normalised before the first statistics, as the original does. */
    @Test
    void normalizeAppliesBeforeTraining() {
        ReconConfig.Builder config = small();
        config.normalize = true;
        config.statsW = true;
        Evaluation first = beforeTraining(config).getFirst();
        int[] widths = {10 * 3, 15 * 3, 20};
        for (int l = 0; l < widths.length; l++) {
            // n rows of length 1/(1 + 1e-5·…) each: a Frobenius norm of sqrt(n).
            assertEquals(Math.sqrt(widths[l]), first.weightDrift().get(l).norm(), 1e-3, "layer " + l);
        }
    }

    @Test
    void evaluationsSampleThreeLoaderBatchesOfEachSplit() {
        ReconConfig.Builder config = small();
        config.batchsize = 32;
        config.evalBatchsize = 100;
        assertEquals(96, config.build().evaluationSamples("train"), "3 batches of --batchsize");
        assertEquals(300, config.build().evaluationSamples("eval"), "3 batches of --eval_batchsize");
        config.evalBatchsize = 512;
        assertEquals(1024, config.build().evaluationSamples("eval"), "at most the whole set, as a loader that runs out");
        config.evalBatchsize = 100;
        config.fixedEvalSamples = true;
        assertEquals(300, config.build().evaluationSamples("train"));
        assertEquals(300, config.build().evaluationSamples("eval"));
    }

    @Test
    void evaluationRowsAreAFreshRandomSamplePerEpochSplitAndTrial() {
        int[] rows = ReconExperiment.evaluationRows(124, 0, 3, "eval", 1024, 192);
        assertArrayEquals(rows, ReconExperiment.evaluationRows(124, 0, 3, "eval", 1024, 192), "the same key, the same rows");
        assertEquals(192, Arrays.stream(rows).distinct().count(), "no row twice");
        assertTrue(Arrays.stream(rows).allMatch(r -> r >= 0 && r < 1024));
        assertFalse(Arrays.equals(rows, java.util.stream.IntStream.range(0, 192).toArray()), "not the first rows");
        assertFalse(Arrays.equals(rows, ReconExperiment.evaluationRows(124, 0, 4, "eval", 1024, 192)), "another epoch");
        assertFalse(Arrays.equals(rows, ReconExperiment.evaluationRows(124, 0, 3, "train", 1024, 192)), "another split");
        assertFalse(Arrays.equals(rows, ReconExperiment.evaluationRows(124, 1, 3, "eval", 1024, 192)), "another trial");
        assertFalse(Arrays.equals(rows, ReconExperiment.evaluationRows(125, 0, 3, "eval", 1024, 192)), "another seed");
        // Over many draws every row of the set is as likely: each of 8 rows shows up about 3/8 of the time.
        int[] counts = new int[8];
        for (int epoch = 0; epoch < 4000; epoch++) {
            for (int r : ReconExperiment.evaluationRows(1, 0, epoch, "train", 8, 3)) {
                counts[r]++;
            }
        }
        for (int c : counts) {
            assertEquals(1500, c, 150, "row counts " + Arrays.toString(counts));
        }
    }

    /** The same student and data measured on the first rows (--fixed_eval_samples) and on a random sample. */
    @Test
    void fixedEvalSamplesKeepsTheFirstRowsAndTheDefaultDoesNot() {
        ReconConfig.Builder fixed = small();
        fixed.fixedEvalSamples = true;
        List<Evaluation> random = beforeTraining(small()), first = beforeTraining(fixed);
        for (int i = 0; i < random.size(); i++) {
            assertNotEquals(first.get(i).loss(), random.get(i).loss(), random.get(i).split() + ": other samples, another loss");
        }
    }
}
