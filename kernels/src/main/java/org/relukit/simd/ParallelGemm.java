package org.relukit.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one {@link SimdKernels#gemm} on several threads. The rows of {@code c} are cut into pieces,
 * 8 per thread; each thread owns a range of them, the calling thread the first, and takes pieces
 * from another thread's range once its own are done. Which thread computes a piece thus varies
 * from run to run; the rows and their sums do not. (With one fixed band per thread, the calling
 * thread waited for the helper 2–3 ms of a 16 ms step at batch 1024, the helper's band being 5–10%
 * slower; with the pieces, 2 threads gave 13% more steps/s: entry 22 of jmh/PERFORMANCE.md.)
 *
 * <p>Helpers wait for the next product as {@link HandOff} says: spinning for a while, then parked.
 *
 * <p>The product's operands are fields rather than a captured lambda, so a call allocates nothing.
 * Not for concurrent use: one product at a time, from one calling thread.
 */
final class ParallelGemm extends HandOff {
    /** Pieces of a product per thread: enough that one thread can take over from a slower one. */
    private static final int PIECES_PER_THREAD = 8;

    private final int threads;
    private final AtomicInteger running = new AtomicInteger();
    /** Products in which a helper computed its pieces without failing, so far: what the tests look at. */
    private final AtomicLong helperProducts = new AtomicLong();
    private volatile Throwable failure;

    /** The current product, published to the helpers by {@link #handOut}. */
    private float[] a, aCopy, b, c, bias, gate;
    private int aRow, aCol, rows, n, k, pieceRows, pieces;
    /** Per thread: the next unclaimed piece of its range ({@link #rangeStart}). */
    private final AtomicIntegerArray next;
    /** Per thread: 1 while the last piece of its range is unclaimed. */
    private final AtomicIntegerArray last;
    private float alpha, beta;
    private boolean relu;

    ParallelGemm(int threads) {
        this.threads = threads;
        next = new AtomicIntegerArray(threads);
        last = new AtomicIntegerArray(threads);
        String[] helpers = new String[threads - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = "relukit-simd-" + (h + 1);
        }
        start(helpers);
    }

    int threads() {
        return threads;
    }

    /**
     * {@link SimdKernels#gemm} over rows {@code [0, m)}, in pieces of whole register tiles; b is
     * packed, and each thread copies its rows of a into {@code aCopy} where the tiles need a row-major a.
     */
    void gemm(float[] a, int aRow, int aCol, float[] aCopy, float[] b, float[] c, int m, int n, int k,
              float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        this.a = a;
        this.aCopy = aCopy;
        this.aRow = aRow;
        this.aCol = aCol;
        this.b = b;
        this.c = c;
        this.rows = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.bias = bias;
        this.relu = relu;
        this.gate = gate;
        int share = Math.ceilDiv(m, threads * PIECES_PER_THREAD);
        pieceRows = Math.max(1, Math.ceilDiv(share, SimdKernels.MR)) * SimdKernels.MR;
        pieces = Math.ceilDiv(m, pieceRows);
        for (int t = 0; t < threads; t++) {
            next.set(t, rangeStart(t));
            last.set(t, 1);
        }
        failure = null;
        running.set(threads - 1);
        handOut();
        try {
            runPieces(0);
        } catch (Throwable t) {
            failure = t;
        }
        while (running.get() != 0) {
            Thread.onSpinWait();
        }
        rethrow(failure);
    }

    long helperProducts() {
        return helperProducts.get();
    }

    /**
     * Thread {@code t}'s pieces: the last of its own range first, then the rest of its range from the
     * front, then what is left of the other threads' ranges, their last pieces included. A faster
     * thread thus takes over a slower one's pieces, and the calling thread never waits for a helper
     * that has not started. (When each thread kept its range's last piece to itself, one process in
     * five or so ran batch-64 steps on 2 threads at 0.6× one thread's speed, from start to end;
     * fewer since, but not none: entry 39 of jmh/PERFORMANCE.md.) Each row is still computed whole by one thread, so the bits
     * do not depend on who. Returns whether the thread computed a piece.
     */
    private boolean runPieces(int t) {
        int threads = threads();
        boolean took = runLastPiece(t);
        for (int i = 0; i < threads; i++) {
            int u = (t + i) % threads, end = rangeStart(u + 1) - 1;
            for (int piece; (piece = next.getAndIncrement(u)) < end; ) {
                runPiece(piece);
                took = true;
            }
        }
        for (int i = 1; i < threads; i++) {
            took |= runLastPiece((t + i) % threads);
        }
        return took;
    }

    /** Runs the last piece of thread u's range, unless the range is empty or another thread claimed it first. */
    private boolean runLastPiece(int u) {
        if (rangeStart(u + 1) == rangeStart(u) || !last.compareAndSet(u, 1, 0)) {
            return false;
        }
        runPiece(rangeStart(u + 1) - 1);
        return true;
    }

    /** The first piece of thread {@code t}'s range; thread t's range ends where thread t + 1's starts. */
    private int rangeStart(int t) {
        return pieces * t / threads();
    }

    private void runPiece(int piece) {
        int from = piece * pieceRows, to = Math.min(rows, from + pieceRows);
        SimdKernels.gemm(a, aRow, aCol, aCopy, b, c, from, to, n, k, alpha, beta, bias, relu, gate);
    }

    /** Helper {@code index} computes thread index + 1's pieces (thread 0 is the caller). */
    @Override
    protected void work(int index, int generation) {
        try {
            if (runPieces(index + 1)) {
                helperProducts.incrementAndGet();
            }
        } catch (Throwable t) {
            failure = t;
        }
        running.decrementAndGet();
    }
}
