package org.relukit.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each conv baseline must compute the row-major im2col product of its kernel (a wrong transpose
 * flag or leading dimension gives another product), checked against float64.
 */
class ConvGemmBaselinesTest {

    static Stream<Arguments> cases() {
        return Availability.BASELINES.stream().flatMap(impl -> Stream.of("b3:3x7x5->9", "b2:5x6x6->7")
                .map(layer -> Arguments.of(impl, layer)));
    }

    private static ConvGemmBaselines open(String impl, String layer) {
        GemmBaselinesTest.requireOrSkip(impl);
        ConvGemmBaselines bench = new ConvGemmBaselines();
        bench.impl = impl;
        bench.layer = layer;
        bench.setUp();
        return bench;
    }

    /** {@code a[rows × inner] · b[inner × cols]}, each read through its strides, in float64. */
    private static double[] product(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
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

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void forwardIsFiltersTimesPatches(String impl, String layer) {
        ConvGemmBaselines bench = open(impl, layer);
        ConvLayerShape s = ConvLayerShape.parse(layer);
        int k = s.patchRows(), p = s.positions(), n = s.filters();
        Arrays.fill(bench.y, Float.NaN);
        float[] y = bench.forward(new Gflops());
        double[] one = product(bench.w, 0, k, 1, bench.cols, 0, p, 1, n, p, k);
        for (int i = 0; i < s.batch(); i++) {
            float[] image = Arrays.copyOfRange(y, i * n * p, (i + 1) * n * p);
            double error = GemmBaselinesTest.relativeError(image, one);
            assertTrue(error < 1e-5, () -> impl + " forward: relative error " + error);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void backwardInputIsFiltersTransposedTimesDy(String impl, String layer) {
        ConvGemmBaselines bench = open(impl, layer);
        ConvLayerShape s = ConvLayerShape.parse(layer);
        int k = s.patchRows(), p = s.positions(), n = s.filters();
        Arrays.fill(bench.dcols, Float.NaN);
        float[] dcols = bench.backwardInput(new Gflops());
        // Each image overwrites dcols; the last image's is left.
        double[] ref = product(bench.w, 0, 1, k, bench.dy, (s.batch() - 1) * n * p, p, 1, k, p, n);
        double error = GemmBaselinesTest.relativeError(dcols, ref);
        assertTrue(error < 1e-5, () -> impl + " backwardInput: relative error " + error);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void weightGradSubtractsLrDyTimesPatchesTransposed(String impl, String layer) {
        ConvGemmBaselines bench = open(impl, layer);
        ConvLayerShape s = ConvLayerShape.parse(layer);
        int k = s.patchRows(), p = s.positions(), n = s.filters();
        // A rate large enough that the update dominates the weights' rounding.
        bench.lr = 0.5f;
        float[] before = bench.w.clone();
        float[] after = bench.weightGrad(new Gflops());
        double[] ref = new double[n * k];
        for (int i = 0; i < s.batch(); i++) {
            double[] grad = product(bench.dy, i * n * p, p, 1, bench.cols, 0, 1, p, n, k, p);
            for (int j = 0; j < ref.length; j++) {
                ref[j] -= 0.5 * grad[j];
            }
        }
        for (int j = 0; j < ref.length; j++) {
            ref[j] += before[j];
        }
        double error = GemmBaselinesTest.relativeError(after, ref);
        assertTrue(error < 1e-5, () -> impl + " weightGrad: relative error " + error);
    }

    @Test
    void layersParseAndBadOnesSayTheForm() {
        assertEquals(new ConvLayerShape(64, 50, 14, 14, 75), ConvLayerShape.parse("b64:50x14x14->75"));
        assertEquals(2.0 * 64 * 75 * 144 * 450, ConvLayerShape.parse("b64:50x14x14->75").flops());
        var e = assertThrows(IllegalArgumentException.class, () -> ConvLayerShape.parse("b64:50x14x14x75"));
        assertTrue(e.getMessage().contains("bB:CxHxW->N"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConvLayerShape.parse("b64:50x2x14->75"), "a 2-row map");
    }
}
