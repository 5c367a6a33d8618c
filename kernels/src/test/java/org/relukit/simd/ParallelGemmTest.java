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
        float[] packed = new float[SimdKernels.packedSize(n, k)], aCopy = new float[SimdKernels.leftCopySize(m, k)];
        SimdKernels.pack(b, n, false, n, k, packed);
        try (ParallelGemm parallel = new ParallelGemm(2)) {
            // c without slack: only the last piece fails the slack check.
            float[] shortC = new float[m * n];
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> parallel.gemm(a, k, 1, aCopy, packed, shortC, m, n, k, 1f, 0f, null, false, null));
            assertTrue(failure.getMessage().contains("slack"), failure.getMessage());

            float[] c = new float[m * n + SLACK];
            parallel.gemm(a, k, 1, aCopy, packed, c, m, n, k, 1f, 0f, null, false, null);
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
                    float[] aCopy = new float[SimdKernels.leftCopySize(m, k)];
                    SimdKernels.pack(b, n, false, n, k, packed);
                    SimdKernels.gemm(a, k, 1, aCopy, packed, expected, 0, m, n, k, 1f, 1f, null, false, null);
                    parallel.gemm(a, k, 1, aCopy, packed, c, m, n, k, 1f, 1f, null, false, null);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(c[i]),
                                threads + " threads, m = " + m + ": c[" + i / n + "][" + i % n + "]");
                    }
                }
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
