package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The thread split itself: every row is computed exactly once, whoever takes its piece; a failure in a
 * helper's piece reaches the caller, and the helpers go on working.
 */
class ParallelGemmTest {
    private static final int SLACK = org.relukit.backend.HostTensor.SLACK;

    /** Whichever thread computes the failing piece (the helper's own, or the caller's taken over), the caller throws. */
    @Test
    void aFailureInAnyPieceIsThrownToTheCallerAndTheNextProductStillRuns() {
        int m = 64, n = 40, k = 30;
        SplittableRandom random = new SplittableRandom(7);
        float[] a = randomArray(random, m * k), b = randomArray(random, k * n + SLACK);
        try (ParallelGemm parallel = new ParallelGemm(2)) {
            // c without slack: only the last piece fails the slack check.
            float[] shortC = new float[m * n];
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> parallel.gemm(a, k, 1, b, n, false, shortC, m, n, k, 1f, 0f, null, false, null));
            assertTrue(failure.getMessage().contains("slack"), failure.getMessage());

            float[] c = new float[m * n + SLACK];
            parallel.gemm(a, k, 1, b, n, false, c, m, n, k, 1f, 0f, null, false, null);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += (double) a[i * k + p] * b[p * n + j];
                    }
                    assertEquals(sum, c[i * n + j], 1e-4, "c[" + i + "][" + j + "]");
                }
            }
        }
    }

    /**
     * c = c + a·b accumulates into c, so a row computed twice, or not at all, shows. The results are
     * the one-thread kernel's bits, for row counts below, at and above the pieces' sizes.
     */
    @Test
    void everyRowIsComputedOnceOnTwoThreeAndFourThreads() {
        int n = 37, k = 29;
        SplittableRandom random = new SplittableRandom(11);
        for (int threads = 2; threads <= 4; threads++) {
            try (ParallelGemm parallel = new ParallelGemm(threads)) {
                for (int m : new int[] {1, 8, 13, 64, 200, 1001}) {
                    float[] a = randomArray(random, m * k), b = randomArray(random, k * n + SLACK);
                    float[] start = randomArray(random, m * n + SLACK);
                    float[] expected = start.clone(), c = start.clone(), packed = new float[SimdKernels.packedSize(n, k)];
                    float[] aCopy = new float[SimdKernels.leftCopySize(m, k, k, 1, 1f, 1f, null, false, null)];
                    SimdKernels.pack(b, n, false, n, k, packed);
                    SimdKernels.gemm(a, k, 1, aCopy, packed, expected, 0, m, n, k, 1f, 1f, null, false, null);
                    parallel.gemm(a, k, 1, b, n, false, c, m, n, k, 1f, 1f, null, false, null);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(c[i]),
                                threads + " threads, m = " + m + ": c[" + i / n + "][" + i % n + "]");
                    }
                }
            }
        }
    }

    /**
     * Each thread its own block of columns (the forward's split) or of rows (the weight update's):
     * the one-thread kernel's bits, with bias, ReLU and gate, b as it lies or transposed, a row-major
     * or transposed (copied by each thread), and widths below, at and between whole vectors.
     */
    @Test
    void ownedBlocksOfColumnsOrRowsGiveTheOneThreadBits() {
        SplittableRandom random = new SplittableRandom(13);
        int v = SimdKernels.V;
        for (int threads = 2; threads <= 3; threads++) {
            try (ParallelGemm parallel = new ParallelGemm(threads)) {
                for (int[] shape : new int[][] {{64, 250, 200}, {64, 100, 20}, {16, 1, 30}, {40, v - 3, 17},
                        {64, 2 * v + 5, 64}, {250, 150, 64}, {17, 3 * v, 9}, {64, 7 * v, 33}}) {
                    int m = shape[0], n = shape[1], k = shape[2];
                    for (int variant = 0; variant < 8; variant++) {
                        boolean byColumns = (variant & 1) == 0, transposedB = (variant & 2) != 0;
                        boolean transposedA = (variant & 4) != 0;
                        float[] a = randomArray(random, m * k + SLACK), b = randomArray(random, k * n + SLACK);
                        float[] bias = randomArray(random, n + SLACK), gate = randomArray(random, m * n + SLACK);
                        float[] start = randomArray(random, m * n + SLACK);
                        int aRow = transposedA ? 1 : k, aCol = transposedA ? m : 1, ldb = transposedB ? k : n;
                        float[] expected = start.clone(), c = start.clone();
                        float[] packed = new float[SimdKernels.packedSize(n, k)];
                        float[] aCopy = new float[SimdKernels.leftCopySize(m, k, aRow, aCol, 0.5f, 1f, bias, true, gate)];
                        SimdKernels.pack(b, ldb, transposedB, n, k, packed);
                        SimdKernels.gemm(a, aRow, aCol, aCopy, packed, expected, 0, m, n, k, 0.5f, 1f, bias, true, gate);
                        parallel.gemmOwned(byColumns, a, aRow, aCol, b, ldb, transposedB, c, m, n, k, 0.5f, 1f, bias,
                                true, gate);
                        for (int i = 0; i < m * n; i++) {
                            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(c[i]),
                                    threads + " threads, " + m + " × " + n + " × " + k + ", variant " + variant
                                            + ": c[" + i / n + "][" + i % n + "]");
                        }
                    }
                }
            }
        }
    }

    /** The blocks cover each size once, in whole vectors but the last, the same for every product. */
    @Test
    void theOwnedBlocksAreWholeVectorsAndCoverTheSize() {
        int v = SimdKernels.V;
        try (ParallelGemm parallel = new ParallelGemm(2)) {
            assertEquals(0, parallel.boundary(100, 0));
            assertEquals(100, parallel.boundary(100, 2));
            for (int size : new int[] {0, 1, v - 1, v, v + 1, 100, 150, 200, 250, 1000}) {
                int middle = parallel.boundary(size, 1);
                assertEquals(0, middle % v, "size " + size);
                assertTrue(middle >= 0 && middle <= size, "size " + size);
                assertTrue(Math.abs(2 * middle - size) <= v, "size " + size + ": " + middle + " is not near half");
            }
        }
    }

    private static float[] randomArray(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
