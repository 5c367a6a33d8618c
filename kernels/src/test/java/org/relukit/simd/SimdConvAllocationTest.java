package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Tensor;

/**
 * The conv and BatchNorm2d kernels allocate nothing once compiled: their patch and product buffers
 * are the backend's, kept between calls, and their vectors must not be boxed. Counts the bytes this
 * thread allocates in each kernel over a round of calls (the JVM's count, not a timing), round after
 * round until C2 has compiled the kernels; it passes when a round allocates less than one byte per
 * call, where one buffer or boxed vector per call would cost at least 16, and fails, naming the
 * kernels that still allocate, if no round of the first 500 does. Not run where the species is
 * forced wider than the CPU's (emulated, so boxed). CI runs it once more with C2 alone
 * ({@code -XX:-TieredCompilation}), where its profiles come from the interpreter: that run found
 * the conv kernels boxing whenever a second vector species shared the process (entry 36 of
 * jmh/PERFORMANCE.md).
 */
class SimdConvAllocationTest {
    private static final int CALLS_PER_ROUND = 200;
    private static final int MAX_ROUNDS = 500;

    /** 3 channels go through the patch matrix, 33 through Winograd's tiles. */
    @ParameterizedTest(name = "channels={0}")
    @ValueSource(ints = {3, 33})
    void convAndBatchNorm2dKernelsAllocateNothingOnceCompiled(int channels) {
        NativeSpecies.assume("the conv allocation check");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // 3 images of 8 x 7 through 5 filters: maps of 6 x 5, none a multiple of a vector.
        int batch = 3, height = 8, width = 7, filters = 5, positions = 30;
        RandomTensors random = new RandomTensors(11);
        try (SimdBackend simd = new SimdBackend(1)) {
            Tensor x = upload(simd, random.gaussian(batch * channels * height * width, 0, 1), batch, channels * height * width);
            Tensor w = upload(simd, random.signed(filters * channels * 9), filters, channels * 9);
            Tensor b = upload(simd, random.signed(filters), 1, filters);
            Tensor gate = upload(simd, random.relu(batch * channels * height * width), batch, channels * height * width);
            Tensor y = simd.allocate(batch, filters * positions), dy = upload(simd,
                    random.gaussian(batch * filters * positions, 0, 1), batch, filters * positions);
            Tensor dx = simd.allocate(batch, channels * height * width), dw = simd.allocate(filters, channels * 9);
            Tensor db = simd.allocate(1, filters), gamma = upload(simd, random.uniform(filters, 0.5, 1.5), 1, filters);
            Tensor runningMean = simd.allocate(1, filters), runningVar = upload(simd, random.uniform(filters, 0.5, 2), 1, filters);
            Tensor mean = simd.allocate(1, filters), invStd = simd.allocate(1, filters);
            Tensor bn = simd.allocate(batch, filters * positions), rows = simd.allocate(batch * positions, filters);
            Runnable[] kernels = {
                () -> simd.conv3x3(x, height, width, w, b, true, y),
                () -> simd.conv3x3BackwardInput(dy, w, height, width, gate, dx),
                () -> simd.conv3x3WeightGrad(dy, x, height, width, dw, db),
                () -> simd.conv3x3SgdFused(dy, x, height, width, w, b, 1e-6f),
                () -> simd.batchNorm2dTrain(y, filters, gamma, b, runningMean, runningVar, 0.1f, 1e-5f, true, bn, mean, invStd),
                () -> simd.batchNorm2dEval(y, filters, gamma, b, runningMean, runningVar, 1e-5f, false, bn),
                () -> simd.batchNorm2dBackward(dy, y, filters, gamma, mean, invStd, y, bn, db, null),
                () -> simd.channelsToRows(y, filters, rows)};
            String[] names = {"conv3x3", "conv3x3BackwardInput", "conv3x3WeightGrad", "conv3x3SgdFused",
                    "batchNorm2dTrain", "batchNorm2dEval", "batchNorm2dBackward", "channelsToRows"};
            long[] bytes = new long[kernels.length];
            for (int round = 0; round < MAX_ROUNDS; round++) {
                Arrays.fill(bytes, 0);
                for (int i = 0; i < CALLS_PER_ROUND; i++) {
                    for (int kernel = 0; kernel < kernels.length; kernel++) {
                        long before = threads.getCurrentThreadAllocatedBytes();
                        kernels[kernel].run();
                        bytes[kernel] += threads.getCurrentThreadAllocatedBytes() - before;
                    }
                }
                if (Arrays.stream(bytes).sum() < 8L * CALLS_PER_ROUND) {
                    return;
                }
            }
            StringBuilder which = new StringBuilder();
            for (int kernel = 0; kernel < kernels.length; kernel++) {
                if (bytes[kernel] > 0) {
                    which.append(which.isEmpty() ? "" : ", ").append(names[kernel]).append(' ')
                            .append(bytes[kernel] / CALLS_PER_ROUND).append(" B/call");
                }
            }
            fail("after " + MAX_ROUNDS + " rounds of " + CALLS_PER_ROUND + " calls each, the kernels still allocated: "
                    + which);
        }
    }

    private static Tensor upload(SimdBackend simd, float[] data, int rows, int cols) {
        Tensor t = simd.allocate(rows, cols);
        simd.upload(data, t);
        return t;
    }
}
