package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The product reads its left operand through any pair of strides, {@code a(i, p) = a[i·aRow + p·aCol]}:
 * row-major (the forward and the input gradient), transposed (the weight gradient), and neither,
 * which the row-major copy for the 8-row tiles takes one float at a time. The same matrix laid out any of these
 * ways gives the same bits, and they match a float64 sum. Row counts cover the 8-row blocks and the
 * rows after the last whole block.
 */
class SimdGemmTest {
    private static final int SLACK = org.relukit.backend.HostTensor.SLACK;

    @ParameterizedTest(name = "{0} x {1} x {2}")
    @CsvSource({"1,1,1", "7,5,3", "8,16,20", "9,33,17", "16,48,64", "17,49,1", "64,100,250", "150,37,64", "23,250,9"})
    void everyLayoutOfAGivesTheSameBitsAsTheReference(int m, int n, int k) {
        SplittableRandom random = new SplittableRandom(13L * m + 7L * n + k);
        float[][] values = new float[m][k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                values[i][p] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        float[] b = new float[k * n + SLACK];
        for (int i = 0; i < k * n; i++) {
            b[i] = (float) (random.nextDouble() * 2 - 1);
        }
        float[] packed = new float[SimdKernels.packedSize(n, k)];
        SimdKernels.pack(b, n, false, n, k, packed);

        int[][] strides = {{k, 1}, {1, m}, {2, 2 * m + 1}};
        float[] first = null;
        for (int[] stride : strides) {
            int aRow = stride[0], aCol = stride[1];
            float[] a = new float[(m - 1) * aRow + (k - 1) * aCol + 1];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    a[i * aRow + p * aCol] = values[i][p];
                }
            }
            float[] c = new float[m * n + SLACK];
            // Where a is read in place (row-major, or transposed in this plain product), no room for a copy.
            float[] aCopy = new float[SimdKernels.leftCopySize(m, k, aRow, aCol, 1f, 0f, null, false, null)];
            SimdKernels.gemm(a, aRow, aCol, aCopy, packed, c, 0, m, n, k, 1f, 0f, null, false, null);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += (double) values[i][p] * b[p * n + j];
                    }
                    assertEquals(sum, c[i * n + j], 1e-5 * k, "aRow " + aRow + ", aCol " + aCol + ": c[" + i + "][" + j + "]");
                    if (first != null) {
                        assertEquals(Float.floatToIntBits(first[i * n + j]), Float.floatToIntBits(c[i * n + j]),
                                "aRow " + aRow + ", aCol " + aCol + " against row-major a: c[" + i + "][" + j + "]");
                    }
                }
            }
            if (first == null) {
                first = c;
            }
        }
    }
}
