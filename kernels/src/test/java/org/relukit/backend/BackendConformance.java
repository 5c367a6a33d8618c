package org.relukit.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance kit every {@link Backend} must pass: each kernel, over many shapes,
 * against the float64 {@link Reference}. A backend's test extends this class and says how to
 * create the backend; it may widen the shapes (a threaded backend adds products big enough to be
 * split).
 *
 * <p>Outputs are poisoned with NaN before every call, so an element a kernel forgets to write
 * fails the comparison; inputs are random with both signs (never zeros) and must come back
 * unchanged. Results are compared by the relative error {@code ||out − ref|| / ||ref||}, and
 * element-wise against {@code tol · max|ref|} so that one wrong element of a large output is not
 * diluted by the norm (see {@link #sumTolerance}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformance {

    /** Round-off allowed for results of a few float32 operations per element (scaling, SGD). */
    protected static final double ELEMENTWISE_TOLERANCE = 1e-6;

    /** The workload: batch 64, student layers 20 → 100 → 150 → 200 → 250 → 100 (docs/math.md#recon-experiment). */
    protected static final int BATCH = 64;
    protected static final int[] STUDENT_WIDTHS = {20, 100, 150, 200, 250, 100};
    /** Teacher hidden widths and the 3 evaluation batches the correlations are measured on. */
    private static final int[] TEACHER_WIDTHS = {10, 15, 20, 25};
    private static final int NODE_MULTI = 10;
    private static final int CORRELATION_SAMPLES = 3 * BATCH;

    /** One product {@code out[m × n]} with inner dimension {@code k}. */
    public record ProductShape(int m, int n, int k) {
        @Override
        public String toString() {
            return m + "x" + n + "x" + k;
        }
    }

    /** The shape of an element-wise operand. */
    public record MatrixShape(int rows, int cols) {
        public int size() {
            return rows * cols;
        }

        @Override
        public String toString() {
            return rows + "x" + cols;
        }
    }

    protected Backend backend;
    private final List<Tensor> tensors = new ArrayList<>();

    /**
     * Creates the backend under test; called once per test class and closed after it. The kit
     * puts it behind the shape checks {@link Backends#open} applies to every backend (once: a
     * backend opened with {@code Backends.open} is already behind them), so {@link #backend} is
     * what a user gets.
     */
    protected abstract Backend createBackend();

    @BeforeAll
    void openBackend() {
        backend = CheckedBackend.wrap(createBackend());
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    @AfterEach
    void closeTensors() {
        tensors.forEach(Tensor::close);
        tensors.clear();
    }

    /**
     * Relative error allowed for an output whose elements are float32 sums of {@code terms}
     * products. Recursive float32 summation of k terms errs by at most about k·u·Σ|terms|
     * (u = 2⁻²⁴ ≈ 6e-8). With random signs the rounding errors add up like a random walk while
     * the sum itself is about √k terms large, so the relative error is typically a few √k·u,
     * about 2e-6 at k = 1000, whatever the summation order (blocked, vectorised, FMA). The bound
     * is 1e-5 for short sums, rising linearly to 1e-4 at k = 1000 and capped there; the scalar and
     * SIMD backends stay at least 4× below it (most shapes more than 10×). A real bug (a dropped or
     * repeated term, a wrong index, a mis-scaled tail) costs at least about 1/√k relative on the
     * elements it touches, ≥ 3e-2 for every shape here, and the element-wise check of
     * {@link #assertClose} catches it even when it touches one element of a large output.
     */
    protected static double sumTolerance(int terms) {
        return Math.min(1e-4, Math.max(1e-5, terms * 1e-7));
    }

    protected Stream<ProductShape> productShapes() {
        return Stream.of(edgeProductShapes(), workloadProductShapes(), randomProductShapes(), emptyProductShapes())
                .flatMap(s -> s);
    }

    /** Sizes of 1, odd sizes, and sizes that are not (or are just) multiples of 4, 8 and 16 floats. */
    protected static Stream<ProductShape> edgeProductShapes() {
        return Stream.of(
                new ProductShape(1, 1, 1), new ProductShape(1, 7, 3), new ProductShape(3, 1, 7),
                new ProductShape(7, 3, 1), new ProductShape(3, 7, 17), new ProductShape(17, 33, 3),
                new ProductShape(33, 3, 7), new ProductShape(7, 17, 33), new ProductShape(5, 9, 2),
                new ProductShape(15, 31, 65), new ProductShape(31, 65, 15), new ProductShape(65, 15, 31),
                new ProductShape(100, 250, 15), new ProductShape(250, 100, 31), new ProductShape(15, 65, 250),
                new ProductShape(4, 8, 16), new ProductShape(8, 16, 32), new ProductShape(16, 32, 8),
                new ProductShape(32, 64, 4), new ProductShape(2, 250, 100),
                // rows a multiple of 1 KB apart, which the SIMD backend pads when it transposes
                new ProductShape(9, 256, 33), new ProductShape(3, 512, 5));
    }

    /**
     * The products of one training step (forward {@code 64×N×K}, input gradient {@code 64×K×N},
     * weight gradient {@code N×K×64}) and of the correlations (teacher × student nodes over 192 samples).
     */
    protected static Stream<ProductShape> workloadProductShapes() {
        List<ProductShape> shapes = new ArrayList<>();
        for (int l = 0; l + 1 < STUDENT_WIDTHS.length; l++) {
            int k = STUDENT_WIDTHS[l], n = STUDENT_WIDTHS[l + 1];
            shapes.add(new ProductShape(BATCH, n, k));
            shapes.add(new ProductShape(BATCH, k, n));
            shapes.add(new ProductShape(n, k, BATCH));
        }
        for (int kt : TEACHER_WIDTHS) {
            shapes.add(new ProductShape(kt, kt * NODE_MULTI, CORRELATION_SAMPLES));
        }
        return shapes.stream();
    }

    protected static Stream<ProductShape> randomProductShapes() {
        RandomTensors random = new RandomTensors(0x5EED_1905_13405L);
        return IntStream.range(0, 6).mapToObj(i ->
                new ProductShape(random.nextInt(1, 131), random.nextInt(1, 131), random.nextInt(1, 131)));
    }

    /** No rows, no columns, no inner dimension: legal, and the result is still fully defined. */
    protected static Stream<ProductShape> emptyProductShapes() {
        return Stream.of(new ProductShape(0, 7, 5), new ProductShape(7, 0, 5),
                new ProductShape(7, 5, 0), new ProductShape(0, 0, 0));
    }

    protected Stream<MatrixShape> matrixShapes() {
        RandomTensors random = new RandomTensors(0x5EED_1905_13406L);
        Stream<MatrixShape> fixed = Stream.of(
                new MatrixShape(1, 1), new MatrixShape(1, 3), new MatrixShape(3, 1), new MatrixShape(7, 17),
                new MatrixShape(17, 16), new MatrixShape(16, 17), new MatrixShape(15, 31), new MatrixShape(33, 65),
                new MatrixShape(BATCH, 100), new MatrixShape(BATCH, 250), new MatrixShape(100, 250),
                new MatrixShape(250, 200));
        Stream<MatrixShape> randomShapes = IntStream.range(0, 4).mapToObj(i ->
                new MatrixShape(random.nextInt(1, 131), random.nextInt(1, 131)));
        return Stream.of(fixed, randomShapes, Stream.of(new MatrixShape(0, 5), new MatrixShape(5, 0)))
                .flatMap(s -> s);
    }

    protected Stream<MatrixShape> nonEmptyMatrixShapes() {
        return matrixShapes().filter(s -> s.size() > 0);
    }

    /** Every product shape with and without the ReLU, each with and without the bias. */
    private Stream<Arguments> layerCases() {
        return productCases().flatMap(c -> Stream.of(true, false).map(relu -> Arguments.of(c.get()[0], relu, c.get()[1])));
    }

    /** Every product shape, with and without the bias (or the gate). */
    private Stream<Arguments> productCases() {
        return productShapes().flatMap(s -> Stream.of(Arguments.of(s, true), Arguments.of(s, false)));
    }

    private Stream<Arguments> matrixCases() {
        return matrixShapes().flatMap(s -> Stream.of(Arguments.of(s, true), Arguments.of(s, false)));
    }

    private Stream<Arguments> matmulCases() {
        return productShapes().flatMap(s -> Stream.of(
                Arguments.of(s, false, false), Arguments.of(s, false, true),
                Arguments.of(s, true, false), Arguments.of(s, true, true)));
    }

    private Stream<Arguments> sgdUpdateCases() {
        return nonEmptyMatrixShapes().flatMap(s -> Stream.of(
                Arguments.of(s, 0f, 0f), Arguments.of(s, 0.9f, 0f),
                Arguments.of(s, 0f, 0.01f), Arguments.of(s, 0.9f, 5e-4f)));
    }

    @Test
    void describesItself() {
        assertFalse(backend.name().isBlank(), "name()");
        assertFalse(backend.description().isBlank(), "description()");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrixShapes")
    void uploadDownloadRoundTrip(MatrixShape s) {
        float[] data = random("roundTrip", s).gaussian(s.size(), 0, 3);
        Tensor t = track(backend.allocate(s.rows(), s.cols()));
        assertEquals(s.rows(), t.rows());
        assertEquals(s.cols(), t.cols());
        assertEquals(s.size(), t.size());
        backend.upload(data, t);
        float[] back = new float[s.size() + 3];
        Arrays.fill(back, 42f);
        backend.download(t, back);
        assertArrayEquals(data, Arrays.copyOf(back, s.size()), "downloaded data");
        assertArrayEquals(new float[] {42f, 42f, 42f}, Arrays.copyOfRange(back, s.size(), back.length),
                "download must write only the first size() floats");
    }

    @Test
    void uploadReadsOnlyTheTensorsSizeAndTensorsAreIndependent() {
        RandomTensors random = random("upload", "");
        float[] long1 = random.signed(40);
        float[] long2 = random.signed(40);
        Tensor a = tensor(long1, 5, 7);
        Tensor b = tensor(long2, 5, 7);
        assertArrayEquals(Arrays.copyOf(long1, 35), read(a));
        assertArrayEquals(Arrays.copyOf(long2, 35), read(b));
        float[] again = random.gaussian(35, 0, 1);
        backend.upload(again, a);
        assertArrayEquals(again, read(a), "a second upload replaces the contents");
        assertArrayEquals(Arrays.copyOf(long2, 35), read(b), "an upload to one tensor left another alone");
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {1, 3, 17, 100, 250})
    void copyRows(int cols) {
        float[] data = random("copyRows", cols).signed(11 * cols);
        Tensor src = tensor(data, 11, cols);
        Tensor dst = poisoned(9, cols);
        backend.copyRows(src, 4, dst, 2, 5);
        float[] out = read(dst);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < cols; j++) {
                float got = out[i * cols + j];
                if (i >= 2 && i < 7) {
                    assertEquals(data[(i + 2) * cols + j], got, "dst[" + i + "," + j + "]");
                } else {
                    assertTrue(Float.isNaN(got), "row " + i + " is outside the copy and must be untouched");
                }
            }
        }
        backend.copyRows(src, 0, dst, 0, 0);
        assertTrue(Float.isNaN(read(dst)[0]), "copying 0 rows copies nothing");
        Tensor whole = poisoned(11, cols);
        backend.copyRows(src, 0, whole, 0, 11);
        assertArrayEquals(data, read(whole));
        assertUnchanged(src, data, "src");

        assertThrows(IllegalArgumentException.class, () -> backend.copyRows(src, 7, dst, 0, 5), "past the end of src");
        assertThrows(IllegalArgumentException.class, () -> backend.copyRows(src, 0, dst, 5, 5), "past the end of dst");
        assertThrows(IllegalArgumentException.class, () -> backend.copyRows(src, -1, dst, 0, 2), "negative row");
        Tensor narrower = poisoned(9, cols + 1);
        assertThrows(IllegalArgumentException.class, () -> backend.copyRows(src, 0, narrower, 0, 1), "column mismatch");
    }

    /** {@code out[B×N] = (relu)(x[B×K] w[N×K]ᵀ + b)} with B = m, N = n, K = k: reluMatmul, or linear without the ReLU. */
    @ParameterizedTest(name = "{0} relu={1} bias={2}")
    @MethodSource("layerCases")
    void layer(ProductShape s, boolean relu, boolean withBias) {
        int batch = s.m(), n = s.n(), k = s.k();
        RandomTensors random = random("layer" + relu + withBias, s);
        float[] x = random.gaussian(batch * k, 0, 1);
        float[] w = random.uniform(n * k, -1 / Math.sqrt(Math.max(k, 1)), 1 / Math.sqrt(Math.max(k, 1)));
        float[] b = withBias ? random.signed(n) : null;
        Tensor xt = tensor(x, batch, k), wt = tensor(w, n, k), bt = withBias ? tensor(b, 1, n) : null;
        Tensor out = poisoned(batch, n);
        if (relu) {
            backend.reluMatmul(xt, wt, bt, out);
        } else {
            backend.linear(xt, wt, bt, out);
        }
        assertClose(relu ? "h" : "y", s, Reference.layer(x, w, b, batch, n, k, relu), read(out), sumTolerance(k + 1));
        assertUnchanged(xt, x, "x");
        assertUnchanged(wt, w, "w");
        assertUnchanged(bt, b, "b");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonEmptyMatrixShapes")
    void mseLoss(MatrixShape s) {
        RandomTensors random = random("mseLoss", s);
        float[] ys = random.gaussian(s.size(), 0, 2);
        float[] yt = random.gaussian(s.size(), 0.5, 1);
        Tensor yst = tensor(ys, s.rows(), s.cols()), ytt = tensor(yt, s.rows(), s.cols());
        Tensor dy = poisoned(s.rows(), s.cols());
        float loss = backend.mseLoss(yst, ytt, dy);
        double ref = Reference.mseLoss(ys, yt);
        double error = Math.abs(loss - ref) / ref;
        assertTrue(error <= sumTolerance(s.size()),
                () -> "loss " + loss + " vs float64 " + ref + " at " + s + ": relative error " + error);
        assertClose("dy", s, Reference.mseGradient(ys, yt), read(dy), ELEMENTWISE_TOLERANCE);
        assertUnchanged(yst, ys, "ys");
        assertUnchanged(ytt, yt, "yt");
    }

    @Test
    void mseLossIsNaNWhenTheStudentDiverged() {
        RandomTensors random = random("mseLossNaN", "");
        for (int at : new int[] {0, 37, 99}) {
            float[] ys = random.gaussian(100, 0, 1);
            ys[at] = Float.NaN;
            Tensor dy = poisoned(4, 25);
            float loss = backend.mseLoss(tensor(ys, 4, 25), tensor(random.gaussian(100, 0, 1), 4, 25), dy);
            assertTrue(Float.isNaN(loss), "a NaN output at " + at + " must give a NaN loss, got " + loss);
        }
    }

    /**
     * Every legal shape (no rows is legal, no classes is not), a workload-like output of 10
     * classes, with ordinary logits and with logits so large that exp overflows float32 unless the
     * softmax is shifted by the row maximum.
     */
    private Stream<Arguments> crossEntropyCases() {
        Stream<MatrixShape> shapes = Stream.concat(matrixShapes().filter(s -> s.rows() == 0 || s.cols() > 0),
                Stream.of(new MatrixShape(BATCH, 10), new MatrixShape(1, 33), new MatrixShape(33, 1)));
        return shapes.flatMap(s -> Stream.of(Arguments.of(s, 3.0), Arguments.of(s, 300.0)));
    }

    @ParameterizedTest(name = "{0} logit scale={1}")
    @MethodSource("crossEntropyCases")
    void crossEntropyLoss(MatrixShape s, double logitScale) {
        RandomTensors random = random("crossEntropy" + logitScale, s);
        float[] logits = random.gaussian(s.size(), 0, logitScale);
        float[] teacher = random.gaussian(s.size(), 0, 1);
        checkCrossEntropy(s, logits, teacher);
    }

    /** Ties in a teacher row go to the first of the tied classes, as {@code argmax} does. */
    @Test
    void crossEntropyTargetsTheFirstOfTiedTeacherClasses() {
        int rows = 3, cols = 5;
        float[] teacher = {
            0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
            -1f, 0.2f, 2f, 0.2f, 2f,
            -3f, -1f, -2f, -1f, -4f};
        float[] logits = random("crossEntropyTies", "").gaussian(rows * cols, 0, 2);
        checkCrossEntropy(new MatrixShape(rows, cols), logits, teacher);
    }

    private void checkCrossEntropy(MatrixShape s, float[] logits, float[] teacher) {
        Tensor zt = tensor(logits, s.rows(), s.cols()), tt = tensor(teacher, s.rows(), s.cols());
        Tensor dLogits = poisoned(s.rows(), s.cols());
        float loss = backend.crossEntropyLoss(zt, tt, dLogits);
        double[][] ref = Reference.crossEntropy(logits, teacher, s.rows(), s.cols());
        double tolerance = sumTolerance(Math.max(s.cols(), 1));
        // One class gives a loss of exactly 0, so the bound is absolute below a loss of 1.
        double lossError = Math.abs(loss - ref[0][0]) / Math.max(ref[0][0], 1);
        assertTrue(lossError <= sumTolerance(Math.max(s.size(), 1)),
                () -> "loss " + loss + " vs float64 " + ref[0][0] + " at " + s + ": error " + lossError);
        // Each element is a difference of probabilities over the rows: its error is measured against
        // 1/rows, not against its own size, since a confident row's tiny probabilities underflow float32.
        float[] out = read(dLogits);
        double bound = tolerance / Math.max(s.rows(), 1);
        for (int i = 0; i < out.length; i++) {
            if (!(Math.abs(out[i] - ref[1][i]) <= bound)) {
                fail("dLogits at " + s + ": element " + i + " is " + out[i] + " vs float64 " + ref[1][i]
                        + " (bound " + bound + "; NaN means the kernel did not write it)");
            }
        }
        assertUnchanged(zt, logits, "logits");
        assertUnchanged(tt, teacher, "teacher output");
    }

    @Test
    void crossEntropyLossIsNaNWhenTheStudentDiverged() {
        RandomTensors random = random("crossEntropyNaN", "");
        for (int at : new int[] {0, 37, 99}) {
            float[] logits = random.gaussian(100, 0, 1);
            logits[at] = Float.NaN;
            float loss = backend.crossEntropyLoss(tensor(logits, 4, 25), tensor(random.gaussian(100, 0, 1), 4, 25),
                    poisoned(4, 25));
            assertTrue(Float.isNaN(loss), "a NaN logit at " + at + " must give a NaN loss, got " + loss);
        }
    }

    /** {@code dx[B×K] = (dz[B×N] w[N×K]) ⊙ (h > 0)} with B = m, K = n, N = k. */
    @ParameterizedTest(name = "{0} gated={1}")
    @MethodSource("productCases")
    void backwardInput(ProductShape s, boolean gated) {
        int batch = s.m(), k = s.n(), n = s.k();
        RandomTensors random = random("backwardInput" + gated, s);
        float[] dz = random.gaussian(batch * n, 0, 1);
        float[] w = random.signed(n * k);
        float[] h = gated ? random.relu(batch * k) : null;
        Tensor dzt = tensor(dz, batch, n), wt = tensor(w, n, k), ht = gated ? tensor(h, batch, k) : null;
        Tensor dx = poisoned(batch, k);
        backend.backwardInput(dzt, wt, ht, dx);
        assertClose("dx", s, Reference.backwardInput(dz, w, h, batch, n, k), read(dx), sumTolerance(n));
        assertUnchanged(dzt, dz, "dz");
        assertUnchanged(wt, w, "w");
        assertUnchanged(ht, h, "h");
    }

    /** {@code dw[N×K] = dz[B×N]ᵀ x[B×K]}, {@code db = Σ_rows dz}, with N = m, K = n, B = k. */
    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("productCases")
    void weightGrad(ProductShape s, boolean withBias) {
        int n = s.m(), k = s.n(), batch = s.k();
        RandomTensors random = random("weightGrad" + withBias, s);
        float[] dz = random.gaussian(batch * n, 0, 1);
        float[] x = withBias ? random.relu(batch * k) : random.signed(batch * k);
        Tensor dzt = tensor(dz, batch, n), xt = tensor(x, batch, k);
        Tensor dw = poisoned(n, k);
        Tensor db = withBias ? poisoned(1, n) : null;
        backend.weightGrad(dzt, xt, dw, db);
        assertClose("dw", s, Reference.weightGrad(dz, x, batch, n, k), read(dw), sumTolerance(batch));
        if (withBias) {
            assertClose("db", s, Reference.columnSums(dz, batch, n), read(db), sumTolerance(batch));
        }
        assertUnchanged(dzt, dz, "dz");
        assertUnchanged(xt, x, "x");
    }

    /** {@code w −= lr dzᵀ x}, {@code b −= lr Σ dz}, with w [N×K], N = m, K = n, B = k. */
    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("productCases")
    void sgdFused(ProductShape s, boolean withBias) {
        int n = s.m(), k = s.n(), batch = s.k();
        RandomTensors random = random("sgdFused" + withBias, s);
        float[] dz = random.gaussian(batch * n, 0, 1);
        float[] x = random.signed(batch * k);
        float[] w = random.signed(n * k);
        float[] b = withBias ? random.signed(n) : null;
        // The step is about as large as the weights, so an error in it is not hidden by w.
        float lr = (float) (1 / Math.sqrt(Math.max(batch, 1)));
        Tensor dzt = tensor(dz, batch, n), xt = tensor(x, batch, k);
        Tensor wt = tensor(w, n, k), bt = withBias ? tensor(b, 1, n) : null;
        backend.sgdFused(dzt, xt, wt, bt, lr);
        assertClose("w", s, Reference.step(w, Reference.weightGrad(dz, x, batch, n, k), lr), read(wt),
                sumTolerance(batch));
        if (withBias) {
            assertClose("b", s, Reference.step(b, Reference.columnSums(dz, batch, n), lr), read(bt),
                    sumTolerance(batch));
        }
        assertUnchanged(dzt, dz, "dz");
        assertUnchanged(xt, x, "x");
    }

    @ParameterizedTest(name = "{0} momentum={1} weightDecay={2}")
    @MethodSource("sgdUpdateCases")
    void sgdUpdate(MatrixShape s, float momentum, float weightDecay) {
        RandomTensors random = random("sgdUpdate" + momentum + weightDecay, s);
        float[] p = random.signed(s.size());
        float[] grad = random.gaussian(s.size(), 0, 1);
        float[] velocity = random.gaussian(s.size(), 0, 1);
        float lr = 0.05f;
        Tensor pt = tensor(p, s.rows(), s.cols()), gt = tensor(grad, s.rows(), s.cols());
        Tensor vt = tensor(velocity, s.rows(), s.cols());
        backend.sgdUpdate(pt, gt, vt, lr, momentum, weightDecay);
        double[][] ref = Reference.sgdUpdate(p, grad, velocity, lr, momentum, weightDecay);
        assertClose("p", s, ref[0], read(pt), ELEMENTWISE_TOLERANCE);
        assertClose("velocity", s, ref[1], read(vt), ELEMENTWISE_TOLERANCE);
        assertUnchanged(gt, grad, "grad");
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("matrixCases")
    void normalizeRows(MatrixShape s, boolean withBias) {
        RandomTensors random = random("normalizeRows" + withBias, s);
        float[] w = random.signed(s.size());
        float[] b = withBias ? random.signed(s.rows()) : null;
        Tensor wt = tensor(w, s.rows(), s.cols()), bt = withBias ? tensor(b, 1, s.rows()) : null;
        backend.normalizeRows(wt, bt);
        double[][] ref = Reference.normalizeRows(w, b, s.rows(), s.cols());
        assertClose("w", s, ref[0], read(wt), ELEMENTWISE_TOLERANCE);
        if (withBias) {
            assertClose("b", s, ref[1], read(bt), ELEMENTWISE_TOLERANCE);
        }
    }

    /**
     * Teacher {@code t[k × m]} and student {@code s[k × n]} activations over k samples: post-ReLU,
     * some student columns a scaled noisy copy of a teacher column (correlation near 1), and a dead
     * node (a zero column, correlation 0 by the 1e-10 guard) on each side.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("productShapes")
    void correlation(ProductShape shape) {
        int kt = shape.m(), ks = shape.n(), samples = shape.k();
        RandomTensors random = random("correlation", shape);
        float[] t = random.relu(samples * kt);
        float[] s = random.relu(samples * ks);
        float[] noise = random.gaussian(samples, 0, 0.05);
        for (int q = 0; q < ks; q += 2) {
            int a = (q / 2) % Math.max(kt, 1);
            for (int i = 0; i < samples && kt > 0; i++) {
                s[i * ks + q] = 2 * t[i * kt + a] + noise[i];
            }
        }
        if (kt >= 2 && ks >= 2) {
            for (int i = 0; i < samples; i++) {
                t[i * kt + kt - 1] = 0f;
                s[i * ks + ks - 1] = 0f;
            }
        }
        Tensor tt = tensor(t, samples, kt), st = tensor(s, samples, ks);
        Tensor c = poisoned(kt, ks);
        backend.correlation(tt, st, c);
        assertClose("c", shape, Reference.correlation(t, s, samples, kt, ks), read(c), sumTolerance(samples));
        assertUnchanged(tt, t, "t");
        assertUnchanged(st, s, "s");
    }

    /**
     * {@code c[m×n] = alpha op(a) op(b) + beta c}, with {@code beta = 0} over a NaN-poisoned
     * {@code c} (it must be overwritten, not scaled: 0 · NaN is NaN) and {@code beta ≠ 0} over a
     * random one.
     */
    @ParameterizedTest(name = "{0} transposeA={1} transposeB={2}")
    @MethodSource("matmulCases")
    void matmul(ProductShape s, boolean transposeA, boolean transposeB) {
        int m = s.m(), n = s.n(), k = s.k();
        int rowsA = transposeA ? k : m, colsA = transposeA ? m : k;
        int rowsB = transposeB ? n : k, colsB = transposeB ? k : n;
        RandomTensors random = random("matmul" + transposeA + transposeB, s);
        float[] a = random.signed(m * k);
        float[] b = random.gaussian(k * n, 0, 1);
        Tensor at = tensor(a, rowsA, colsA), bt = tensor(b, rowsB, colsB);
        float[][] alphaBeta = {{1f, 0f}, {-0.75f, 0f}, {0.5f, 1.25f}, {1f, 1f}};
        for (float[] ab : alphaBeta) {
            float alpha = ab[0], beta = ab[1];
            float[] c0 = beta == 0f ? RandomTensors.nan(m * n) : random.signed(m * n);
            Tensor c = tensor(c0, m, n);
            backend.matmul(at, transposeA, bt, transposeB, c, alpha, beta);
            assertClose("c (alpha=" + alpha + ", beta=" + beta + ")", s,
                    Reference.matmul(a, rowsA, colsA, transposeA, b, rowsB, colsB, transposeB, c0, alpha, beta),
                    read(c), sumTolerance(k + 1));
        }
        assertUnchanged(at, a, "a");
        assertUnchanged(bt, b, "b");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrixShapes")
    void hadamard(MatrixShape s) {
        elementwise("hadamard", s, backend::hadamard, Reference::hadamard);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrixShapes")
    void average(MatrixShape s) {
        elementwise("average", s, backend::average, Reference::average);
    }

    /** An element-wise kernel {@code c = f(a, b)} of that name: into a third tensor, then in place over a and over b. */
    private void elementwise(String name, MatrixShape s, ElementwiseKernel kernel,
                             BiFunction<float[], float[], double[]> reference) {
        RandomTensors random = random(name, s);
        float[] a = random.signed(s.size());
        float[] b = random.gaussian(s.size(), 0, 2);
        double[] ref = reference.apply(a, b);
        Tensor at = tensor(a, s.rows(), s.cols()), bt = tensor(b, s.rows(), s.cols());
        Tensor c = poisoned(s.rows(), s.cols());
        kernel.apply(at, bt, c);
        assertClose("c", s, ref, read(c), ELEMENTWISE_TOLERANCE);
        assertUnchanged(at, a, "a");
        assertUnchanged(bt, b, "b");

        kernel.apply(at, bt, at);
        assertClose("c = a, in place", s, ref, read(at), ELEMENTWISE_TOLERANCE);
        Tensor a2 = tensor(a, s.rows(), s.cols());
        kernel.apply(a2, bt, bt);
        assertClose("c = b, in place", s, ref, read(bt), ELEMENTWISE_TOLERANCE);
    }

    private interface ElementwiseKernel {
        void apply(Tensor a, Tensor b, Tensor c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrixShapes")
    void gate(MatrixShape s) {
        float[] z = random("gate", s).gaussian(s.size(), 0, 1);
        if (z.length >= 3) {
            z[0] = 0f;
            z[z.length / 2] = -0f;
            z[z.length - 1] = Float.MIN_VALUE;
        }
        Tensor zt = tensor(z, s.rows(), s.cols());
        Tensor g = poisoned(s.rows(), s.cols());
        backend.gate(zt, g);
        double[] ref = Reference.gate(z);
        float[] expected = new float[ref.length];
        for (int i = 0; i < ref.length; i++) {
            expected[i] = (float) ref[i];
        }
        assertArrayEquals(expected, read(g), "g = (z > 0) at " + s);
        assertUnchanged(zt, z, "z");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrixShapes")
    void normalizeColumns(MatrixShape s) {
        float[] w = random("normalizeColumns", s).signed(s.size());
        if (s.cols() >= 2) {
            for (int i = 0; i < s.rows(); i++) {
                w[i * s.cols() + 1] = 0f;
            }
        }
        Tensor wt = tensor(w, s.rows(), s.cols());
        backend.normalizeColumns(wt);
        assertClose("w", s, Reference.normalizeColumns(w, s.rows(), s.cols()), read(wt), ELEMENTWISE_TOLERANCE);
    }

    @Test
    void shapeMismatchesThrow() {
        RandomTensors random = random("mismatch", "");
        Tensor x = tensor(random.signed(4 * 5), 4, 5);
        Tensor w = tensor(random.signed(3 * 6), 3, 6);
        Tensor w35 = tensor(random.signed(3 * 5), 3, 5);
        Tensor b3 = tensor(random.signed(3), 1, 3);
        Tensor b4 = tensor(random.signed(4), 1, 4);
        Tensor out43 = poisoned(4, 3);
        Tensor out44 = poisoned(4, 4);
        Tensor out45 = poisoned(4, 5);
        Tensor out35 = poisoned(3, 5);

        assertThrows(IllegalArgumentException.class, () -> backend.reluMatmul(x, w, b3, out43), "x and w fan-in");
        assertThrows(IllegalArgumentException.class, () -> backend.linear(x, w35, b4, out43), "bias length");
        assertThrows(IllegalArgumentException.class, () -> backend.linear(x, w35, b3, out44), "output shape");
        assertThrows(IllegalArgumentException.class, () -> backend.mseLoss(out43, out44, out43), "ys vs yt");
        assertThrows(IllegalArgumentException.class,
                () -> backend.crossEntropyLoss(out43, out44, out43), "logits vs teacher output");
        assertThrows(IllegalArgumentException.class,
                () -> backend.crossEntropyLoss(out43, out43, out44), "logits vs dLogits");
        Tensor noClasses = poisoned(4, 0);
        assertThrows(IllegalArgumentException.class,
                () -> backend.crossEntropyLoss(noClasses, noClasses, noClasses), "no classes");
        assertThrows(IllegalArgumentException.class, () -> backend.backwardInput(out44, w35, null, out45), "dz vs w");
        assertThrows(IllegalArgumentException.class, () -> backend.backwardInput(out43, w35, out44, out45), "gate");
        assertThrows(IllegalArgumentException.class, () -> backend.weightGrad(out43, x, out45, null), "dw shape");
        assertThrows(IllegalArgumentException.class, () -> backend.weightGrad(out43, x, out35, b4), "db length");
        assertThrows(IllegalArgumentException.class, () -> backend.sgdFused(out43, out35, w35, b3, 0.1f), "batch");
        assertThrows(IllegalArgumentException.class,
                () -> backend.sgdUpdate(out43, out44, out43, 0.1f, 0f, 0f), "grad shape");
        assertThrows(IllegalArgumentException.class, () -> backend.normalizeRows(w35, b4), "bias length");
        assertThrows(IllegalArgumentException.class, () -> backend.correlation(x, out35, out35), "sample counts");
        assertThrows(IllegalArgumentException.class,
                () -> backend.matmul(x, false, w, true, out43, 1f, 0f), "inner dimension");
        assertThrows(IllegalArgumentException.class,
                () -> backend.matmul(x, false, w35, true, out44, 1f, 0f), "c shape");
        assertThrows(IllegalArgumentException.class, () -> backend.hadamard(out43, out44, out43), "hadamard");
        assertThrows(IllegalArgumentException.class, () -> backend.gate(out43, out44), "gate");
        assertThrows(IllegalArgumentException.class, () -> backend.average(out43, out44, out43), "average");
        assertThrows(IllegalArgumentException.class, () -> backend.average(out43, out43, out44), "average output");
        assertThrows(IllegalArgumentException.class, () -> backend.half(2), "half 2");
        assertThrows(IllegalArgumentException.class, () -> backend.half(0).hadamard(out43, out44, out43),
                "a half checks shapes as its backend does");
    }

    /** A generator seeded by the test and its shape, so every case has its own reproducible data. */
    protected static RandomTensors random(String test, Object shape) {
        return new RandomTensors((long) test.hashCode() << 32 ^ String.valueOf(shape).hashCode());
    }

    /** A tensor of this backend holding {@code data}; closed after the test. */
    protected Tensor tensor(float[] data, int rows, int cols) {
        Tensor t = track(backend.allocate(rows, cols));
        backend.upload(data, t);
        return t;
    }

    /** An output tensor filled with NaN, so an element the kernel does not write fails the comparison. */
    protected Tensor poisoned(int rows, int cols) {
        return tensor(RandomTensors.nan(rows * cols), rows, cols);
    }

    protected Tensor track(Tensor t) {
        tensors.add(t);
        return t;
    }

    protected float[] read(Tensor t) {
        float[] out = new float[t.size()];
        backend.download(t, out);
        return out;
    }

    /** An input read back as it was given; an absent (null) optional input has nothing to check. */
    protected void assertUnchanged(Tensor t, float[] before, String name) {
        if (t != null) {
            assertArrayEquals(before, read(t), () -> name + " is an input and must not change");
        }
    }

    /**
     * {@code ||out − ref|| / ||ref|| ≤ tolerance} (absolute {@code ||out||} when ref is all zeros),
     * and every element within {@code tolerance · max|ref|} of its reference.
     */
    protected static void assertClose(String what, Object shape, double[] ref, float[] out, double tolerance) {
        assertEquals(ref.length, out.length, () -> what + ": output size at " + shape);
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                fail(what + " at " + shape + ": element " + i + " is " + out[i] + " (expected " + ref[i]
                        + "); NaN means the kernel did not write it");
            }
        }
        double error = Reference.relativeError(out, ref);
        double scale = 0;
        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < ref.length; i++) {
            scale = Math.max(scale, Math.abs(ref[i]));
            double e = Math.abs(out[i] - ref[i]);
            if (e > worstError) {
                worstError = e;
                worst = i;
            }
        }
        double bound = tolerance * Math.max(scale, Double.MIN_NORMAL);
        if (!(error <= tolerance) || worstError > bound) {
            fail(String.format("%s at %s: relative error %.3g (tolerance %.1g); worst element %d: %s vs float64 %s",
                    what, shape, error, tolerance, worst, worst < 0 ? "-" : out[worst], worst < 0 ? "-" : ref[worst]));
        }
    }

    /**
     * For outputs that are sums which may cancel (a 1 × 1 map is a single sum of nine products of
     * both signs, and may come out near 0): float32 summation errs in proportion to the sum of the
     * terms' magnitudes, not to the result, so the error is measured against {@code absoluteSums},
     * the same sums over |terms|. {@code ||out − ref|| ≤ tolerance · ||absoluteSums||}, and every
     * element within {@code tolerance · max absoluteSums} of its reference.
     */
    protected static void assertCloseToSums(String what, Object shape, double[] ref, double[] absoluteSums, float[] out,
                                            double tolerance) {
        assertEquals(ref.length, out.length, () -> what + ": output size at " + shape);
        double diff = 0, norm = 0, scale = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                fail(what + " at " + shape + ": element " + i + " is " + out[i] + " (expected " + ref[i]
                        + "); NaN means the kernel did not write it");
            }
            diff += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += absoluteSums[i] * absoluteSums[i];
            scale = Math.max(scale, absoluteSums[i]);
        }
        double error = Math.sqrt(diff / Math.max(norm, Double.MIN_NORMAL));
        assertTrue(error <= tolerance, () -> String.format("%s at %s: error %.3g of the sums' magnitude (tolerance %.1g)",
                what, shape, error, tolerance));
        for (int i = 0; i < out.length; i++) {
            if (Math.abs(out[i] - ref[i]) > tolerance * scale) {
                fail(what + " at " + shape + ": element " + i + " is " + out[i] + " vs float64 " + ref[i]
                        + " (bound " + tolerance * scale + ")");
            }
        }
    }

    private static float[] absolute(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.abs(x[i]);
        }
        return out;
    }

    /** BatchNorm1d's defaults (PyTorch's): eps and the running statistics' momentum. */
    private static final float BN_EPS = 1e-5f, BN_MOMENTUM = 0.1f;

    private Stream<Arguments> batchNormCases() {
        return matrixShapes().flatMap(s -> Stream.of(
                Arguments.of(s, false, false), Arguments.of(s, true, false),
                Arguments.of(s, false, true), Arguments.of(s, true, true)));
    }

    /**
     * With two samples or fewer x̂ is ±1 whatever x is (up to eps), so the input gradient is mostly
     * cancellation and its relative error is no measure; {@link #batchNormBackwardOfTinyBatches}
     * checks those against an absolute bound.
     */
    private Stream<Arguments> batchNormBackwardCases() {
        return nonEmptyMatrixShapes().filter(s -> s.rows() >= 3).flatMap(s -> Stream.of(
                Arguments.of(s, false, false), Arguments.of(s, true, false),
                Arguments.of(s, false, true), Arguments.of(s, true, true)));
    }

    /** Columns with a mean away from 0, as post-ReLU activations have, so a variance that cancels shows. */
    private static float[] batchNormInput(RandomTensors random, MatrixShape s) {
        return random.gaussian(s.size(), 1.5, 2);
    }

    /**
     * BatchNorm1d in training mode over {@code x[B×N]}: the output (with and without γ/β, with and
     * without the ReLU after it), the batch mean and inverse std kept for the backward, and the
     * running statistics moved with the unbiased variance.
     */
    @ParameterizedTest(name = "{0} affine={1} relu={2}")
    @MethodSource("batchNormCases")
    void batchNormTrain(MatrixShape s, boolean affine, boolean relu) {
        int batch = s.rows(), n = s.cols();
        RandomTensors random = random("batchNormTrain" + affine + relu, s);
        float[] x = batchNormInput(random, s);
        float[] gamma = affine ? random.uniform(n, 0.5, 1.5) : null;
        float[] beta = affine ? random.signed(n) : null;
        float[] runningMean = random.signed(n), runningVar = random.uniform(n, 0.5, 2);
        Tensor xt = tensor(x, batch, n);
        Tensor gt = affine ? tensor(gamma, 1, n) : null, bt = affine ? tensor(beta, 1, n) : null;
        Tensor rmt = tensor(runningMean, 1, n), rvt = tensor(runningVar, 1, n);
        Tensor y = poisoned(batch, n), mean = poisoned(1, n), invStd = poisoned(1, n);
        backend.batchNormTrain(xt, gt, bt, rmt, rvt, BN_MOMENTUM, BN_EPS, relu, y, mean, invStd);
        double[][] ref = Reference.batchNormTrain(x, gamma, beta, runningMean, runningVar, BN_MOMENTUM, BN_EPS, relu,
                batch, n);
        double tolerance = sumTolerance(batch);
        assertClose("y", s, ref[0], read(y), tolerance);
        assertClose("batch mean", s, ref[1], read(mean), tolerance);
        assertClose("batch 1/std", s, ref[2], read(invStd), tolerance);
        assertClose("running mean", s, ref[3], read(rmt), tolerance);
        assertClose("running var", s, ref[4], read(rvt), tolerance);
        assertUnchanged(xt, x, "x");
        assertUnchanged(gt, gamma, "gamma");
        assertUnchanged(bt, beta, "beta");
    }

    @ParameterizedTest(name = "{0} affine={1} relu={2}")
    @MethodSource("batchNormCases")
    void batchNormEval(MatrixShape s, boolean affine, boolean relu) {
        int batch = s.rows(), n = s.cols();
        RandomTensors random = random("batchNormEval" + affine + relu, s);
        float[] x = batchNormInput(random, s);
        float[] gamma = affine ? random.uniform(n, 0.5, 1.5) : null;
        float[] beta = affine ? random.signed(n) : null;
        float[] runningMean = random.gaussian(n, 1.5, 1), runningVar = random.uniform(n, 0.5, 5);
        Tensor xt = tensor(x, batch, n);
        Tensor gt = affine ? tensor(gamma, 1, n) : null, bt = affine ? tensor(beta, 1, n) : null;
        Tensor rmt = tensor(runningMean, 1, n), rvt = tensor(runningVar, 1, n);
        Tensor y = poisoned(batch, n);
        backend.batchNormEval(xt, gt, bt, rmt, rvt, BN_EPS, relu, y);
        assertClose("y", s, Reference.batchNormEval(x, gamma, beta, runningMean, runningVar, BN_EPS, relu, batch, n),
                read(y), sumTolerance(1));
        assertUnchanged(xt, x, "x");
        assertUnchanged(rmt, runningMean, "running mean");
        assertUnchanged(rvt, runningVar, "running var");
    }

    /**
     * The backward against the chain rule through the batch mean and variance, in float64, from
     * the forward's statistics of {@code x}: {@code dx} (gated by a ReLU's output when asked),
     * {@code dγ} and {@code dβ} (absent without the affine parameters).
     */
    @ParameterizedTest(name = "{0} affine={1} gated={2}")
    @MethodSource("batchNormBackwardCases")
    void batchNormBackward(MatrixShape s, boolean affine, boolean gated) {
        int batch = s.rows(), n = s.cols();
        RandomTensors random = random("batchNormBackward" + affine + gated, s);
        float[] x = batchNormInput(random, s);
        float[] dy = random.gaussian(s.size(), 0, 1);
        float[] gamma = affine ? random.uniform(n, 0.5, 1.5) : null;
        float[] gate = gated ? random.relu(s.size()) : null;
        double[][] stats = Reference.batchNormTrain(x, null, null, new float[n], new float[n], 1, BN_EPS, false, batch, n);
        float[] mean = narrow(stats[1]), invStd = narrow(stats[2]);
        Tensor dyt = tensor(dy, batch, n), xt = tensor(x, batch, n), gt = affine ? tensor(gamma, 1, n) : null;
        Tensor meant = tensor(mean, 1, n), invStdt = tensor(invStd, 1, n), gatet = gated ? tensor(gate, batch, n) : null;
        Tensor dx = poisoned(batch, n);
        Tensor dGamma = affine ? poisoned(1, n) : null, dBeta = affine ? poisoned(1, n) : null;
        backend.batchNormBackward(dyt, xt, gt, meant, invStdt, gatet, dx, dGamma, dBeta);
        double[][] ref = Reference.batchNormBackward(dy, x, gamma, mean, invStd, gate, batch, n);
        double tolerance = sumTolerance(batch);
        assertClose("dx", s, ref[0], read(dx), tolerance);
        if (affine) {
            assertClose("dgamma", s, ref[1], read(dGamma), tolerance);
            assertClose("dbeta", s, ref[2], read(dBeta), tolerance);
        }
        assertUnchanged(dyt, dy, "dy");
        assertUnchanged(xt, x, "x");
    }

    @ParameterizedTest(name = "batch={0}")
    @ValueSource(ints = {1, 2})
    void batchNormBackwardOfTinyBatches(int batch) {
        int n = 17;
        RandomTensors random = random("batchNormBackwardTiny", batch);
        float[] x = random.gaussian(batch * n, 1.5, 2), dy = random.gaussian(batch * n, 0, 1);
        // Some columns with nearly equal samples, where eps keeps a gradient that float32 resolves.
        for (int j = 0; j < n && batch == 2; j += 3) {
            x[n + j] = x[j] + 0.003f * (j + 1);
        }
        double[][] stats = Reference.batchNormTrain(x, null, null, new float[n], new float[n], 1, BN_EPS, false, batch, n);
        float[] mean = narrow(stats[1]), invStd = narrow(stats[2]);
        Tensor dx = poisoned(batch, n);
        backend.batchNormBackward(tensor(dy, batch, n), tensor(x, batch, n), null, tensor(mean, 1, n),
                tensor(invStd, 1, n), null, dx, null, null);
        double[] ref = Reference.batchNormBackward(dy, x, null, mean, invStd, null, batch, n)[0];
        float[] out = read(dx);
        for (int i = 0; i < out.length; i++) {
            double bound = 1e-5 * invStd[i % n] * 4;
            int at = i;
            assertTrue(Math.abs(out[i] - ref[i]) <= bound,
                    () -> "dx[" + at + "] = " + out[at] + " vs float64 " + ref[at] + " for a batch of " + batch);
        }
    }

    @Test
    void batchNormShapeMismatchesThrow() {
        RandomTensors random = random("batchNormMismatch", "");
        Tensor x = tensor(random.signed(4 * 5), 4, 5), y = poisoned(4, 5), y45 = poisoned(5, 4);
        Tensor v5 = tensor(random.uniform(5, 0.5, 1), 1, 5), v4 = tensor(random.uniform(4, 0.5, 1), 1, 4);
        Tensor m5 = poisoned(1, 5), s5 = poisoned(1, 5);
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormTrain(x, v4, null, v5, v5, BN_MOMENTUM, BN_EPS, false, y, m5, s5), "gamma length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormTrain(x, null, null, v5, v4, BN_MOMENTUM, BN_EPS, false, y, m5, s5), "running var");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormTrain(x, null, null, v5, v5, BN_MOMENTUM, BN_EPS, false, y45, m5, s5), "y shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormEval(x, null, v4, v5, v5, BN_EPS, true, y), "beta length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormBackward(y, x, null, v5, v5, y45, y, null, null), "gate shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormBackward(y, x, null, v5, v5, null, y, v4, null), "dgamma length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNormBackward(y45, x, null, v5, v5, null, y, null, null), "dy shape");
    }

    /**
     * One 3 × 3 convolution: {@code batch} images of {@code channels × height × width} through
     * {@code filters} filters, to maps of {@code (height − 2) × (width − 2)}.
     */
    public record ConvShape(int batch, int channels, int height, int width, int filters) {
        int inputCols() {
            return channels * height * width;
        }

        int positions() {
            return (height - 2) * (width - 2);
        }

        int outputCols() {
            return filters * positions();
        }

        @Override
        public String toString() {
            return batch + "x" + channels + "x" + height + "x" + width + "->" + filters;
        }
    }

    /**
     * One channel, a 3 × 3 input (a 1 × 1 output), maps of width 3 (one output column), channel and
     * filter counts that are not multiples of a vector (1, 3, 7, 9, 17) and some that are, non-square
     * maps, a batch of one and an empty batch; the layers of the gaussian conv nets (teacher 1 → 10 → 15
     * on 16 × 16 at batch 64; the student's 1 → 50 → 75 → 100 → 125 at batch 2, its products large enough
     * for a threaded backend to split) and an MNIST-sized first layer; a few random shapes.
     */
    protected Stream<ConvShape> convShapes() {
        RandomTensors random = new RandomTensors(0x5EED_1905_13407L);
        Stream<ConvShape> fixed = Stream.of(
                new ConvShape(1, 1, 3, 3, 1), new ConvShape(2, 1, 3, 3, 5), new ConvShape(1, 3, 3, 8, 7),
                new ConvShape(3, 7, 5, 4, 9), new ConvShape(2, 9, 6, 6, 17), new ConvShape(2, 17, 4, 7, 3),
                new ConvShape(1, 8, 18, 3, 8), new ConvShape(5, 16, 5, 5, 16), new ConvShape(1, 1, 16, 16, 10),
                new ConvShape(BATCH, 1, 16, 16, 10), new ConvShape(BATCH, 10, 14, 14, 15),
                new ConvShape(2, 1, 16, 16, 50), new ConvShape(2, 50, 14, 14, 75), new ConvShape(2, 75, 12, 12, 100),
                new ConvShape(2, 100, 10, 10, 125), new ConvShape(2, 1, 28, 28, 50),
                // From 32 channels and maps of 5 × 5 the SIMD backend goes through Winograd's 4 × 4 tiles:
                // one whole tile, one with 7 of its 16 outputs dropped, sides that are not whole tiles
                // (3 × 9, 7 × 4 outputs), and a batch of two groups of images, the second part-filled;
                // a 3 × 3 map of 32 channels stays on the patch matrix.
                new ConvShape(1, 32, 6, 6, 3), new ConvShape(3, 32, 5, 5, 5), new ConvShape(2, 33, 5, 11, 7),
                new ConvShape(2, 40, 9, 6, 17), new ConvShape(37, 32, 14, 14, 9), new ConvShape(3, 32, 3, 3, 5));
        Stream<ConvShape> randomShapes = IntStream.range(0, 4).mapToObj(i -> new ConvShape(random.nextInt(1, 5),
                random.nextInt(1, 21), random.nextInt(3, 15), random.nextInt(3, 15), random.nextInt(1, 21)));
        return Stream.of(fixed, randomShapes, Stream.of(new ConvShape(0, 3, 5, 5, 4), new ConvShape(0, 32, 5, 5, 4))).flatMap(s -> s);
    }

    private Stream<Arguments> convCases() {
        return convShapes().flatMap(s -> Stream.of(Arguments.of(s, true), Arguments.of(s, false)));
    }

    private Stream<Arguments> convLayerCases() {
        return convCases().flatMap(c -> Stream.of(true, false).map(relu -> Arguments.of(c.get()[0], relu, c.get()[1])));
    }

    /** Filters drawn as PyTorch's default initialisation draws them: U(±1/√fan-in). */
    private static float[] convWeights(RandomTensors random, ConvShape s) {
        double bound = 1 / Math.sqrt(s.channels() * 9);
        return random.uniform(s.filters() * s.channels() * 9, -bound, bound);
    }

    @ParameterizedTest(name = "{0} relu={1} bias={2}")
    @MethodSource("convLayerCases")
    void conv3x3(ConvShape s, boolean relu, boolean withBias) {
        RandomTensors random = random("conv3x3" + relu + withBias, s);
        float[] x = random.gaussian(s.batch() * s.inputCols(), 0, 1);
        float[] w = convWeights(random, s);
        float[] b = withBias ? random.signed(s.filters()) : null;
        Tensor xt = tensor(x, s.batch(), s.inputCols()), wt = tensor(w, s.filters(), s.channels() * 9);
        Tensor bt = withBias ? tensor(b, 1, s.filters()) : null;
        Tensor y = poisoned(s.batch(), s.outputCols());
        backend.conv3x3(xt, s.height(), s.width(), wt, bt, relu, y);
        double[] ref = Reference.conv3x3(x, w, b, s.batch(), s.channels(), s.height(), s.width(), s.filters(), relu);
        double[] absoluteSums = Reference.conv3x3(absolute(x), absolute(w), withBias ? absolute(b) : null, s.batch(),
                s.channels(), s.height(), s.width(), s.filters(), false);
        assertCloseToSums("y", s, ref, absoluteSums, read(y), sumTolerance(s.channels() * 9 + 1));
        assertUnchanged(xt, x, "x");
        assertUnchanged(wt, w, "w");
        assertUnchanged(bt, b, "b");
    }

    /** {@code dx} from {@code dy} through the filters, gated by a post-ReLU input when asked. */
    @ParameterizedTest(name = "{0} gated={1}")
    @MethodSource("convCases")
    void conv3x3BackwardInput(ConvShape s, boolean gated) {
        RandomTensors random = random("conv3x3BackwardInput" + gated, s);
        float[] dy = random.gaussian(s.batch() * s.outputCols(), 0, 1);
        float[] w = convWeights(random, s);
        float[] gate = gated ? random.relu(s.batch() * s.inputCols()) : null;
        Tensor dyt = tensor(dy, s.batch(), s.outputCols()), wt = tensor(w, s.filters(), s.channels() * 9);
        Tensor gatet = gated ? tensor(gate, s.batch(), s.inputCols()) : null;
        Tensor dx = poisoned(s.batch(), s.inputCols());
        backend.conv3x3BackwardInput(dyt, wt, s.height(), s.width(), gatet, dx);
        assertClose("dx", s, Reference.conv3x3BackwardInput(dy, w, gate, s.batch(), s.channels(), s.height(), s.width(),
                s.filters()), read(dx), sumTolerance(s.filters() * 9));
        assertUnchanged(dyt, dy, "dy");
        assertUnchanged(wt, w, "w");
        assertUnchanged(gatet, gate, "gate");
    }

    /** {@code dw} and {@code db} summed over the batch and every output position; an empty batch gives zeros. */
    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("convCases")
    void conv3x3WeightGrad(ConvShape s, boolean withBias) {
        RandomTensors random = random("conv3x3WeightGrad" + withBias, s);
        float[] dy = random.gaussian(s.batch() * s.outputCols(), 0, 1);
        float[] x = withBias ? random.relu(s.batch() * s.inputCols()) : random.signed(s.batch() * s.inputCols());
        Tensor dyt = tensor(dy, s.batch(), s.outputCols()), xt = tensor(x, s.batch(), s.inputCols());
        Tensor dw = poisoned(s.filters(), s.channels() * 9), db = withBias ? poisoned(1, s.filters()) : null;
        backend.conv3x3WeightGrad(dyt, xt, s.height(), s.width(), dw, db);
        double tolerance = sumTolerance(Math.max(1, s.batch() * s.positions()));
        assertClose("dw", s, Reference.conv3x3WeightGrad(dy, x, s.batch(), s.channels(), s.height(), s.width(),
                s.filters()), read(dw), tolerance);
        if (withBias) {
            assertClose("db", s, Reference.channelSums(dy, s.batch(), s.filters(), s.positions()), read(db), tolerance);
        }
        assertUnchanged(dyt, dy, "dy");
        assertUnchanged(xt, x, "x");
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("convCases")
    void conv3x3SgdFused(ConvShape s, boolean withBias) {
        RandomTensors random = random("conv3x3SgdFused" + withBias, s);
        float[] dy = random.gaussian(s.batch() * s.outputCols(), 0, 1);
        float[] x = random.signed(s.batch() * s.inputCols());
        float[] w = random.signed(s.filters() * s.channels() * 9);
        float[] b = withBias ? random.signed(s.filters()) : null;
        int terms = Math.max(1, s.batch() * s.positions());
        // The step is about as large as the weights, so an error in it is not hidden by w.
        float lr = (float) (1 / Math.sqrt(terms));
        Tensor dyt = tensor(dy, s.batch(), s.outputCols()), xt = tensor(x, s.batch(), s.inputCols());
        Tensor wt = tensor(w, s.filters(), s.channels() * 9), bt = withBias ? tensor(b, 1, s.filters()) : null;
        backend.conv3x3SgdFused(dyt, xt, s.height(), s.width(), wt, bt, lr);
        assertClose("w", s, Reference.step(w, Reference.conv3x3WeightGrad(dy, x, s.batch(), s.channels(), s.height(),
                s.width(), s.filters()), lr), read(wt), sumTolerance(terms));
        if (withBias) {
            assertClose("b", s, Reference.step(b, Reference.channelSums(dy, s.batch(), s.filters(), s.positions()), lr),
                    read(bt), sumTolerance(terms));
        }
        assertUnchanged(dyt, dy, "dy");
        assertUnchanged(xt, x, "x");
    }

    /** A batch of feature maps {@code x[batch × channels·positions]} for BatchNorm2d. */
    public record MapShape(int batch, int channels, int positions) {
        int cols() {
            return channels * positions;
        }

        int size() {
            return batch * cols();
        }

        @Override
        public String toString() {
            return batch + "x" + channels + "x" + positions;
        }
    }

    /**
     * Single values and single channels, maps of 1, 4, 6, 7, 9 and 25 positions (less than, and not
     * a multiple of, a vector), channel counts 1, 3, 7, 9, 17; the conv nets' maps (10 channels of
     * 14 × 14 and 125 of 8 × 8 at batch 64); an empty batch and an empty map.
     */
    protected Stream<MapShape> mapShapes() {
        RandomTensors random = new RandomTensors(0x5EED_1905_13408L);
        Stream<MapShape> fixed = Stream.of(
                new MapShape(1, 1, 1), new MapShape(1, 1, 9), new MapShape(1, 3, 4), new MapShape(2, 7, 9),
                new MapShape(3, 9, 25), new MapShape(4, 17, 6), new MapShape(5, 16, 7), new MapShape(7, 3, 1),
                new MapShape(1, 5, 196), new MapShape(BATCH, 10, 196), new MapShape(BATCH, 125, 64));
        Stream<MapShape> randomShapes = IntStream.range(0, 3).mapToObj(i ->
                new MapShape(random.nextInt(1, 9), random.nextInt(1, 20), random.nextInt(1, 70)));
        return Stream.of(fixed, randomShapes, Stream.of(new MapShape(0, 3, 4), new MapShape(3, 4, 0)))
                .flatMap(s -> s);
    }

    private Stream<Arguments> batchNorm2dCases() {
        return mapShapes().flatMap(s -> Stream.of(
                Arguments.of(s, false, false), Arguments.of(s, true, false),
                Arguments.of(s, false, true), Arguments.of(s, true, true)));
    }

    /**
     * As {@link #batchNormBackwardCases}, at least 3 values per channel; γ given or not, the ReLU
     * gate or not, and the parameter gradients asked for or not, in every combination.
     */
    private Stream<Arguments> batchNorm2dBackwardCases() {
        return mapShapes().filter(s -> s.batch() * s.positions() >= 3).flatMap(s -> Stream.of(
                Arguments.of(s, false, false, false), Arguments.of(s, false, false, true),
                Arguments.of(s, false, true, false), Arguments.of(s, false, true, true),
                Arguments.of(s, true, false, false), Arguments.of(s, true, false, true),
                Arguments.of(s, true, true, false), Arguments.of(s, true, true, true)));
    }

    /**
     * BatchNorm2d in training mode: per channel over the batch and the map's positions; with no
     * values at all (an empty batch or map) the running statistics stay as they were.
     */
    @ParameterizedTest(name = "{0} affine={1} relu={2}")
    @MethodSource("batchNorm2dCases")
    void batchNorm2dTrain(MapShape s, boolean affine, boolean relu) {
        int c = s.channels();
        RandomTensors random = random("batchNorm2dTrain" + affine + relu, s);
        float[] x = random.gaussian(s.size(), 1.5, 2);
        float[] gamma = affine ? random.uniform(c, 0.5, 1.5) : null;
        float[] beta = affine ? random.signed(c) : null;
        float[] runningMean = random.signed(c), runningVar = random.uniform(c, 0.5, 2);
        Tensor xt = tensor(x, s.batch(), s.cols());
        Tensor gt = affine ? tensor(gamma, 1, c) : null, bt = affine ? tensor(beta, 1, c) : null;
        Tensor rmt = tensor(runningMean, 1, c), rvt = tensor(runningVar, 1, c);
        Tensor y = poisoned(s.batch(), s.cols()), mean = poisoned(1, c), invStd = poisoned(1, c);
        backend.batchNorm2dTrain(xt, c, gt, bt, rmt, rvt, BN_MOMENTUM, BN_EPS, relu, y, mean, invStd);
        double[][] ref = Reference.batchNorm2dTrain(x, gamma, beta, runningMean, runningVar, BN_MOMENTUM, BN_EPS, relu,
                s.batch(), c, s.positions());
        double tolerance = sumTolerance(s.batch() * s.positions());
        assertClose("y", s, ref[0], read(y), tolerance);
        assertClose("batch mean", s, ref[1], read(mean), tolerance);
        assertClose("batch 1/std", s, ref[2], read(invStd), tolerance);
        assertClose("running mean", s, ref[3], read(rmt), tolerance);
        assertClose("running var", s, ref[4], read(rvt), tolerance);
        if (s.batch() * s.positions() == 0) {
            assertUnchanged(rmt, runningMean, "running mean without values");
            assertUnchanged(rvt, runningVar, "running var without values");
        }
        assertUnchanged(xt, x, "x");
        assertUnchanged(gt, gamma, "gamma");
        assertUnchanged(bt, beta, "beta");
    }

    @ParameterizedTest(name = "{0} affine={1} relu={2}")
    @MethodSource("batchNorm2dCases")
    void batchNorm2dEval(MapShape s, boolean affine, boolean relu) {
        int c = s.channels();
        RandomTensors random = random("batchNorm2dEval" + affine + relu, s);
        float[] x = random.gaussian(s.size(), 1.5, 2);
        float[] gamma = affine ? random.uniform(c, 0.5, 1.5) : null;
        float[] beta = affine ? random.signed(c) : null;
        float[] runningMean = random.gaussian(c, 1.5, 1), runningVar = random.uniform(c, 0.5, 5);
        Tensor xt = tensor(x, s.batch(), s.cols());
        Tensor gt = affine ? tensor(gamma, 1, c) : null, bt = affine ? tensor(beta, 1, c) : null;
        Tensor rmt = tensor(runningMean, 1, c), rvt = tensor(runningVar, 1, c);
        Tensor y = poisoned(s.batch(), s.cols());
        backend.batchNorm2dEval(xt, c, gt, bt, rmt, rvt, BN_EPS, relu, y);
        assertClose("y", s, Reference.batchNorm2dEval(x, gamma, beta, runningMean, runningVar, BN_EPS, relu,
                s.batch(), c, s.positions()), read(y), sumTolerance(1));
        assertUnchanged(xt, x, "x");
        assertUnchanged(rmt, runningMean, "running mean");
        assertUnchanged(rvt, runningVar, "running var");
    }

    @ParameterizedTest(name = "{0} affine={1} gated={2} paramGrads={3}")
    @MethodSource("batchNorm2dBackwardCases")
    void batchNorm2dBackward(MapShape s, boolean affine, boolean gated, boolean paramGrads) {
        int c = s.channels();
        RandomTensors random = random("batchNorm2dBackward" + affine + gated + paramGrads, s);
        float[] x = random.gaussian(s.size(), 1.5, 2);
        float[] dy = random.gaussian(s.size(), 0, 1);
        float[] gamma = affine ? random.uniform(c, 0.5, 1.5) : null;
        float[] gate = gated ? random.relu(s.size()) : null;
        double[][] stats = Reference.batchNorm2dTrain(x, null, null, new float[c], new float[c], 1, BN_EPS, false,
                s.batch(), c, s.positions());
        float[] mean = narrow(stats[1]), invStd = narrow(stats[2]);
        Tensor dyt = tensor(dy, s.batch(), s.cols()), xt = tensor(x, s.batch(), s.cols());
        Tensor gt = affine ? tensor(gamma, 1, c) : null, gatet = gated ? tensor(gate, s.batch(), s.cols()) : null;
        Tensor meant = tensor(mean, 1, c), invStdt = tensor(invStd, 1, c);
        Tensor dx = poisoned(s.batch(), s.cols());
        Tensor dGamma = paramGrads ? poisoned(1, c) : null, dBeta = paramGrads ? poisoned(1, c) : null;
        backend.batchNorm2dBackward(dyt, xt, c, gt, meant, invStdt, gatet, dx, dGamma, dBeta);
        double[][] ref = Reference.batchNorm2dBackward(dy, x, gamma, mean, invStd, gate, s.batch(), c, s.positions());
        double tolerance = sumTolerance(s.batch() * s.positions());
        assertClose("dx", s, ref[0], read(dx), tolerance);
        if (paramGrads) {
            assertClose("dgamma", s, ref[1], read(dGamma), tolerance);
            assertClose("dbeta", s, ref[2], read(dBeta), tolerance);
        }
        assertUnchanged(dyt, dy, "dy");
        assertUnchanged(xt, x, "x");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mapShapes")
    void channelsToRows(MapShape s) {
        float[] x = random("channelsToRows", s).signed(s.size());
        Tensor xt = tensor(x, s.batch(), s.cols());
        Tensor y = poisoned(s.batch() * s.positions(), s.channels());
        backend.channelsToRows(xt, s.channels(), y);
        assertArrayEquals(Reference.channelsToRows(x, s.batch(), s.channels(), s.positions()), read(y),
                "y[b·S + s, c] = x[b, c·S + s] at " + s);
        assertUnchanged(xt, x, "x");
    }

    @Test
    void convShapeMismatchesThrow() {
        RandomTensors random = random("convMismatch", "");
        // 2 images of 3 channels of 5 x 4, 4 filters: y is 2 x 4·3·2.
        Tensor x = tensor(random.signed(2 * 60), 2, 60), w = tensor(random.signed(4 * 27), 4, 27);
        Tensor b4 = tensor(random.signed(4), 1, 4), b3 = tensor(random.signed(3), 1, 3);
        Tensor y = poisoned(2, 24), dx = poisoned(2, 60);
        Tensor w26 = tensor(random.signed(4 * 26), 4, 26), w18 = tensor(random.signed(4 * 18), 4, 18);
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 5, w, b4, true, poisoned(2, 36)),
                "a map size that does not give x's columns");
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 4, w26, b4, true, y), "not C·9 columns");
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 4, w18, b4, true, y), "channels of x vs w");
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 4, w, b3, true, y), "bias length");
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 4, w, b4, true, poisoned(2, 25)), "y cols");
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x, 5, 4, w, b4, true, poisoned(3, 24)), "y rows");
        Tensor x2x2 = tensor(random.signed(2 * 12), 2, 12);
        assertThrows(IllegalArgumentException.class, () -> backend.conv3x3(x2x2, 2, 2, w, b4, true, poisoned(2, 0)),
                "a map smaller than 3 x 3");
        assertThrows(IllegalArgumentException.class,
                () -> backend.conv3x3BackwardInput(y, w, 5, 4, poisoned(2, 59), dx), "gate shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.conv3x3BackwardInput(poisoned(2, 23), w, 5, 4, null, dx), "dy shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.conv3x3WeightGrad(y, x, 5, 4, poisoned(4, 27), b3), "db length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.conv3x3WeightGrad(y, x, 5, 4, poisoned(3, 27), null), "dw rows vs dy");
        assertThrows(IllegalArgumentException.class,
                () -> backend.conv3x3SgdFused(y, poisoned(1, 60), 5, 4, w, b4, 0.1f), "batch of x vs dy");
    }

    @Test
    void batchNorm2dShapeMismatchesThrow() {
        RandomTensors random = random("batchNorm2dMismatch", "");
        // 4 samples of 3 channels of 5 positions.
        Tensor x = tensor(random.signed(4 * 15), 4, 15), y = poisoned(4, 15), y14 = poisoned(4, 14);
        Tensor v3 = tensor(random.uniform(3, 0.5, 1), 1, 3), v5 = tensor(random.uniform(5, 0.5, 1), 1, 5);
        Tensor m3 = poisoned(1, 3), s3 = poisoned(1, 3);
        assertThrows(IllegalArgumentException.class, () -> backend.batchNorm2dTrain(x, 4, null, null,
                tensor(random.signed(4), 1, 4), tensor(random.signed(4), 1, 4), BN_MOMENTUM, BN_EPS, false, y,
                poisoned(1, 4), poisoned(1, 4)), "15 columns are not a whole number per channel for 4 channels");
        assertThrows(IllegalArgumentException.class, () -> backend.batchNorm2dTrain(x, 3, v5, null, v3, v3,
                BN_MOMENTUM, BN_EPS, false, y, m3, s3), "gamma length");
        assertThrows(IllegalArgumentException.class, () -> backend.batchNorm2dTrain(x, 3, null, null, v3, v3,
                BN_MOMENTUM, BN_EPS, false, y14, m3, s3), "y shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNorm2dEval(x, 3, null, v5, v3, v3, BN_EPS, true, y), "beta length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNorm2dBackward(y, x, 3, null, v3, v3, y14, y, null, null), "gate shape");
        assertThrows(IllegalArgumentException.class,
                () -> backend.batchNorm2dBackward(y, x, 3, null, v3, v3, null, y, null, v5), "dbeta length");
        assertThrows(IllegalArgumentException.class,
                () -> backend.channelsToRows(x, 3, poisoned(4 * 5, 4)), "channelsToRows: y columns");
        assertThrows(IllegalArgumentException.class,
                () -> backend.channelsToRows(x, 3, poisoned(4 * 4, 3)), "channelsToRows: y rows");
    }

    private static float[] narrow(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }
}
