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
    void forwardIsXTimesWTransposed(String impl, String shape) {
        GemmBaselines bench = open(impl, shape);
        LayerShape s = LayerShape.parse(shape);
        Arrays.fill(bench.y, Float.NaN);
        float[] y = bench.forward(new Gflops());
        double[] ref = new double[s.batch() * s.nodes()];
        for (int i = 0; i < s.batch(); i++) {
            for (int j = 0; j < s.nodes(); j++) {
                for (int k = 0; k < s.fanIn(); k++) {
                    ref[i * s.nodes() + j] += (double) bench.x[i * s.fanIn() + k] * bench.w[j * s.fanIn() + k];
                }
            }
        }
        assertTrue(relativeError(y, ref) < 1e-5, () -> impl + " forward: relative error " + relativeError(y, ref));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void backwardInputIsDzTimesW(String impl, String shape) {
        GemmBaselines bench = open(impl, shape);
        LayerShape s = LayerShape.parse(shape);
        Arrays.fill(bench.dx, Float.NaN);
        float[] dx = bench.backwardInput(new Gflops());
        double[] ref = new double[s.batch() * s.fanIn()];
        for (int i = 0; i < s.batch(); i++) {
            for (int k = 0; k < s.fanIn(); k++) {
                for (int j = 0; j < s.nodes(); j++) {
                    ref[i * s.fanIn() + k] += (double) bench.dz[i * s.nodes() + j] * bench.w[j * s.fanIn() + k];
                }
            }
        }
        assertTrue(relativeError(dx, ref) < 1e-5, () -> impl + " backwardInput: relative error " + relativeError(dx, ref));
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
        double[] ref = new double[s.nodes() * s.fanIn()];
        for (int j = 0; j < s.nodes(); j++) {
            for (int k = 0; k < s.fanIn(); k++) {
                double sum = 0;
                for (int i = 0; i < s.batch(); i++) {
                    sum += (double) bench.dz[i * s.nodes() + j] * bench.x[i * s.fanIn() + k];
                }
                ref[j * s.fanIn() + k] = before[j * s.fanIn() + k] - 0.5 * sum;
            }
        }
        assertTrue(relativeError(after, ref) < 1e-5, () -> impl + " weightGrad: relative error " + relativeError(after, ref));
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
