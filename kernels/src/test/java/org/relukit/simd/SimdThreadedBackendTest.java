package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Tensor;

/**
 * The SIMD backend on two threads. A product is split across threads when m·n·k ≥ 2^22 and
 * m ≥ 8: the workload products that qualify, plus products whose row split is uneven (exactly 8
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

    /** Not a timing: a big product hands a band of rows to the helper thread, a small one does not. */
    @Test
    void bigProductsAreSplitAcrossThreads() {
        RandomTensors random = random("split", "");
        Tensor small = tensor(random.signed(64 * 64), 64, 64);
        Tensor smallOut = poisoned(64, 64);
        long before = simd.bandsOnHelpers();
        backend.matmul(small, false, small, true, smallOut, 1f, 0f);
        assertEquals(before, simd.bandsOnHelpers(), "a 64x64x64 product should stay on the calling thread");
        Tensor a = tensor(random.signed(256 * 256), 256, 256);
        Tensor c = poisoned(256, 256);
        backend.matmul(a, false, a, true, c, 1f, 0f);
        assertEquals(before + 1, simd.bandsOnHelpers(), "a 256x256x256 product on 2 threads should give one band to the helper");
    }
}
