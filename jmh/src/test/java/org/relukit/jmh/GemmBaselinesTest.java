package org.relukit.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Each baseline must compute the row-major product its kernel computes (BLAS is column-major, so a
 * wrong transpose flag gives another product), checked against float64 by relative error.
 */
class GemmBaselinesTest {

    static java.util.stream.Stream<Arguments> cases() {
        return Availability.BASELINES.stream().flatMap(impl -> java.util.stream.Stream.of(
                "b7:13x9", "b33:20x17", "b64:150x200").map(shape -> Arguments.of(impl, shape)));
    }

    private static GemmBaselines open(String impl, String shape) {
        requireOrSkip(impl);
        GemmBaselines bench = new GemmBaselines();
        bench.impl = impl;
        bench.shape = shape;
        bench.setUp();
        return bench;
    }

    /** Aborts the test, loudly, when JNIBLAS cannot load here outside CI; in CI it fails instead. */
    static void requireOrSkip(String impl) {
        if (impl.equals("JNIBLAS")) {
            try {
                Baselines.open(impl);
            } catch (IllegalStateException e) {
                // CI installs OpenBLAS, so there the test must run; elsewhere it says loudly that it skips.
                if (System.getenv("CI") != null) {
                    org.junit.jupiter.api.Assertions.fail("OpenBLAS is required in CI: " + e.getMessage());
                }
                System.err.println("*** SKIPPING the JNIBLAS baseline check: " + e.getMessage() + " ***");
                org.junit.jupiter.api.Assumptions.abort(e.getMessage());
            }
        }
    }

    /** {@code out} within 1e-5 of the float64 {@code ref}, in relative error. */
    static void assertProduct(String what, float[] out, double[] ref) {
        double error = relativeError(out, ref);
        assertTrue(error < 1e-5, () -> what + ": relative error " + error);
    }

    /** {@code a[rows × inner] · b[inner × cols]}, each read through its strides, in float64. */
    static double[] product(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
                            int rows, int cols, int inner) {
        double[] c = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                for (int t = 0; t < inner; t++) {
                    c[r * cols + q] += (double) a[aOff + r * aRow + t * aCol] * b[bOff + t * bRow + q * bCol];
                }
            }
        }
        return c;
    }

    static double relativeError(float[] out, double[] ref) {
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            diff += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        assertTrue(norm > 0, "the reference must not be all zeros");
        return Math.sqrt(diff / norm);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardIsXTimesWTransposedAndBackwardInputIsDzTimesW(String impl, String shape) {
        GemmBaselines bench = open(impl, shape);
        LayerShape s = LayerShape.parse(shape);
        Arrays.fill(bench.y, Float.NaN);
        Arrays.fill(bench.dx, Float.NaN);
        // y[i, j] = Σ_k x[i, k]·w[j, k]
        assertProduct(impl + " forward", bench.forward(new Gflops()), product(bench.x, 0, s.fanIn(), 1, bench.w, 0, 1,
                s.fanIn(), s.batch(), s.nodes(), s.fanIn()));
        // dx[i, k] = Σ_j dz[i, j]·w[j, k]
        assertProduct(impl + " backwardInput", bench.backwardInput(new Gflops()), product(bench.dz, 0, s.nodes(), 1,
                bench.w, 0, s.fanIn(), 1, s.batch(), s.fanIn(), s.nodes()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void weightGradSubtractsLrDzTransposedX(String impl, String shape) {
        GemmBaselines bench = open(impl, shape);
        LayerShape s = LayerShape.parse(shape);
        // A rate large enough that the update dominates the weights' rounding.
        bench.lr = 0.5f;
        float[] before = bench.w.clone();
        float[] after = bench.weightGrad(new Gflops());
        // w[j, k] −= 0.5 Σ_i dz[i, j]·x[i, k]
        double[] ref = product(bench.dz, 0, 1, s.nodes(), bench.x, 0, s.fanIn(), 1, s.nodes(), s.fanIn(), s.batch());
        for (int q = 0; q < ref.length; q++) {
            ref[q] = before[q] - 0.5 * ref[q];
        }
        assertProduct(impl + " weightGrad", after, ref);
    }

    @Test
    void shapesParseAndBadOnesSayTheForm() {
        assertEquals(new LayerShape(64, 20, 100), LayerShape.parse("b64:20x100"));
        assertEquals(2.0 * 64 * 20 * 100, LayerShape.parse("b64:20x100").gemmFlops());
        var e = assertThrows(IllegalArgumentException.class, () -> LayerShape.parse("64x20x100"));
        assertTrue(e.getMessage().contains("bB:KxN"), e.getMessage());
    }

    @Test
    void trainingStepFlopsCountEveryProduct() {
        // Teacher 2→3→1 (6 + 3 MACs), student 2→4→1: layer 0 forward + dW (8·2), layer 1 forward + dX + dW (4·3).
        double macs = 6 + 3 + 8 * 2 + 4 * 3;
        assertEquals(2 * macs * 5, TrainingStepBench.productFlops(new int[] {2, 3, 1}, new int[] {2, 4, 1}, 5));
    }
}
