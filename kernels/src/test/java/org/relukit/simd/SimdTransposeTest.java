package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The transpose behind the forward layer, the conv weight gradient and Winograd's channels-last
 * maps: the register blocks (16 × 16 with 16 lanes, then 8 × 8, two side by side with 16 lanes) and
 * the scalar edges (and the scalar path alone, which a 4-lane species takes) give exactly
 * {@code t[p·ldt + j] = w[j·ldw + p]}, write nothing else, and allocate nothing once compiled. Shapes
 * cover 0, 1, 8, 16, and sizes on both sides of a whole number of blocks, with offsets and strides
 * wider than the matrix.
 */
class SimdTransposeTest {
    @ParameterizedTest(name = "{0} x {1}, ldw +{2}, ldt +{3}")
    @CsvSource({"0,5,0,0", "5,0,0,0", "1,1,0,0", "1,9,0,0", "9,1,0,0", "8,8,0,0", "8,8,3,5", "7,7,0,1",
            "16,24,0,0", "17,23,1,2", "32,16,0,0", "40,24,1,3", "33,56,0,0", "250,200,0,0", "100,250,0,6", "13,300,2,0", "64,20,0,0"})
    void blocksAndEdgesEqualTheDefinition(int n, int k, int extraLdw, int extraLdt) {
        Random random = new Random(31L * n + k);
        int ldw = k + extraLdw, ldt = n + extraLdt, wOff = 3, tOff = 5;
        float[] w = new float[wOff + n * ldw + 7];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextFloat() - 0.5f;
        }
        float[] expected = new float[tOff + k * ldt + 7];
        Arrays.fill(expected, Float.NaN);
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                expected[tOff + p * ldt + j] = w[wOff + j * ldw + p];
            }
        }
        float[] blocked = new float[expected.length], scalar = new float[expected.length];
        Arrays.fill(blocked, Float.NaN);
        Arrays.fill(scalar, Float.NaN);
        SimdKernels.transpose(w, wOff, n, k, ldw, blocked, tOff, ldt);
        SimdKernels.transposeScalar(w, wOff, n, k, ldw, scalar, tOff, ldt);
        assertArrayEquals(expected, blocked, "blocks in registers");
        assertArrayEquals(expected, scalar, "one float at a time");
    }

    /**
     * Less than one byte per call once C2 has compiled it (a boxed vector would cost at least 16).
     * Not run where the species is forced wider than the CPU's (emulated, so boxed).
     */
    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"250,200", "17,23"})
    void allocatesNothingOnceCompiled(int n, int k) {
        NativeSpecies.assume("the transpose allocation check");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] w = new float[n * k], t = new float[n * k];
        int calls = 200;
        long bytes = -1;
        for (int round = 0; round < 500; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                SimdKernels.transpose(w, n, k, t, n);
            }
            bytes = threads.getCurrentThreadAllocatedBytes() - before;
            if (bytes < calls) {
                return;
            }
        }
        fail("the transpose still allocated " + bytes + " bytes over " + calls + " calls after 500 rounds");
    }
}
