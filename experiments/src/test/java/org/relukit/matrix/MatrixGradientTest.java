package org.relukit.matrix;

import static org.relukit.matrix.MatrixReference.add;
import static org.relukit.matrix.MatrixReference.dropLast;
import static org.relukit.matrix.MatrixReference.matrix;
import static org.relukit.matrix.MatrixReference.mul;
import static org.relukit.matrix.MatrixReference.relativeError;
import static org.relukit.matrix.MatrixReference.scale;
import static org.relukit.matrix.MatrixReference.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;

/**
 * The closed-form gradient (docs/math.md#the-gradient) against {@link MatrixReference} (float64), on every CPU
 * backend. Three weight layers, so H goes through the recursion below the output's identity; an
 * odd batch; widths that fill no vector.
 */
class MatrixGradientTest {
    private static final int BATCH = 37;
    /** Float32 products of a few dozen terms against float64. */
    private static final double PRODUCT_TOLERANCE = 1e-6;
    /** ΔW is a difference of two such products, which partly cancel. */
    private static final double GRADIENT_TOLERANCE = 1e-5;

    private record Problem(List<FoldedLayer> student, List<FoldedLayer> teacher, float[] x, int inputs) {
        double[][] xMatrix() {
            return matrix(x, x.length / inputs, inputs);
        }

        double[][] row(int j) {
            return matrix(Arrays.copyOfRange(x, j * inputs, (j + 1) * inputs), 1, inputs);
        }
    }

    /** A teacher and student as the experiment builds them (with a teacher bias), and a gaussian batch. */
    private static Problem randomProblem(long seed, int batch) {
        MatrixConfig.Builder config = MatrixConfig.builder();
        config.ks = List.of(6, 7, 5, 4);
        config.nodeMulti = 2;
        config.bias = 0.3;
        config.initStd = 0.5;
        SplittableRandom rng = new SplittableRandom(seed);
        List<FoldedLayer> teacher = MatrixInit.teacher(config.build(), rng);
        List<FoldedLayer> student = MatrixInit.student(config.build(), teacher, rng);
        return new Problem(student, teacher, batch(rng, batch, 7), 7);
    }

    private static float[] batch(SplittableRandom rng, int rows, int inputs) {
        float[] x = new float[rows * inputs];
        MatrixExperiment.gaussianBatch(rng, x, rows, inputs);
        return x;
    }

    private static double[][] download(Backend backend, Tensor t) {
        float[] flat = new float[t.size()];
        backend.download(t, flat);
        return matrix(flat, t.rows(), t.cols());
    }

    /** A folded-layout tensor in the seed's layout: the ones-carrying column cut. */
    private static double[][] seedLayout(double[][] folded) {
        double[][] m = new double[folded.length][];
        for (int i = 0; i < folded.length; i++) {
            m[i] = Arrays.copyOf(folded[i], folded[i].length - 1);
        }
        return m;
    }

    private static void assertLastRowAndColumnZero(double[][] m, String what) {
        for (int i = 0; i < m.length; i++) {
            assertEquals(0.0, Math.abs(m[i][m[i].length - 1]), what + " last column, row " + i);
        }
        for (double v : m[m.length - 1]) {
            assertEquals(0.0, Math.abs(v), what + " last row");
        }
    }

    private static void assertClose(double[][] out, double[][] ref, double tolerance, String what) {
        double error = relativeError(out, ref);
        assertTrue(error < tolerance, what + ": relative error " + error + " >= " + tolerance);
    }

    /** ΔW of every layer into fresh targets poisoned with NaN, so an unwritten element shows. */
    private static List<double[][]> batchedGradient(Backend backend, MatrixGradient gradient, FoldedNetwork student) {
        Tensor[] targets = poisonedTargets(backend, student);
        gradient.accumulate(targets, 1f, true);
        return downloadAll(backend, targets);
    }

    private static Tensor[] poisonedTargets(Backend backend, FoldedNetwork student) {
        Tensor[] targets = new Tensor[student.layerCount()];
        for (int k = 0; k < targets.length; k++) {
            Tensor w = student.weights(k);
            targets[k] = backend.allocate(w.rows(), w.cols());
            float[] nan = new float[w.size()];
            Arrays.fill(nan, Float.NaN);
            backend.upload(nan, targets[k]);
        }
        return targets;
    }

    private static List<double[][]> downloadAll(Backend backend, Tensor[] targets) {
        List<double[][]> out = new ArrayList<>();
        for (Tensor t : targets) {
            out.add(download(backend, t));
            t.close();
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void lHAndBetaProductsMatchFloat64(String name) {
        Problem p = randomProblem(11, BATCH);
        MatrixReference ref = new MatrixReference(p.student(), p.teacher(), p.xMatrix());
        assertTrue(ref.smallestMargin() > 1e-4, "the batch sits on a gate flip; pick another seed");
        try (OnBackend on = OnBackend.open(name, p, BATCH); MatrixGradient gradient = on.forwardGradient()) {
            Backend backend = on.backend();
            float loss = gradient.loss();
            gradient.computeTerms();
            assertEquals(ref.loss(), loss, 1e-5 * ref.loss(), "loss");
            for (int k = 0; k < 3; k++) {
                assertClose(download(backend, gradient.l(k)), ref.l[k], PRODUCT_TOLERANCE, name + " L_" + k);
                assertClose(download(backend, gradient.lStar(k)), ref.lStar[k], PRODUCT_TOLERANCE, name + " L*_" + k);
            }
            for (int k = 0; k < 2; k++) {
                double[][] h = download(backend, gradient.h(k)), hStar = download(backend, gradient.hStar(k));
                assertLastRowAndColumnZero(h, "H_" + k);
                assertLastRowAndColumnZero(hStar, "H*_" + k);
                assertClose(dropLast(h), ref.h[k], PRODUCT_TOLERANCE, name + " H_" + k);
                assertClose(dropLast(hStar), ref.hStar[k], PRODUCT_TOLERANCE, name + " H*_" + k);
                assertClose(dropLast(download(backend, gradient.beta(k))), ref.beta[k], PRODUCT_TOLERANCE, name + " β_" + k);
                assertClose(dropLast(download(backend, gradient.betaStar(k))), ref.betaStar[k], PRODUCT_TOLERANCE,
                        name + " β*_" + k);
            }
            List<double[][]> deltaW = batchedGradient(backend, gradient, on.student());
            for (int k = 0; k < 3; k++) {
                double[][] folded = deltaW.get(k);
                for (double[] row : folded) {
                    // The ones-carrying column must never move.
                    assertEquals(0.0, Math.abs(row[row.length - 1]), "ΔW_" + k + " ones column");
                }
                assertClose(seedLayout(folded), ref.deltaW[k], GRADIENT_TOLERANCE, name + " ΔW_" + k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void stepAddsLrTimesDeltaWThenScalesColumnsToUnitNorm(String name) {
        Problem p = randomProblem(12, BATCH);
        MatrixReference ref = new MatrixReference(p.student(), p.teacher(), p.xMatrix());
        float lr = 0.3f;
        List<FoldedLayer> after;
        List<double[][]> raw = new ArrayList<>();
        try (OnBackend on = OnBackend.open(name, p, BATCH); MatrixStep step = on.step(lr, false, false)) {
            float loss = step.run(on.x(), true);
            assertEquals(ref.loss(), loss, 1e-5 * ref.loss(), "the loss is taken before the update");
            after = on.student().download();
            for (int k = 0; k < 3; k++) {
                raw.add(download(on.backend(), on.student().weights(k)));
            }
        }
        for (int k = 0; k < 3; k++) {
            double[][] expected = unitColumns(add(matrix(p.student().get(k)), ref.deltaW[k], lr));
            double[][] w = matrix(after.get(k));
            assertClose(w, expected, GRADIENT_TOLERANCE, name + " W_" + k + " after the step");
            for (int j = 0; j < w[0].length; j++) {
                double sq = 0;
                for (double[] row : w) {
                    sq += row[j] * row[j];
                }
                assertEquals(1.0, Math.sqrt(sq), 1e-6, name + " W_" + k + " column " + j);
            }
            double[][] folded = raw.get(k);
            for (int i = 0; i < folded.length; i++) {
                assertEquals(i == folded.length - 1 ? 1.0 : 0.0, folded[i][folded[i].length - 1],
                        "the ones-carrying column of W_" + k + " stays the unit vector on the bias row");
            }
        }
    }

    /**
     * {@code --use_accurate_grad} adds the per-sample ΔW together, as the original does, and
     * reports the sum of the per-sample losses; {@code --accurate_grad_mean} takes their mean.
     */
    @ParameterizedTest(name = "{0} mean={1}")
    @CsvSource({"scalar, false", "simd, false", "simd, true"})
    void accurateStepSumsPerSampleGradientsAsTheOriginal(String name, boolean meanOfSamples) {
        int batch = 5;
        Problem p = randomProblem(13, batch);
        double[][][] mean = perSampleMean(p, batch);
        double lossSum = 0;
        for (int j = 0; j < batch; j++) {
            lossSum += new MatrixReference(p.student(), p.teacher(), p.row(j)).loss();
        }
        float lr = 0.2f;
        List<FoldedLayer> after;
        float loss;
        try (OnBackend on = OnBackend.open(name, p, batch); MatrixStep step = on.step(lr, true, meanOfSamples)) {
            loss = step.run(on.x(), true);
            after = on.student().download();
        }
        assertEquals(lossSum, loss, 1e-5 * lossSum, "the sum of the per-sample losses, before the update");
        double stepScale = meanOfSamples ? lr : lr * batch;
        for (int k = 0; k < 3; k++) {
            double[][] expected = unitColumns(add(matrix(p.student().get(k)), mean[k], stepScale));
            assertClose(matrix(after.get(k)), expected, GRADIENT_TOLERANCE, name + " W_" + k);
        }
    }

    /** Mean over the batch of the float64 closed form on one sample. */
    private static double[][][] perSampleMean(Problem p, int batch) {
        double[][][] mean = null;
        for (int j = 0; j < batch; j++) {
            MatrixReference one = new MatrixReference(p.student(), p.teacher(), p.row(j));
            if (mean == null) {
                mean = new double[one.deltaW.length][][];
                for (int k = 0; k < mean.length; k++) {
                    mean[k] = scale(one.deltaW[k], 1.0 / batch);
                }
            } else {
                for (int k = 0; k < mean.length; k++) {
                    mean[k] = add(mean[k], one.deltaW[k], 1.0 / batch);
                }
            }
        }
        return mean;
    }

    private static List<double[][]> perSampleGradient(Backend backend, Problem p, FoldedNetwork student,
                                                      FoldedNetwork teacher, Tensor x, int batch) {
        try (PerSampleGradient perSample = new PerSampleGradient(backend, student, teacher)) {
            Tensor[] targets = poisonedTargets(backend, student);
            perSample.accumulate(x, targets, 1f / batch, false);
            return downloadAll(backend, targets);
        }
    }

    /**
     * Where every hidden gate is open for every sample, G_Sᵀ G_S / N is all ones, H does not
     * depend on the sample, and the batched ΔW is exactly the mean of the per-sample ones.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void batchedGradientEqualsPerSampleMeanWhereEveryGateIsOpen(String name) {
        SplittableRandom rng = new SplittableRandom(14);
        List<FoldedLayer> student = openLayers(rng, new int[] {6, 14, 10, 4});
        List<FoldedLayer> teacher = openLayers(rng, new int[] {6, 7, 5, 4});
        Problem p = new Problem(student, teacher, batch(rng, BATCH, 7), 7);
        MatrixReference ref = new MatrixReference(student, teacher, p.xMatrix());
        for (List<double[][]> gates : List.of(ref.studentGate, ref.teacherGate)) {
            for (double[][] g : gates) {
                for (double[] row : g) {
                    for (double v : row) {
                        assertEquals(1.0, v, "premise: every hidden gate is open");
                    }
                }
            }
        }
        compareBatchedWithPerSample(name, p, 3);
    }

    /** At the output H = I for every sample, so the top layer's batched ΔW is always the per-sample mean. */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void outputLayerGradientEqualsPerSampleMeanForAnyGates(String name) {
        compareBatchedWithPerSample(name, randomProblem(15, BATCH), 1);
    }

    /** A problem's teacher, student and batch on a backend; closes them in the reverse order. */
    private record OnBackend(Backend backend, FoldedNetwork teacher, FoldedNetwork student, Tensor x)
            implements AutoCloseable {
        static OnBackend open(String name, Problem p, int batch) {
            Backend backend = Backends.open(name);
            FoldedNetwork teacher = new FoldedNetwork(backend, p.teacher());
            FoldedNetwork student = new FoldedNetwork(backend, p.student());
            Tensor x = backend.allocate(batch, p.inputs());
            backend.upload(p.x(), x);
            return new OnBackend(backend, teacher, student, x);
        }

        /** The matrix gradient of the batch, its forward pass done. */
        MatrixGradient forwardGradient() {
            MatrixGradient gradient = new MatrixGradient(backend, student, teacher, x.rows());
            gradient.forward(x);
            return gradient;
        }

        MatrixStep step(float lr, boolean accurateGrad, boolean accurateGradMean) {
            return new MatrixStep(backend, student, teacher, x.rows(), lr, accurateGrad, accurateGradMean);
        }

        @Override
        public void close() {
            x.close();
            student.close();
            teacher.close();
            backend.close();
        }
    }

    private static void compareBatchedWithPerSample(String name, Problem p, int topLayers) {
        double[][][] mean = perSampleMean(p, BATCH);
        try (OnBackend on = OnBackend.open(name, p, BATCH); MatrixGradient gradient = on.forwardGradient()) {
            gradient.computeTerms();
            List<double[][]> batched = batchedGradient(on.backend(), gradient, on.student());
            List<double[][]> perSample = perSampleGradient(on.backend(), p, on.student(), on.teacher(), on.x(), BATCH);
            for (int k = 3 - topLayers; k < 3; k++) {
                assertClose(seedLayout(perSample.get(k)), mean[k], GRADIENT_TOLERANCE, name + " per-sample ΔW_" + k);
                assertClose(seedLayout(batched.get(k)), seedLayout(perSample.get(k)), GRADIENT_TOLERANCE,
                        name + " batched vs per-sample ΔW_" + k);
            }
        }
    }

    /**
     * Below the output the two forms differ in general: the batched one averages L and H
     * separately (E[L]·E[H] instead of E[L·H]). The issue asked for equality on random inputs; this
     * pins down, in float64, that it only holds where the gates agree (above) or for one sample.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, BATCH})
    void hiddenLayerGradientIsThePerSampleMeanOnlyForOneSample(int batch) {
        Problem p = randomProblem(16, batch);
        MatrixReference batched = new MatrixReference(p.student(), p.teacher(), p.xMatrix());
        double[][][] mean = perSampleMean(p, batch);
        double error = relativeError(batched.deltaW[0], mean[0]);
        if (batch == 1) {
            assertTrue(error < 1e-12, "one sample: the forms coincide, error " + error);
        } else {
            assertTrue(error > 0.05, "a batch of mixed gates: the forms differ, error " + error);
        }
    }

    /**
     * The per-sample closed form is backpropagation: with a linear output and no biases into the
     * layers above the first (the terms the seed drops are then zero), its mean over the batch is
     * minus the gradient of {@code Σ ||y − y*||² / 2N}, computed here by the chain rule in float64.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void perSampleGradientIsMinusTheBackpropGradient(String name) {
        int batch = 9;
        Problem random = randomProblem(17, batch);
        Problem p = new Problem(withoutUpperBiases(random.student()), withoutUpperBiases(random.teacher()),
                random.x(), random.inputs());
        double[][][] backprop = minusBackpropGradient(p);
        try (OnBackend on = OnBackend.open(name, p, batch)) {
            List<double[][]> perSample = perSampleGradient(on.backend(), p, on.student(), on.teacher(), on.x(), batch);
            for (int k = 0; k < 3; k++) {
                assertClose(seedLayout(perSample.get(k)), backprop[k], GRADIENT_TOLERANCE, name + " ΔW_" + k);
            }
        }
    }

    private static List<FoldedLayer> withoutUpperBiases(List<FoldedLayer> layers) {
        List<FoldedLayer> out = new ArrayList<>();
        for (int k = 0; k < layers.size(); k++) {
            FoldedLayer layer = layers.get(k);
            float[] w = layer.w().clone();
            if (k > 0) {
                Arrays.fill(w, layer.inputs() * layer.outputs(), w.length, 0f);
            }
            out.add(new FoldedLayer(layer.inputs(), layer.outputs(), w));
        }
        return out;
    }

    private static double[][][] minusBackpropGradient(Problem p) {
        double[][] x = p.xMatrix();
        int n = x.length, layers = p.student().size();
        List<double[][]> inputs = new ArrayList<>(), gates = new ArrayList<>();
        double[][] s = x, t = x;
        for (int k = 0; k + 1 < layers; k++) {
            inputs.add(s);
            double[][][] fs = MatrixReference.forward(mul(s, matrix(p.student().get(k))));
            gates.add(fs[1]);
            s = fs[0];
            t = MatrixReference.forward(mul(t, matrix(p.teacher().get(k))))[0];
        }
        inputs.add(s);
        double[][] y = mul(s, matrix(p.student().get(layers - 1)));
        double[][] yStar = mul(t, matrix(p.teacher().get(layers - 1)));
        double[][] delta = scale(MatrixReference.subtract(y, yStar), 1.0 / n);
        double[][][] minusGrad = new double[layers][][];
        for (int k = layers - 1; k >= 0; k--) {
            minusGrad[k] = scale(mul(transpose(inputs.get(k)), delta), -1);
            if (k > 0) {
                double[][] back = mul(delta, transpose(matrix(p.student().get(k))));
                delta = MatrixReference.hadamard(dropLastColumn(back), dropLastColumn(gates.get(k - 1)));
            }
        }
        return minusGrad;
    }

    private static double[][] dropLastColumn(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = Arrays.copyOf(a[i], a[i].length - 1);
        }
        return c;
    }

    /** Layers whose every pre-activation is positive: small weights, non-negative above the first, bias row +3. */
    private static List<FoldedLayer> openLayers(SplittableRandom rng, int[] widths) {
        List<FoldedLayer> layers = new ArrayList<>();
        for (int k = 0; k + 1 < widths.length; k++) {
            int nIn = widths[k], nOut = widths[k + 1];
            float[] w = new float[(nIn + 1) * nOut];
            for (int i = 0; i < nIn * nOut; i++) {
                double v = 0.1 * rng.nextGaussian();
                w[i] = (float) (k == 0 ? v : Math.abs(v));
            }
            Arrays.fill(w, nIn * nOut, w.length, 3f);
            layers.add(new FoldedLayer(nIn, nOut, w));
        }
        return layers;
    }

    private static double[][] unitColumns(double[][] w) {
        double[][] out = new double[w.length][w[0].length];
        for (int j = 0; j < w[0].length; j++) {
            double sq = 0;
            for (double[] row : w) {
                sq += row[j] * row[j];
            }
            for (int i = 0; i < w.length; i++) {
                out[i][j] = w[i][j] / Math.sqrt(sq);
            }
        }
        return out;
    }
}
