package org.relukit.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.relukit.jmh.GemmBaselinesTest.assertProduct;
import static org.relukit.jmh.GemmBaselinesTest.product;

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

    /** forward {@code y = w · cols} per image, backwardInput {@code dcols = wᵀ · dy}, then weightGrad, on one bench. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void eachProductIsItsKernels(String impl, String layer) {
        ConvGemmBaselines bench = open(impl, layer);
        ConvLayerShape s = ConvLayerShape.parse(layer);
        int k = s.patchRows(), p = s.positions(), n = s.filters();
        Arrays.fill(bench.y, Float.NaN);
        Arrays.fill(bench.dcols, Float.NaN);
        float[] y = bench.forward(new Gflops());
        double[] one = product(bench.w, 0, k, 1, bench.cols, 0, p, 1, n, p, k);
        for (int i = 0; i < s.batch(); i++) {
            assertProduct(impl + " forward of image " + i, Arrays.copyOfRange(y, i * n * p, (i + 1) * n * p), one);
        }
        // Each image overwrites dcols; the last image's is left.
        double[] ref = product(bench.w, 0, 1, k, bench.dy, (s.batch() - 1) * n * p, p, 1, k, p, n);
        assertProduct(impl + " backwardInput", bench.backwardInput(new Gflops()), ref);

        // Last, as it moves the filters: w −= lr·Σ_images dy · colsᵀ, at a rate large enough that the
        // update dominates the weights' rounding.
        bench.lr = 0.5f;
        float[] before = bench.w.clone();
        float[] after = bench.weightGrad(new Gflops());
        double[] stepped = new double[n * k];
        for (int i = 0; i < s.batch(); i++) {
            double[] grad = product(bench.dy, i * n * p, p, 1, bench.cols, 0, 1, p, n, k, p);
            for (int j = 0; j < stepped.length; j++) {
                stepped[j] -= 0.5 * grad[j];
            }
        }
        for (int j = 0; j < stepped.length; j++) {
            stepped[j] += before[j];
        }
        assertProduct(impl + " weightGrad", after, stepped);
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
