package org.relukit.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Runs one {@link SimdKernels#gemm} on several threads, in one of two ways.
 *
 * <p>{@link #gemm}: the rows of {@code c} are cut into pieces, 8 per thread; each thread owns a
 * range of them, the calling thread the first, takes its own from the front and, once they are
 * done, other threads' pieces from the back. Which thread computes a piece thus varies from run to
 * run; the rows and their sums do not. (With one fixed band per thread, the calling thread waited
 * for the helper 2–3 ms of a 16 ms step at batch 1024, the helper's band being 5–10% slower; with
 * the pieces, 2 threads gave 13% more steps/s: entry 22 of jmh/PERFORMANCE.md.)
 *
 * <p>{@link #gemmOwned}: thread t computes the same block of rows, or of columns, in every
 * product ({@link #boundary}), so that what it writes stays in its core's cache for the products
 * that read it next. A training step's products on a small batch use it: a layer's forward and
 * input gradient by columns, its weight update by rows, so each thread updates the weights whose
 * outputs it computes. Where the two cores share no cache, a line that the other core wrote costs
 * a trip between them; with the pieces, each thread read half the weights, activations and
 * gradients from the other one, and 2 threads ran the batch-64 step slower than one
 * (entry 40 of jmh/PERFORMANCE.md).
 *
 * <p>Each thread packs b ({@link SimdKernels#pack}), the columns it needs, into a buffer of its
 * own, and copies a where the tiles need it row-major into another: one thread's copy read by the
 * other was such a trip for every line.
 *
 * <p>The calling thread waits only for pieces that a helper has claimed and not finished, never for
 * a helper to arrive or to leave. A piece is claimed by compare-and-set on its range, and the
 * product's operands are read only after a claim succeeds; since the caller cannot start the next
 * product before the claimed piece is done, those operands are the claimed piece's own product's,
 * however late the helper.
 *
 * <p>Helpers wait for the next product as {@link HandOff} says: spinning for a while, then parked.
 *
 * <p>The product's operands are fields rather than a captured lambda, so a call allocates nothing.
 * Not for concurrent use: one product at a time, from one calling thread.
 */
final class ParallelGemm extends HandOff {
    /** Pieces of a product per thread in {@link #gemm}: enough that one thread can take over from a slower one. */
    private static final int PIECES_PER_THREAD = 8;

    private final int threads;
    /** Per thread: its range's unclaimed pieces, {@code [front, back)}, as {@code front << 32 | back}. */
    private final AtomicLongArray ranges;
    /** Pieces of the current product that are finished, failed ones included. */
    private final AtomicInteger done = new AtomicInteger();
    /** Products in which a helper computed a piece, so far: what the tests look at. */
    private final AtomicLong helperProducts = new AtomicLong();
    private volatile Throwable failure;

    /** The current product, published to the helpers by {@link #handOut}; {@code product} counts them. */
    private float[] a, b, c, bias, gate;
    private int aRow, aCol, ldb, rows, n, k, pieceRows, pieces;
    private boolean transposedB, owned, byColumns;
    private long product;
    /**
     * Per thread: b packed, the product it was packed for, and a copied row-major where the tiles do
     * not read it in place.
     */
    private final float[][] packed, aCopy;
    private final long[] packedFor;
    private float alpha, beta;
    private boolean relu;

    ParallelGemm(int threads) {
        this.threads = threads;
        ranges = new AtomicLongArray(threads);
        packed = new float[threads][0];
        aCopy = new float[threads][0];
        packedFor = new long[threads];
        String[] helpers = new String[threads - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = "relukit-simd-" + (h + 1);
        }
        start(helpers);
    }

    /** {@link SimdKernels#gemm} over rows {@code [0, m)}, in pieces of whole register tiles that any thread may take. */
    void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, boolean transposedB, float[] c, int m, int n, int k,
              float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        int share = Math.ceilDiv(m, threads * PIECES_PER_THREAD);
        pieceRows = Math.max(1, Math.ceilDiv(share, SimdKernels.MR)) * SimdKernels.MR;
        run(false, false, Math.ceilDiv(m, pieceRows), a, aRow, aCol, b, ldb, transposedB, c, m, n, k, alpha, beta,
                bias, relu, gate);
    }

    /** {@link SimdKernels#gemm} with thread t computing c's rows, or columns, {@code [boundary(t), boundary(t + 1))}. */
    void gemmOwned(boolean byColumns, float[] a, int aRow, int aCol, float[] b, int ldb, boolean transposedB, float[] c,
                   int m, int n, int k, float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        run(true, byColumns, threads, a, aRow, aCol, b, ldb, transposedB, c, m, n, k, alpha, beta, bias, relu, gate);
    }

    /**
     * Where thread t's block of a {@link #gemmOwned} product starts, of {@code size} rows or columns:
     * the even share rounded to whole vectors, so each thread's columns are whole vectors but the last
     * thread's last, and its rows whole register tiles. The same for every product of that size.
     */
    int boundary(int size, int t) {
        if (t >= threads) {
            return size;
        }
        int v = SimdKernels.V;
        return Math.min(size, (size * t / threads + v / 2) / v * v);
    }

    private void run(boolean owned, boolean byColumns, int pieces, float[] a, int aRow, int aCol, float[] b, int ldb,
                     boolean transposedB, float[] c, int m, int n, int k, float alpha, float beta, float[] bias,
                     boolean relu, float[] gate) {
        this.owned = owned;
        this.byColumns = byColumns;
        this.pieces = pieces;
        this.a = a;
        this.aRow = aRow;
        this.aCol = aCol;
        this.b = b;
        this.ldb = ldb;
        this.transposedB = transposedB;
        this.c = c;
        this.rows = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.bias = bias;
        this.relu = relu;
        this.gate = gate;
        product++;
        failure = null;
        // done before the ranges: a helper's claim on the new ranges counts into the new product.
        done.set(0);
        for (int t = 0; t < threads; t++) {
            ranges.set(t, (long) (pieces * t / threads) << 32 | pieces * (t + 1) / threads);
        }
        handOut();
        runPieces(0);
        while (done.get() != pieces) {
            Thread.onSpinWait();
        }
        rethrow(failure);
    }

    long helperProducts() {
        return helperProducts.get();
    }

    /**
     * Thread {@code t}'s pieces: its own range from the front, then, unless each thread owns its
     * block, the others' from the back. Returns whether it ran one.
     */
    private boolean runPieces(int t) {
        boolean took = false;
        for (int i = 0; i < threads; i++) {
            int u = (t + i) % threads;
            for (int piece; (piece = claim(u, i == 0)) >= 0; ) {
                runPiece(t, piece);
                took = true;
            }
            if (owned) {
                break;
            }
        }
        return took;
    }

    /** Claims an unclaimed piece of thread u's range, its first or its last; -1 when none is left. */
    private int claim(int u, boolean first) {
        while (true) {
            long range = ranges.get(u);
            int front = (int) (range >>> 32), back = (int) range;
            if (front >= back) {
                return -1;
            }
            long claimed = first ? range + (1L << 32) : range - 1;
            if (ranges.compareAndSet(u, range, claimed)) {
                return first ? front : back - 1;
            }
        }
    }

    /**
     * Thread t runs one piece, first packing b if it has not for this product, and counts the piece
     * done, failed or not; a failure is kept for the caller to throw.
     */
    private void runPiece(int t, int piece) {
        try {
            int rowFrom = 0, rowTo = rows, colFrom = 0, colTo = n;
            if (!owned) {
                rowFrom = piece * pieceRows;
                rowTo = Math.min(rows, rowFrom + pieceRows);
            } else if (byColumns) {
                colFrom = boundary(n, piece);
                colTo = boundary(n, piece + 1);
            } else {
                rowFrom = boundary(rows, piece);
                rowTo = boundary(rows, piece + 1);
            }
            if (rowFrom == rowTo || colFrom == colTo) {
                return;
            }
            if (packedFor[t] != product) {
                packed[t] = atLeast(packed[t], SimdKernels.packedSize(n, k));
                aCopy[t] = atLeast(aCopy[t], SimdKernels.leftCopySize(rows, k, aRow, aCol, alpha, beta, bias,
                        relu, gate));
                SimdKernels.pack(b, ldb, transposedB, colFrom, colTo, k, packed[t]);
                packedFor[t] = product;
            }
            SimdKernels.gemm(a, aRow, aCol, aCopy[t], packed[t], c, rowFrom, rowTo, colFrom, colTo, n, k, alpha, beta,
                    bias, relu, gate);
        } catch (Throwable failed) {
            failure = failed;
        } finally {
            done.incrementAndGet();
        }
    }

    /** {@code array}, or a new one when it is shorter than {@code size}: a buffer grows on a helper only while shapes do. */
    private static float[] atLeast(float[] array, int size) {
        return array.length < size ? new float[size] : array;
    }

    /** Helper {@code index} takes thread index + 1's pieces first (thread 0 is the caller). */
    @Override
    protected void work(int index, int generation) {
        if (runPieces(index + 1)) {
            helperProducts.incrementAndGet();
        }
    }
}
