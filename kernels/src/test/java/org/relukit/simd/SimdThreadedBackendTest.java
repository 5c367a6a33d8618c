package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.relukit.simd.SimdBackendTest.download;
import static org.relukit.simd.SimdBackendTest.upload;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Tensor;

/**
 * The SIMD backend on two threads. A product is always split across threads when m·n·k ≥ 2^22
 * and m ≥ 16 (from 2^19 when {@link SplitTrial} finds it faster): the workload products that qualify, plus products whose row split is uneven (exactly 8
 * rows, a last chunk of one row, m not a multiple of the 4-row micro-kernel) and two large
 * ones. The small edge and empty shapes stay, to check the single-thread fallback of a threaded
 * backend.
 */
class SimdThreadedBackendTest extends BackendConformance {
    private static final long PARALLEL_WORK = 1L << 22;

    /** The backend itself, to ask how much ran on helpers; the kit tests it behind the shape checks. */
    private SimdBackend simd;

    @Override
    protected Backend createBackend() {
        simd = new SimdBackend(2);
        return simd;
    }

    @Override
    protected Stream<ProductShape> productShapes() {
        Stream<ProductShape> split = Stream.of(
                new ProductShape(256, 256, 256), new ProductShape(1000, 250, 200),
                new ProductShape(8, 3000, 200), new ProductShape(9, 2000, 300),
                new ProductShape(257, 129, 130), new ProductShape(1001, 17, 250));
        Stream<ProductShape> workload = workloadProductShapes()
                .filter(s -> (long) s.m() * s.n() * s.k() >= PARALLEL_WORK && s.m() >= 8);
        return Stream.of(split, workload, edgeProductShapes(), emptyProductShapes()).flatMap(s -> s);
    }

    /**
     * Not a timing: a small product never reaches the helper thread; a big one is handed out, and
     * the helper takes part. Which thread computes a piece depends on who gets there first (the
     * calling thread may finish a product before the helper wakes), so the big product is repeated
     * until the helper has taken part, at most 1000 times.
     */
    @Test
    void bigProductsAreSplitAcrossThreads() {
        RandomTensors random = random("split", "");
        Tensor small = tensor(random.signed(64 * 64), 64, 64);
        Tensor smallOut = poisoned(64, 64);
        long before = simd.productsOnHelpers();
        for (int i = 0; i < 100; i++) {
            backend.matmul(small, false, small, true, smallOut, 1f, 0f);
        }
        assertEquals(before, simd.productsOnHelpers(), "a 64x64x64 product should stay on the calling thread");
        Tensor a = tensor(random.signed(256 * 256), 256, 256);
        Tensor c = poisoned(256, 256);
        for (int i = 0; i < 1000 && simd.productsOnHelpers() == before; i++) {
            backend.matmul(a, false, a, true, c, 1f, 0f);
        }
        assertTrue(simd.productsOnHelpers() > before, "the helper should take part in 256x256x256 products on 2 threads");
    }

    /**
     * The conv kernels give the same bits on one thread and on two, where their products are split:
     * the groups of images, blocks of channels and groups of tiles are chosen from the shapes alone.
     * 5 images: with 15 channels of 16 × 16 through 64 filters (the patch matrix), groups of 3 and 2
     * images; with 96 channels of 32 × 32 through 192 filters (Winograd's tiles), groups of 4
     * images and 1.
     */
    @ParameterizedTest(name = "channels={0} filters={1} side={2}")
    @CsvSource({"15, 64, 16", "96, 192, 32"})
    void convKernelsGiveTheSameBitsOnOneAndTwoThreads(int channels, int filters, int side) {
        int batch = 5, positions = (side - 2) * (side - 2);
        RandomTensors random = random("conv threads", "");
        float[] x = random.gaussian(batch * channels * side * side, 0, 1), gate = random.gaussian(x.length, 0, 1);
        float[] w = random.signed(filters * channels * 9), b = random.signed(filters);
        float[] dy = random.gaussian(batch * filters * positions, 0, 1);
        try (SimdBackend one = new SimdBackend(1)) {
            float[][] single = convResults(one, x, gate, w, b, dy, batch, channels, side, filters);
            String[] names = {"y", "dx", "w", "b"};
            // Until the helper has taken part (at most 20 times): who computes a piece is not fixed.
            long before = simd.productsOnHelpers();
            for (int round = 0; round < 20 && simd.productsOnHelpers() == before; round++) {
                float[][] two = convResults(backend, x, gate, w, b, dy, batch, channels, side, filters);
                for (int i = 0; i < names.length; i++) {
                    assertArrayEquals(single[i], two[i], names[i] + " differs between 1 and 2 threads");
                }
            }
            assertTrue(simd.productsOnHelpers() > before, "some products should be split across the 2 threads");
        }
    }

    /**
     * A split step's halves: the first runs on the calling thread, the second on another, each on
     * a backend of its own that computes on this backend's tensors. Run at once, two products give
     * the bits of one thread.
     */
    @Test
    void halvesRunAtOnceOnBackendsOfTheirOwnWithTheBitsOfOneThread() {
        Backend first = simd.half(0), second = simd.half(1);
        assertNotSame(first, second);
        assertNotSame(simd, first);
        assertSame(first, simd.half(0), "a half is made once");
        RandomTensors random = random("halves", "");
        int m = 300, n = 70, k = 90;
        float[] a = random.signed(m * k), w = random.signed(n * k), b = random.signed(n);
        Tensor at = tensor(a, m, k), wt = tensor(w, n, k), bt = tensor(b, 1, n);
        Tensor y0 = poisoned(m, n), y1 = poisoned(m, n);
        Thread[] ran = new Thread[2];
        simd.runHalves(() -> {
            ran[0] = Thread.currentThread();
            first.reluMatmul(at, wt, bt, y0);
        }, () -> {
            ran[1] = Thread.currentThread();
            second.reluMatmul(at, wt, bt, y1);
        });
        assertSame(Thread.currentThread(), ran[0], "the first half runs on the calling thread");
        assertNotSame(ran[0], ran[1], "the second half runs on another thread");
        try (SimdBackend one = new SimdBackend(1)) {
            Tensor y = one.allocate(m, n);
            one.reluMatmul(at, wt, bt, y);
            assertArrayEquals(download(one, y), download(simd, y0), "first half");
            assertArrayEquals(download(one, y), download(simd, y1), "second half");
        }
    }

    /** A half that throws: the exception comes out of runHalves once both halves have ended, and the next step runs. */
    @Test
    void aFailingHalfIsRethrownAfterBothHaveEnded() {
        AtomicBoolean otherEnded = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> simd.runHalves(
                () -> otherEnded.set(true), () -> {
                    throw new IllegalStateException("second half failed");
                }));
        assertEquals("second half failed", e.getMessage());
        assertTrue(otherEnded.get());
        otherEnded.set(false);
        e = assertThrows(IllegalStateException.class, () -> simd.runHalves(() -> {
            throw new IllegalStateException("first half failed");
        }, () -> otherEnded.set(true)));
        assertEquals("first half failed", e.getMessage());
        assertTrue(otherEnded.get(), "the second half ended before runHalves threw");
        boolean[] both = new boolean[2];
        simd.runHalves(() -> both[0] = true, () -> both[1] = true);
        assertArrayEquals(new boolean[] {true, true}, both, "the halves after a failure");
    }

    /** Whether a step splits depends on its batch alone, never on the threads, so the bits do not either. */
    @Test
    void aStepSplitsByItsBatchAloneAtEveryThreadCount() {
        try (SimdBackend one = new SimdBackend(1); SimdBackend three = new SimdBackend(3)) {
            for (int batch : new int[] {0, 1, 2, 64, 128, 254, 255, 256, 257, 512, 1000, 1024, 4097}) {
                assertEquals(one.splitsBatch(batch), simd.splitsBatch(batch), "batch " + batch);
                assertEquals(one.splitsBatch(batch), three.splitsBatch(batch), "batch " + batch);
            }
            assertTrue(one.splitsBatch(256));
            assertTrue(one.splitsBatch(1024));
            assertFalse(one.splitsBatch(64), "a 64-row step gains nothing from halves");
            assertFalse(one.splitsBatch(128), "a 128-row step loses more on one thread than its halves gain on two");
            assertFalse(one.splitsBatch(1025), "halves of a step have the same rows");
            assertSame(one, one.half(0), "one thread: the halves run on the backend itself");
            assertSame(one, one.half(1));
        }
    }

    /**
     * A batch-64 layer's forward, input gradient and fused SGD step, big enough to split (each
     * thread its own columns, or rows of w), give the bits of one thread; repeated until the helper
     * has taken part, at most 20 times.
     */
    @Test
    void aSmallBatchLayerGivesTheSameBitsOnOneAndTwoThreads() {
        int batch = 64, in = 250, out = 200;
        RandomTensors random = random("small batch layer", "");
        float[] x = random.gaussian(batch * in, 0, 1), h = random.gaussian(batch * in, 0, 1);
        float[] w = random.signed(out * in), b = random.signed(out), dz = random.gaussian(batch * out, 0, 1);
        try (SimdBackend one = new SimdBackend(1)) {
            float[][] single = layerResults(one, x, h, w, b, dz, batch, in, out);
            String[] names = {"y", "dx", "w", "b"};
            long before = simd.productsOnHelpers();
            for (int round = 0; round < 20 && simd.productsOnHelpers() == before; round++) {
                float[][] two = layerResults(backend, x, h, w, b, dz, batch, in, out);
                for (int i = 0; i < names.length; i++) {
                    assertArrayEquals(single[i], two[i], names[i] + " differs between 1 and 2 threads");
                }
            }
            assertTrue(simd.productsOnHelpers() > before, "the layer's products should be split across the 2 threads");
        }
    }

    /** The ReLU layer's y, the gated dx, and w and b after a fused SGD step, on the given backend. */
    private static float[][] layerResults(Backend on, float[] x, float[] h, float[] w, float[] b, float[] dz,
                                          int batch, int in, int out) {
        Tensor xt = upload(on, x, batch, in), ht = upload(on, h, batch, in), wt = upload(on, w, out, in);
        Tensor bt = upload(on, b, 1, out), dzt = upload(on, dz, batch, out);
        Tensor y = on.allocate(batch, out), dx = on.allocate(batch, in);
        on.reluMatmul(xt, wt, bt, y);
        on.backwardInput(dzt, wt, ht, dx);
        on.sgdFused(dzt, xt, wt, bt, 0.01f);
        return new float[][] {download(on, y), download(on, dx), download(on, wt), download(on, bt)};
    }

    /** The forward's y, the gated dx, and w and b after a fused SGD step, on the given backend. */
    private static float[][] convResults(Backend on, float[] x, float[] gate, float[] w, float[] b, float[] dy,
                                         int batch, int channels, int side, int filters) {
        int positions = (side - 2) * (side - 2);
        Tensor xt = upload(on, x, batch, channels * side * side), gatet = upload(on, gate, batch, channels * side * side);
        Tensor wt = upload(on, w, filters, channels * 9), bt = upload(on, b, 1, filters);
        Tensor dyt = upload(on, dy, batch, filters * positions);
        Tensor y = on.allocate(batch, filters * positions), dx = on.allocate(batch, channels * side * side);
        on.conv3x3(xt, side, side, wt, bt, true, y);
        on.conv3x3BackwardInput(dyt, wt, side, side, gatet, dx);
        on.conv3x3SgdFused(dyt, xt, side, side, wt, bt, 0.01f);
        return new float[][] {download(on, y), download(on, dx), download(on, wt), download(on, bt)};
    }
}
