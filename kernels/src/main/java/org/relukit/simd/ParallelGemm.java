package org.relukit.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link SimdKernels#gemm} on several threads, each taking a band of rows of {@code c}:
 * the calling thread the first band, a helper thread each of the others.
 *
 * <p>Helpers wait for the next product by spinning for a while, then park. A training step hands
 * out a product every few hundred microseconds, and a parked thread must first be woken; so,
 * as OpenMP runtimes do, the helpers stay awake between the products of a step. (With an
 * executor's hand-off per product, 2 threads were 6% ahead of 1 at batch 1024; with these
 * helpers, 34% in the JMH step benchmark: jmh/PERFORMANCE.md.)
 *
 * <p>The product's operands are fields rather than a captured lambda, so a call allocates nothing.
 * Not for concurrent use: one product at a time, from one calling thread.
 */
final class ParallelGemm implements AutoCloseable {
    /** How long an idle helper spins before it parks; longer than the gap between two products of a step. */
    private static final long SPIN_NANOS = 500_000;

    private final Thread[] helpers;
    private final AtomicInteger running = new AtomicInteger();
    /** Bands of rows the helpers have computed, so far: what the tests look at. */
    private final AtomicLong helperBands = new AtomicLong();
    /** Bumped for every product; its volatile write publishes the fields below to the helpers. */
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    private float[] a, b, c, bias, gate;
    private int aRow, aCol, ldb, rows, n, k, band;
    private float alpha, beta;
    private boolean relu;

    ParallelGemm(int threads) {
        helpers = new Thread[threads - 1];
        for (int h = 0; h < helpers.length; h++) {
            int index = h + 1;
            helpers[h] = new Thread(() -> helperLoop(index), "relukit-simd-" + index);
            helpers[h].setDaemon(true);
            helpers[h].start();
        }
    }

    int threads() {
        return helpers.length + 1;
    }

    /** {@link SimdKernels#gemm} over rows {@code [0, m)}, in bands of whole register tiles. */
    void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int m, int n, int k,
              float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        int parts = Math.min(threads(), m / SimdKernels.MR);
        this.a = a;
        this.aRow = aRow;
        this.aCol = aCol;
        this.b = b;
        this.ldb = ldb;
        this.c = c;
        this.rows = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.bias = bias;
        this.relu = relu;
        this.gate = gate;
        int share = (m + parts - 1) / parts;
        this.band = (share + SimdKernels.MR - 1) / SimdKernels.MR * SimdKernels.MR;
        failure = null;
        running.set(helpers.length);
        generation++;
        for (Thread helper : helpers) {
            LockSupport.unpark(helper);
        }
        try {
            runBand(0);
        } catch (Throwable t) {
            failure = t;
        }
        while (running.get() != 0) {
            Thread.onSpinWait();
        }
        Throwable failed = failure;
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
    }

    long helperBands() {
        return helperBands.get();
    }

    private void runBand(int index) {
        int from = index * band, to = Math.min(rows, from + band);
        if (from < to) {
            SimdKernels.gemm(a, aRow, aCol, b, ldb, c, from, to, n, k, alpha, beta, bias, relu, gate);
        }
    }

    private void helperLoop(int index) {
        int seen = 0;
        while (true) {
            long idleSince = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                runBand(index);
                helperBands.incrementAndGet();
            } catch (Throwable t) {
                failure = t;
            }
            running.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread helper : helpers) {
            LockSupport.unpark(helper);
        }
    }
}
