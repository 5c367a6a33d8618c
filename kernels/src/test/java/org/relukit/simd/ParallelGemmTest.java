package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The thread split itself: a failure in a helper's band reaches the caller, and the helpers go on working. */
class ParallelGemmTest {
    private static final int SLACK = org.relukit.backend.HostTensor.SLACK;

    @Test
    void aFailureInAHelperBandIsThrownToTheCallerAndTheNextProductStillRuns() {
        int m = 64, n = 40, k = 30;
        SplittableRandom random = new SplittableRandom(7);
        float[] a = randomArray(random, m * k), b = randomArray(random, k * n + SLACK);
        try (ParallelGemm parallel = new ParallelGemm(2)) {
            // c without slack: only the last band (the helper's) fails the slack check.
            float[] shortC = new float[m * n];
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> parallel.gemm(a, k, 1, b, n, shortC, m, n, k, 1f, 0f, null, false, null));
            assertTrue(failure.getMessage().contains("slack"), failure.getMessage());
            assertEquals(0, parallel.helperBands(), "the helper's band failed, so it computed none");

            float[] c = new float[m * n + SLACK];
            parallel.gemm(a, k, 1, b, n, c, m, n, k, 1f, 0f, null, false, null);
            assertEquals(1, parallel.helperBands(), "the helper computed its band of the next product");
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

    private static float[] randomArray(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
