package org.relukit.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels over row-major arrays. Every matrix product of the workload is one call of
 * {@link #gemm}: {@code c = epilogue(a · b)}, with a read at any strides (so a transposed left
 * operand costs nothing) and b first copied into panels ({@link #pack}), row-major or transposed,
 * so weights and activations are used where they lie. The last partial vector of a row is
 * computed whole and stored under a mask. Scaling and accumulating into c happen in
 * registers before the single store, which is what fuses the SGD update into the weight gradient.
 * Bias and ReLU (a forward layer) or the gate (an input gradient) are applied in the registers of
 * the 8-row tiles ({@link #tile8x3Forward}, {@link #tile8x3Gate} and their 8 × 2 and 8 × 1 kin);
 * after the other tiles, to the tile just stored, or to the row chunk once its tiles are stored
 * ({@link #FINISH_EACH_TILE}).
 */
final class SimdKernels {
    private static final VectorSpecies<Float> S = SimdSpecies.FLOAT;
    static final int V = S.length();

    /** Rows of the largest register tile; a thread's share of rows is a multiple of it. */
    static final int MR = 8;
    /**
     * A row chunk of a is at most this many floats (128 KB), so it stays in L2 while the column
     * blocks pass over it. (Blocking k as well, to keep b's panel in L1, measured no better.)
     */
    private static final int A_CHUNK_FLOATS = 32 * 1024;
    /**
     * The 8-row tiles need 24 accumulators, 3 loads of b and a broadcast: AVX-512's 32 registers
     * hold them, AVX2's 16 do not, and there the 4-row tiles (12 accumulators) run faster (batch 64
     * step: 410–424 → 678–700 steps/s on an AVX2 EPYC; jmh/PERFORMANCE.md). Row tiles never change
     * a sum's order, so the results are the same bits either way.
     */
    private static final boolean EIGHT_ROW_TILES = SimdSpecies.EIGHT_ROW_TILES;
    /**
     * Where the epilogue (bias, ReLU, gate) runs: on the tiles just stored, while they are in L1
     * (the 8-row tiles of a column block together, the smaller ones one by one), or once over a row
     * chunk after all its tiles. Per tile measured faster on the AVX-512 VM (entry 11 of
     * jmh/PERFORMANCE.md), and per column block faster still at batch 1024, where the gate's rows
     * are then read in longer runs (entry 33); on the AVX2 EPYC the per-tile gate reads were cache
     * misses that no prefetcher foresaw, a quarter of the input gradient's time at batch 1024, and
     * per chunk the step ran 1.8× faster there (entry 19). It goes with the tile height, which tells
     * the two machines apart; the bits are the same either way.
     */
    private static final boolean FINISH_EACH_TILE = EIGHT_ROW_TILES;

    /**
     * The 8 × 8 blocks use {@link SimdSpecies#FLOAT} itself, so that the process has one vector
     * species: beside a second one the Vector API's shared call sites see two vector classes, and C2
     * then at times boxed every vector of the conv kernels' loops (entry 36 of jmh/PERFORMANCE.md).
     * 8 lanes hold one block, 16 lanes two side by side; with 4 lanes the transpose stays scalar.
     */
    private static final boolean BLOCK_TRANSPOSE = V == 8 || V == 16;
    /** Stage s of a block (s = 1, 2, 4): lane h of each 8-lane half takes lane h with bit s cleared, or set. */
    private static final VectorShuffle<Float> FROM_LEFT_1 = blockShuffle(1, false), FROM_RIGHT_1 = blockShuffle(1, true);
    private static final VectorShuffle<Float> FROM_LEFT_2 = blockShuffle(2, false), FROM_RIGHT_2 = blockShuffle(2, true);
    private static final VectorShuffle<Float> FROM_LEFT_4 = blockShuffle(4, false), FROM_RIGHT_4 = blockShuffle(4, true);
    /** The lanes whose bit s is set, in each 8-lane half. */
    private static final VectorMask<Float> ODD_1 = blockMask(1), ODD_2 = blockMask(2), ODD_4 = blockMask(4);
    /** With 16 lanes, the left block's lanes and the right one's. */
    private static final VectorMask<Float> FIRST_8 = S.indexInRange(0, 8), LAST_8 = FIRST_8.not();
    /** With 16 lanes, lanes 8–15 moved to 0–7 and back. */
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromOp(S, lane -> (lane + 8) % V);
    /** A thread's 8 partial last vectors of a {@link #tile8x2}, on their way to c. */
    private static final ThreadLocal<float[]> EDGE_ROWS = ThreadLocal.withInitial(() -> new float[8 * V]);
    /** With 16 lanes, a thread's 8 transposed rows of a block pair, on their way to t. */
    private static final ThreadLocal<float[]> BLOCK_PAIR = ThreadLocal.withInitial(() -> new float[8 * 16]);

    private SimdKernels() {}

    private static VectorShuffle<Float> blockShuffle(int bit, boolean set) {
        return VectorShuffle.fromOp(S, lane -> set ? lane | bit : lane & ~bit);
    }

    private static VectorMask<Float> blockMask(int bit) {
        boolean[] odd = new boolean[V];
        for (int lane = 0; lane < V; lane++) {
            odd[lane] = (lane & bit) != 0;
        }
        return VectorMask.fromArray(S, odd, 0);
    }

    /**
     * The row stride for a scratch matrix with n columns: n, plus a cache line when the rows would
     * lie a multiple of 1 KB apart. Then the same columns of k rows (a panel being packed, a block
     * being transformed) would fall into a few L1 sets and evict each other; at 1024², when the
     * tiles still read b in place, that cost a third of the speed (entry 8 of jmh/PERFORMANCE.md).
     */
    static int paddedStride(int n) {
        return (n * Float.BYTES) % 1024 == 0 && n > 0 ? n + 64 / Float.BYTES : n;
    }
    /**
     * {@code t[p·ldt + j] = w[j][p]} for a row-major {@code w[n × k]}: blocks in registers where the
     * species has 8 or 16 lanes (16 × 16 with 16 lanes, {@link #transposeSixteen}; then 8 × 8,
     * {@link #transposeBlocks}), the edges one float at a time.
     */
    static void transpose(float[] w, int n, int k, float[] t, int ldt) {
        transpose(w, 0, n, k, t, 0, ldt);
    }

    /** {@link #transpose} of the {@code n × k} matrix at {@code w[wOff]} into {@code t[tOff + p·ldt + j]}. */
    static void transpose(float[] w, int wOff, int n, int k, float[] t, int tOff, int ldt) {
        transpose(w, wOff, n, k, k, t, tOff, ldt);
    }

    /** {@link #transpose} of the {@code n × k} matrix at {@code w[wOff]}, rows {@code ldw} apart, into {@code t[tOff + p·ldt + j]}. */
    static void transpose(float[] w, int wOff, int n, int k, int ldw, float[] t, int tOff, int ldt) {
        if (!BLOCK_TRANSPOSE) {
            transposeScalar(w, wOff, n, k, ldw, t, tOff, ldt);
            return;
        }
        float[] pair = V == 16 ? BLOCK_PAIR.get() : null;
        int j = 0;
        if (V == 16) {
            for (; j + 16 <= n; j += 16) {
                int p = 0;
                for (; p + 16 <= k; p += 16) {
                    transposeSixteen(w, wOff + j * ldw + p, ldw, t, tOff + p * ldt + j, ldt);
                }
                transposeEight(w, wOff, j, p, k, ldw, t, tOff, ldt, pair);
                transposeEight(w, wOff, j + 8, p, k, ldw, t, tOff, ldt, pair);
            }
        }
        for (; j + 8 <= n; j += 8) {
            transposeEight(w, wOff, j, 0, k, ldw, t, tOff, ldt, pair);
        }
        transposeScalar(w, wOff + j * ldw, n - j, k, ldw, t, tOff + j, ldt);
    }

    /** Rows {@code [j, j + 8)} of {@link #transpose}, from column p on. */
    private static void transposeEight(float[] w, int wOff, int j, int p, int k, int ldw, float[] t, int tOff,
                                       int ldt, float[] pair) {
        for (; p + V <= k; p += V) {
            transposeBlocks(w, wOff + j * ldw + p, ldw, t, tOff + p * ldt + j, ldt, pair, true);
        }
        if (V == 16 && p + 8 <= k && wOff + (j + 7) * ldw + p + V <= w.length) {
            // One block left: its rows are read 16 floats long, the right half unused.
            transposeBlocks(w, wOff + j * ldw + p, ldw, t, tOff + p * ldt + j, ldt, pair, false);
            p += 8;
        }
        transposeScalar(w, wOff + j * ldw + p, 8, k - p, ldw, t, tOff + p * ldt + j, ldt);
    }

    /**
     * The 16 × 16 block {@code t[tOff + c·ldt + r] = w[wOff + r·ldw + c]} with 16 lanes: each 8 rows
     * through {@link #transposeBlocks}' three stages, then the two halves joined, lane halves
     * swapped, so each of t's 16 rows is one whole store. Eight rows at a time stored each vector
     * twice, 8 floats of it to be rewritten by the next group: the forward's packs of W took 1.45×
     * as long (entry 41 of jmh/PERFORMANCE.md). Written out, not a loop over the halves: the vectors
     * must stay in locals for C2 not to box them.
     */
    private static void transposeSixteen(float[] w, int wOff, int ldw, float[] t, int tOff, int ldt) {
        FloatVector r0 = FloatVector.fromArray(S, w, wOff), r1 = FloatVector.fromArray(S, w, wOff + ldw);
        FloatVector r2 = FloatVector.fromArray(S, w, wOff + 2 * ldw), r3 = FloatVector.fromArray(S, w, wOff + 3 * ldw);
        FloatVector r4 = FloatVector.fromArray(S, w, wOff + 4 * ldw), r5 = FloatVector.fromArray(S, w, wOff + 5 * ldw);
        FloatVector r6 = FloatVector.fromArray(S, w, wOff + 6 * ldw), r7 = FloatVector.fromArray(S, w, wOff + 7 * ldw);
        FloatVector x0 = r0.blend(r1.rearrange(FROM_LEFT_1), ODD_1), x1 = r0.rearrange(FROM_RIGHT_1).blend(r1, ODD_1);
        FloatVector x2 = r2.blend(r3.rearrange(FROM_LEFT_1), ODD_1), x3 = r2.rearrange(FROM_RIGHT_1).blend(r3, ODD_1);
        FloatVector x4 = r4.blend(r5.rearrange(FROM_LEFT_1), ODD_1), x5 = r4.rearrange(FROM_RIGHT_1).blend(r5, ODD_1);
        FloatVector x6 = r6.blend(r7.rearrange(FROM_LEFT_1), ODD_1), x7 = r6.rearrange(FROM_RIGHT_1).blend(r7, ODD_1);
        FloatVector y0 = x0.blend(x2.rearrange(FROM_LEFT_2), ODD_2), y1 = x0.rearrange(FROM_RIGHT_2).blend(x2, ODD_2);
        FloatVector y2 = x1.blend(x3.rearrange(FROM_LEFT_2), ODD_2), y3 = x1.rearrange(FROM_RIGHT_2).blend(x3, ODD_2);
        FloatVector y4 = x4.blend(x6.rearrange(FROM_LEFT_2), ODD_2), y5 = x4.rearrange(FROM_RIGHT_2).blend(x6, ODD_2);
        FloatVector y6 = x5.blend(x7.rearrange(FROM_LEFT_2), ODD_2), y7 = x5.rearrange(FROM_RIGHT_2).blend(x7, ODD_2);
        FloatVector z0 = y0.blend(y4.rearrange(FROM_LEFT_4), ODD_4), z1 = y2.blend(y6.rearrange(FROM_LEFT_4), ODD_4);
        FloatVector z2 = y1.blend(y5.rearrange(FROM_LEFT_4), ODD_4), z3 = y3.blend(y7.rearrange(FROM_LEFT_4), ODD_4);
        FloatVector z4 = y0.rearrange(FROM_RIGHT_4).blend(y4, ODD_4), z5 = y2.rearrange(FROM_RIGHT_4).blend(y6, ODD_4);
        FloatVector z6 = y1.rearrange(FROM_RIGHT_4).blend(y5, ODD_4), z7 = y3.rearrange(FROM_RIGHT_4).blend(y7, ODD_4);
        int w8 = wOff + 8 * ldw;
        r0 = FloatVector.fromArray(S, w, w8);
        r1 = FloatVector.fromArray(S, w, w8 + ldw);
        r2 = FloatVector.fromArray(S, w, w8 + 2 * ldw);
        r3 = FloatVector.fromArray(S, w, w8 + 3 * ldw);
        r4 = FloatVector.fromArray(S, w, w8 + 4 * ldw);
        r5 = FloatVector.fromArray(S, w, w8 + 5 * ldw);
        r6 = FloatVector.fromArray(S, w, w8 + 6 * ldw);
        r7 = FloatVector.fromArray(S, w, w8 + 7 * ldw);
        x0 = r0.blend(r1.rearrange(FROM_LEFT_1), ODD_1);
        x1 = r0.rearrange(FROM_RIGHT_1).blend(r1, ODD_1);
        x2 = r2.blend(r3.rearrange(FROM_LEFT_1), ODD_1);
        x3 = r2.rearrange(FROM_RIGHT_1).blend(r3, ODD_1);
        x4 = r4.blend(r5.rearrange(FROM_LEFT_1), ODD_1);
        x5 = r4.rearrange(FROM_RIGHT_1).blend(r5, ODD_1);
        x6 = r6.blend(r7.rearrange(FROM_LEFT_1), ODD_1);
        x7 = r6.rearrange(FROM_RIGHT_1).blend(r7, ODD_1);
        y0 = x0.blend(x2.rearrange(FROM_LEFT_2), ODD_2);
        y1 = x0.rearrange(FROM_RIGHT_2).blend(x2, ODD_2);
        y2 = x1.blend(x3.rearrange(FROM_LEFT_2), ODD_2);
        y3 = x1.rearrange(FROM_RIGHT_2).blend(x3, ODD_2);
        y4 = x4.blend(x6.rearrange(FROM_LEFT_2), ODD_2);
        y5 = x4.rearrange(FROM_RIGHT_2).blend(x6, ODD_2);
        y6 = x5.blend(x7.rearrange(FROM_LEFT_2), ODD_2);
        y7 = x5.rearrange(FROM_RIGHT_2).blend(x7, ODD_2);
        FloatVector u0 = y0.blend(y4.rearrange(FROM_LEFT_4), ODD_4);
        z0.blend(u0.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff);
        z0.rearrange(SWAP_HALVES).blend(u0, LAST_8).intoArray(t, tOff + 8 * ldt);
        FloatVector u1 = y2.blend(y6.rearrange(FROM_LEFT_4), ODD_4);
        z1.blend(u1.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + ldt);
        z1.rearrange(SWAP_HALVES).blend(u1, LAST_8).intoArray(t, tOff + 9 * ldt);
        FloatVector u2 = y1.blend(y5.rearrange(FROM_LEFT_4), ODD_4);
        z2.blend(u2.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 2 * ldt);
        z2.rearrange(SWAP_HALVES).blend(u2, LAST_8).intoArray(t, tOff + 10 * ldt);
        FloatVector u3 = y3.blend(y7.rearrange(FROM_LEFT_4), ODD_4);
        z3.blend(u3.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 3 * ldt);
        z3.rearrange(SWAP_HALVES).blend(u3, LAST_8).intoArray(t, tOff + 11 * ldt);
        FloatVector u4 = y0.rearrange(FROM_RIGHT_4).blend(y4, ODD_4);
        z4.blend(u4.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 4 * ldt);
        z4.rearrange(SWAP_HALVES).blend(u4, LAST_8).intoArray(t, tOff + 12 * ldt);
        FloatVector u5 = y2.rearrange(FROM_RIGHT_4).blend(y6, ODD_4);
        z5.blend(u5.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 5 * ldt);
        z5.rearrange(SWAP_HALVES).blend(u5, LAST_8).intoArray(t, tOff + 13 * ldt);
        FloatVector u6 = y1.rearrange(FROM_RIGHT_4).blend(y5, ODD_4);
        z6.blend(u6.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 6 * ldt);
        z6.rearrange(SWAP_HALVES).blend(u6, LAST_8).intoArray(t, tOff + 14 * ldt);
        FloatVector u7 = y3.rearrange(FROM_RIGHT_4).blend(y7, ODD_4);
        z7.blend(u7.rearrange(SWAP_HALVES), LAST_8).intoArray(t, tOff + 7 * ldt);
        z7.rearrange(SWAP_HALVES).blend(u7, LAST_8).intoArray(t, tOff + 15 * ldt);
    }

    /**
     * {@link #transpose} one float at a time, eight rows read side by side so the writes are runs
     * of eight floats rather than single floats a whole row apart. With a 4-lane species this does
     * it all.
     */
    static void transposeScalar(float[] w, int wOff, int n, int k, int ldw, float[] t, int tOff, int ldt) {
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            int r = wOff + j * ldw;
            for (int p = 0, o = tOff + j; p < k; p++, o += ldt) {
                t[o] = w[r + p];
                t[o + 1] = w[r + ldw + p];
                t[o + 2] = w[r + 2 * ldw + p];
                t[o + 3] = w[r + 3 * ldw + p];
                t[o + 4] = w[r + 4 * ldw + p];
                t[o + 5] = w[r + 5 * ldw + p];
                t[o + 6] = w[r + 6 * ldw + p];
                t[o + 7] = w[r + 7 * ldw + p];
            }
        }
        for (; j < n; j++) {
            for (int p = 0; p < k; p++) {
                t[tOff + p * ldt + j] = w[wOff + j * ldw + p];
            }
        }
    }

    /**
     * The 8 × 8 block {@code t[tOff + c·ldt + r] = w[wOff + r·ldw + c]}, and with 16 lanes and
     * {@code both} the block to its right too, each 8-lane half of a vector on its own block. Three
     * stages swap the off-diagonal halves of 2 × 2, 4 × 4 and 8 × 8 sub-blocks. Each output of a
     * stage is one single-vector lane move and one blend with constant masks: the two-vector
     * {@code rearrange} costs more on AVX2 (entries 24 and 28 of jmh/PERFORMANCE.md).
     *
     * <p>With 16 lanes a transposed row holds 8 floats of t's row c and 8 of its row 8 + c; they go
     * through {@code pair} to {@link #storeBlockPair}'s masked stores (these are the 8 rows that
     * {@link #transposeSixteen} leaves). With those stores in this method, C1 ran out of virtual
     * registers on it and left it in code that boxes every vector (entry 36).
     */
    private static void transposeBlocks(float[] w, int wOff, int ldw, float[] t, int tOff, int ldt, float[] pair,
                                        boolean both) {
        FloatVector r0 = FloatVector.fromArray(S, w, wOff), r1 = FloatVector.fromArray(S, w, wOff + ldw);
        FloatVector r2 = FloatVector.fromArray(S, w, wOff + 2 * ldw), r3 = FloatVector.fromArray(S, w, wOff + 3 * ldw);
        FloatVector r4 = FloatVector.fromArray(S, w, wOff + 4 * ldw), r5 = FloatVector.fromArray(S, w, wOff + 5 * ldw);
        FloatVector r6 = FloatVector.fromArray(S, w, wOff + 6 * ldw), r7 = FloatVector.fromArray(S, w, wOff + 7 * ldw);
        // After stage 1, x0 holds columns 0, 2, 4, 6 of rows 0–1 interleaved, x1 columns 1, 3, 5, 7.
        FloatVector x0 = r0.blend(r1.rearrange(FROM_LEFT_1), ODD_1), x1 = r0.rearrange(FROM_RIGHT_1).blend(r1, ODD_1);
        FloatVector x2 = r2.blend(r3.rearrange(FROM_LEFT_1), ODD_1), x3 = r2.rearrange(FROM_RIGHT_1).blend(r3, ODD_1);
        FloatVector x4 = r4.blend(r5.rearrange(FROM_LEFT_1), ODD_1), x5 = r4.rearrange(FROM_RIGHT_1).blend(r5, ODD_1);
        FloatVector x6 = r6.blend(r7.rearrange(FROM_LEFT_1), ODD_1), x7 = r6.rearrange(FROM_RIGHT_1).blend(r7, ODD_1);
        // After stage 2, y0 holds columns 0 and 4 of rows 0–3, y1 columns 2 and 6, y2 1 and 5, y3 3 and 7.
        FloatVector y0 = x0.blend(x2.rearrange(FROM_LEFT_2), ODD_2), y1 = x0.rearrange(FROM_RIGHT_2).blend(x2, ODD_2);
        FloatVector y2 = x1.blend(x3.rearrange(FROM_LEFT_2), ODD_2), y3 = x1.rearrange(FROM_RIGHT_2).blend(x3, ODD_2);
        FloatVector y4 = x4.blend(x6.rearrange(FROM_LEFT_2), ODD_2), y5 = x4.rearrange(FROM_RIGHT_2).blend(x6, ODD_2);
        FloatVector y6 = x5.blend(x7.rearrange(FROM_LEFT_2), ODD_2), y7 = x5.rearrange(FROM_RIGHT_2).blend(x7, ODD_2);
        FloatVector z0 = y0.blend(y4.rearrange(FROM_LEFT_4), ODD_4), z1 = y2.blend(y6.rearrange(FROM_LEFT_4), ODD_4);
        FloatVector z2 = y1.blend(y5.rearrange(FROM_LEFT_4), ODD_4), z3 = y3.blend(y7.rearrange(FROM_LEFT_4), ODD_4);
        FloatVector z4 = y0.rearrange(FROM_RIGHT_4).blend(y4, ODD_4), z5 = y2.rearrange(FROM_RIGHT_4).blend(y6, ODD_4);
        FloatVector z6 = y1.rearrange(FROM_RIGHT_4).blend(y5, ODD_4), z7 = y3.rearrange(FROM_RIGHT_4).blend(y7, ODD_4);
        if (V == 8) {
            z0.intoArray(t, tOff);
            z1.intoArray(t, tOff + ldt);
            z2.intoArray(t, tOff + 2 * ldt);
            z3.intoArray(t, tOff + 3 * ldt);
            z4.intoArray(t, tOff + 4 * ldt);
            z5.intoArray(t, tOff + 5 * ldt);
            z6.intoArray(t, tOff + 6 * ldt);
            z7.intoArray(t, tOff + 7 * ldt);
            return;
        }
        z0.intoArray(pair, 0);
        z1.intoArray(pair, V);
        z2.intoArray(pair, 2 * V);
        z3.intoArray(pair, 3 * V);
        z4.intoArray(pair, 4 * V);
        z5.intoArray(pair, 5 * V);
        z6.intoArray(pair, 6 * V);
        z7.intoArray(pair, 7 * V);
        storeBlockPair(pair, t, tOff, ldt, both);
    }

    /** Row c of {@code pair} holds column c of the left block in lanes 0–7 and of the right one in 8–15. */
    private static void storeBlockPair(float[] pair, float[] t, int tOff, int ldt, boolean both) {
        for (int c = 0; c < 8; c++) {
            FloatVector z = FloatVector.fromArray(S, pair, c * V);
            z.intoArray(t, tOff + c * ldt, FIRST_8);
            if (both) {
                // Lanes 8–15 land on the first 8 floats of t's row 8 + c.
                z.intoArray(t, tOff + (8 + c) * ldt - 8, LAST_8);
            }
        }
    }

    /** The floats {@link #pack} writes: k rows of the n columns rounded up to whole vectors. */
    static int packedSize(int n, int k) {
        return k * Math.ceilDiv(n, V) * V;
    }

    /**
     * Where a product's three-vector column blocks end. On AVX2 they take every whole three vectors
     * and the rest goes one vector at a time. With the 8-row tiles the vectors left after them go
     * two at a time instead, the partial last vector included: one or three vectors left over give
     * back one three-vector block, so that 4 = 2 + 2 and 6 = 2 + 2 + 2. The 8 × 1 tile, with 8
     * broadcasts per vector load, ran at about half the 8 × 3 tile's speed and took 13% of the
     * batch-64 step, where every layer's last vector is partial (entry 38 of jmh/PERFORMANCE.md).
     */
    private static int threeBlockEnd(int n) {
        int blocks = n / (3 * V);
        if (EIGHT_ROW_TILES && blocks > 0) {
            int left = Math.ceilDiv(n, V) - 3 * blocks;
            if (left == 1 || left == 3) {
                blocks--;
            }
        }
        return 3 * V * blocks;
    }

    /** Whether the column block at j is two vectors wide (after {@link #threeBlockEnd}); otherwise one. */
    private static boolean twoVectorBlock(int j, int n) {
        return EIGHT_ROW_TILES && n - j > V;
    }

    /**
     * Copies the right operand of a product, {@code b(p, j)} for {@code p < k}, {@code j < n}, into
     * the panels its tiles read: the column block at j, three, two or one vectors wide
     * ({@link #threeBlockEnd}), goes to {@code packed[j·k + p·width + q] = b(p, j + q)}. b is read as
     * {@code b[p·ldb + j]}, or with {@code transposed} as {@code b[j·ldb + p]}, so a forward layer
     * reads its weights where they lie, transposed into the panels by {@link #transpose}'s blocks.
     *
     * <p>Why a copy: the tiles then read b contiguously at a constant stride, so C2 drops their loads'
     * bounds checks, and a panel of 3 vectors × k stays in L1 for all of c's rows. The 4 × 3 tile on
     * this AVX2 CPU ran 8–15% faster (entry 29 of jmh/PERFORMANCE.md). It is one pass over b per
     * product; on several threads each packs the columns it needs into panels of its own
     * ({@link ParallelGemm}). The lanes of a
     * partial last vector past column n hold whatever they held: only masked stores read them.
     */
    static void pack(float[] b, int ldb, boolean transposed, int n, int k, float[] packed) {
        pack(b, ldb, transposed, 0, n, k, packed);
    }

    /**
     * {@link #pack} of columns {@code [colFrom, colTo)} only, for a thread that computes just those
     * ({@link #gemm}'s column range): the blocks start at colFrom, a multiple of the vector length,
     * and each panel goes where the whole pack puts it.
     */
    static void pack(float[] b, int ldb, boolean transposed, int colFrom, int colTo, int k, float[] packed) {
        if (!transposed) {
            packRows(b, ldb, colFrom, colTo, k, packed);
            return;
        }
        int j = colFrom;
        for (int wide = colFrom + threeBlockEnd(colTo - colFrom); j < wide; j += 3 * V) {
            transpose(b, j * ldb, 3 * V, k, ldb, packed, j * k, 3 * V);
        }
        for (int w; j < colTo; j += w * V) {
            w = twoVectorBlock(j, colTo) ? 2 : 1;
            transpose(b, j * ldb, Math.min(w * V, colTo - j), k, ldb, packed, j * k, w * V);
        }
    }

    /**
     * {@link #pack} of a row-major b, one panel at a time, so the writes run in order. A partial
     * last vector is loaded whole: b has a vector's slack past its last row. (Row by row, one read
     * stream of b but five write streams, was a little faster on the AVX2 EPYC and 6–15× slower on
     * the Zen 5, where it took a third of the input gradient's time: entry 30 of jmh/PERFORMANCE.md.)
     */
    private static void packRows(float[] b, int ldb, int colFrom, int colTo, int k, float[] packed) {
        int j = colFrom;
        for (int wide = colFrom + threeBlockEnd(colTo - colFrom); j < wide; j += 3 * V) {
            for (int p = 0, bo = j, po = j * k; p < k; p++, bo += ldb, po += 3 * V) {
                FloatVector.fromArray(S, b, bo).intoArray(packed, po);
                FloatVector.fromArray(S, b, bo + V).intoArray(packed, po + V);
                FloatVector.fromArray(S, b, bo + 2 * V).intoArray(packed, po + 2 * V);
            }
        }
        for (; twoVectorBlock(j, colTo); j += 2 * V) {
            for (int p = 0, bo = j, po = j * k; p < k; p++, bo += ldb, po += 2 * V) {
                FloatVector.fromArray(S, b, bo).intoArray(packed, po);
                FloatVector.fromArray(S, b, bo + V).intoArray(packed, po + V);
            }
        }
        for (; j < colTo; j += V) {
            for (int p = 0, bo = j, po = j * k; p < k; p++, bo += ldb, po += V) {
                FloatVector.fromArray(S, b, bo).intoArray(packed, po);
            }
        }
    }

    /**
     * Rows {@code [rowFrom, rowTo)} of {@code c[m × n] = alpha·(a·b) + beta·c (+ bias) (ReLU) (⊙ gate>0)},
     * with b ({@code k × n}) given {@link #pack}ed. {@code a} is read as {@code a[i·aRow + p·aCol]},
     * so a transposed left operand costs no transpose of its own (on AVX-512, one copy per row
     * chunk); {@code c} needs a vector's slack past its last row
     * ({@link org.relukit.backend.HostTensor#SLACK}).
     *
     * <p>Rows go in chunks whose slice of {@code a} fits in L2 (copied row-major to {@code aCopy}
     * first where the 8-row tiles need it: {@link #copyLeft}); within a chunk, columns go in blocks
     * of three vectors, each block's rows eight at a time (then four, then one, or one more eight
     * over the last rows: {@link #eightRowEnd}) while that panel of
     * {@code b} stays in cache, and the columns left over two vectors or one at a time
     * ({@link #threeBlockEnd}). Each register tile
     * is scaled and accumulated in registers and stored once; bias, ReLU and gate are applied in the
     * 8-row tiles' registers, and after the other tiles per tile or per chunk
     * ({@link #FINISH_EACH_TILE}).
     */
    static void gemm(float[] a, int aRow, int aCol, float[] aCopy, float[] packed, float[] c, int rowFrom, int rowTo,
                     int n, int k, float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        gemm(a, aRow, aCol, aCopy, packed, c, rowFrom, rowTo, 0, n, n, k, alpha, beta, bias, relu, gate);
    }

    /**
     * {@link #gemm} of the block of rows {@code [rowFrom, rowTo)} and columns {@code [colFrom, colTo)},
     * colFrom a multiple of the vector length, with those columns of b packed as
     * {@link #pack(float[], int, boolean, int, int, int, float[])} packs them. Each element of c
     * is summed as in the whole product, so the bits do not depend on the block.
     */
    static void gemm(float[] a, int aRow, int aCol, float[] aCopy, float[] packed, float[] c, int rowFrom, int rowTo,
                     int colFrom, int colTo, int n, int k, float alpha, float beta, float[] bias, boolean relu,
                     float[] gate) {
        boolean inPlace = readsLeftInPlace(aRow, aCol, alpha, beta, hasEpilogue(bias, relu, gate));
        if (n > 0 && k > 0 && (packed.length < packedSize(n, k) || c.length < (long) rowTo * n + V - 1
                || aCopy.length < leftCopySize(rowTo, k, aRow, aCol, alpha, beta, bias, relu, gate))) {
            throw new IllegalArgumentException("gemm needs b packed, room to copy a, and " + (V - 1)
                    + " floats of slack past c's last row");
        }
        int chunk = Math.max(MR, A_CHUNK_FLOATS / Math.max(1, k) / MR * MR);
        for (int i0 = rowFrom; i0 < rowTo; i0 += chunk) {
            int i1 = Math.min(rowTo, i0 + chunk);
            if (!inPlace) {
                copyLeft(a, aRow, aCol, i0, i1, k, aCopy);
                rowChunk(aCopy, paddedStride(k), 1, packed, c, i0, i1, colFrom, colTo, n, k, alpha, beta, bias, relu,
                        gate);
            } else {
                rowChunk(a, aRow, aCol, packed, c, i0, i1, colFrom, colTo, n, k, alpha, beta, bias, relu, gate);
            }
        }
    }

    /** Whether a product's 8-row tiles are the weight update's ({@code c += alpha·sum}, no epilogue). */
    private static boolean updateTiles(float beta, boolean finish) {
        return EIGHT_ROW_TILES && !finish && beta == 1f;
    }

    /** Whether a product's 8-row tiles are the plain product's (alpha 1, beta 0, no epilogue). */
    private static boolean productTiles(float alpha, float beta, boolean finish) {
        return EIGHT_ROW_TILES && !finish && alpha == 1f && beta == 0f;
    }

    /** Whether a product has an epilogue: a bias, the ReLU or a gate applied to its sums. */
    private static boolean hasEpilogue(float[] bias, boolean relu, float[] gate) {
        return bias != null || relu || gate != null;
    }

    /**
     * Whether {@link #gemm} reads a where it lies: a row-major a ({@code aCol = 1}), any a where the
     * 4-row tiles of AVX2 run, and a transposed a (dZᵀ) in the weight update and a plain product, whose
     * tiles read it so ({@link #tile8x3UpdateTransposed}, {@link #tile8x3ProductTransposed}).
     * Otherwise it is copied row-major first ({@link #copyLeft}).
     */
    private static boolean readsLeftInPlace(int aRow, int aCol, float alpha, float beta, boolean finish) {
        return !EIGHT_ROW_TILES || aCol == 1
                || aRow == 1 && (updateTiles(beta, finish) || productTiles(alpha, beta, finish));
    }

    /**
     * The floats {@link #gemm} needs in {@code aCopy} for rows below m: m rows of a copied row-major,
     * or none where it reads a in place ({@link #readsLeftInPlace}).
     */
    static int leftCopySize(int m, int k, int aRow, int aCol, float alpha, float beta, float[] bias, boolean relu,
                            float[] gate) {
        return readsLeftInPlace(aRow, aCol, alpha, beta, hasEpilogue(bias, relu, gate)) ? 0 : m * paddedStride(k);
    }

    /**
     * Rows {@code [rowFrom, rowTo)} of a copied row-major, {@code aCopy[i·ld + p] = a(i, p)} with
     * ld the {@link #paddedStride} of k (rows 4 KB apart at batch 1024 fell into a few L1 sets), for the
     * 8-row tiles, which read a only so: with the row index alone a plain function of the sum's loop
     * counter, C2 checks each row's bounds once before the loop instead of at every step, and keeps
     * the indices in registers. Read through aCol, the tile ran at 157–183 GFLOP/s on the Zen 5,
     * row-major at 194–227 (entries 31 and 32 of jmh/PERFORMANCE.md). A transposed a (the weight
     * gradient's) is transposed by {@link #transpose}'s blocks, but for the weight update and a
     * plain product (alpha 1, beta 0), whose tiles read it in place ({@link #tile8x3UpdateTransposed},
     * {@link #tile8x3ProductTransposed}). The 4-row tiles of AVX2 read a in
     * place: there the row-major form measured slower (entry 29a).
     */
    private static void copyLeft(float[] a, int aRow, int aCol, int rowFrom, int rowTo, int k, float[] aCopy) {
        int ld = paddedStride(k);
        if (aRow == 1) {
            transpose(a, rowFrom, k, rowTo - rowFrom, aCol, aCopy, rowFrom * ld, ld);
            return;
        }
        for (int i = rowFrom; i < rowTo; i++) {
            for (int p = 0; p < k; p++) {
                aCopy[i * ld + p] = a[i * aRow + p * aCol];
            }
        }
    }

    /** Rows {@code [rowFrom, rowTo)}, a chunk small enough for L2, of columns {@code [colFrom, colTo)}: the loops over register tiles. */
    private static void rowChunk(float[] a, int aRow, int aCol, float[] b, float[] c, int rowFrom, int rowTo,
                                 int colFrom, int colTo, int n, int k, float alpha, float beta, float[] bias,
                                 boolean relu, float[] gate) {
        boolean finish = hasEpilogue(bias, relu, gate);
        boolean finishTiles = finish && FINISH_EACH_TILE;
        float[] edge = EIGHT_ROW_TILES ? EDGE_ROWS.get() : null;
        // The products whose 8-row tiles have a method of their own (AVX2 has no 8-row tiles, and
        // runs the epilogue per chunk).
        boolean forward = EIGHT_ROW_TILES && bias != null && gate == null && alpha == 1f && beta == 0f;
        boolean gated = EIGHT_ROW_TILES && bias == null && !relu && gate != null && alpha == 1f && beta == 0f;
        boolean update = updateTiles(beta, finish);
        boolean product = productTiles(alpha, beta, finish);
        boolean finishEightRows = finishTiles && !forward && !gated;
        // max(x, −∞) is x, so one method serves layers with and without the ReLU.
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        int eightRowEnd = eightRowEnd(rowFrom, rowTo, EIGHT_ROW_TILES && beta == 0f && !finishEightRows);
        int j = colFrom;
        for (int wide = colFrom + threeBlockEnd(colTo - colFrom); j < wide; j += 3 * V) {
            int i = rowFrom;
            for (; EIGHT_ROW_TILES && i < eightRowEnd; i += 8) {
                int r = Math.min(i, rowTo - 8);
                if (forward) {
                    tile8x3Forward(a, aRow, b, c, r, j, n, k, bias, floor);
                } else if (gated) {
                    tile8x3Gate(a, aRow, b, c, r, j, n, k, gate);
                } else if (update && aCol != 1) {
                    tile8x3UpdateTransposed(a, aCol, b, c, r, j, n, k, alpha);
                } else if (product && aCol != 1) {
                    tile8x3ProductTransposed(a, aCol, b, c, r, j, n, k);
                } else if (update) {
                    tile8x3Update(a, aRow, b, c, r, j, n, k, alpha);
                } else {
                    tile8x3(a, aRow, b, c, r, j, n, k, alpha, beta);
                }
            }
            i = Math.min(i, rowTo);
            if (finishEightRows && i > rowFrom) {
                finish(c, rowFrom, i - rowFrom, j, 3 * V, n, bias, relu, gate);
            }
            for (; i + 4 <= rowTo; i += 4) {
                tile4x3(a, aRow, aCol, b, c, i, j, n, k, alpha, beta);
                if (finishTiles) {
                    finish(c, i, 4, j, 3 * V, n, bias, relu, gate);
                }
            }
            for (; i < rowTo; i++) {
                tile1x3(a, aRow, aCol, b, c, i, j, n, k, alpha, beta);
                if (finishTiles) {
                    finish(c, i, 1, j, 3 * V, n, bias, relu, gate);
                }
            }
        }
        // The columns left over, two vectors or one at a time (threeBlockEnd).
        for (int w; j < colTo; j += w * V) {
            w = twoVectorBlock(j, colTo) ? 2 : 1;
            int cols = Math.min(w * V, colTo - j);
            int i = rowFrom;
            for (; i < eightRowEnd; i += 8) {
                int r = Math.min(i, rowTo - 8);
                if (w == 2 && forward) {
                    tile8x2Forward(a, aRow, b, c, r, j, n, k, bias, floor, edge);
                } else if (w == 2 && gated) {
                    tile8x2Gate(a, aRow, b, c, r, j, n, k, gate, edge);
                } else if (w == 2 && update && aCol != 1) {
                    tile8x2UpdateTransposed(a, aCol, b, c, r, j, n, k, alpha, edge);
                } else if (w == 2 && product && aCol != 1) {
                    tile8x2ProductTransposed(a, aCol, b, c, r, j, n, k, edge);
                } else if (w == 2 && update) {
                    tile8x2Update(a, aRow, b, c, r, j, n, k, alpha, edge);
                } else if (w == 2) {
                    tile8x2(a, aRow, b, c, r, j, n, k, alpha, beta, edge);
                } else if (forward) {
                    tile8x1Forward(a, aRow, aCol, b, c, r, j, n, k, bias, floor);
                } else if (gated) {
                    tile8x1Gate(a, aRow, aCol, b, c, r, j, n, k, gate);
                } else {
                    tile8x1(a, aRow, aCol, b, c, r, j, n, k, alpha, beta);
                }
            }
            i = Math.min(i, rowTo);
            if (finishEightRows && i > rowFrom) {
                finish(c, rowFrom, i - rowFrom, j, cols, n, bias, relu, gate);
            }
            for (; i + 4 <= rowTo; i += 4) {
                for (int v = 0; v < w; v++) {
                    tile4x1(a, aRow, aCol, b, j * k + v * V, w * V, c, i, j + v * V, n, k, alpha, beta);
                }
                if (finishTiles) {
                    finish(c, i, 4, j, cols, n, bias, relu, gate);
                }
            }
            for (; i < rowTo; i++) {
                for (int v = 0; v < w; v++) {
                    tile1x1(a, aRow, aCol, b, j * k + v * V, w * V, c, i, j + v * V, n, k, alpha, beta);
                }
                if (finishTiles) {
                    finish(c, i, 1, j, cols, n, bias, relu, gate);
                }
            }
        }
        if (finish && !FINISH_EACH_TILE) {
            finish(c, rowFrom, rowTo - rowFrom, colFrom, colTo - colFrom, n, bias, relu, gate);
        }
    }

    /**
     * Where a chunk's 8-row tiles stop. Where c is overwritten (beta 0) and no pass over the 8-row
     * tiles follows, the rows left after the last whole 8 go in one more 8-row tile, which the loop
     * moves back to the chunk's last 8 rows: it writes the same bits again for the rows it shares
     * with the tile before, and the 1-row tiles it replaces read a transposed a one cache line per
     * step of the sum. Four rows left stay with the 4-row tile, which took them as fast (entry 53 of
     * jmh/PERFORMANCE.md).
     */
    private static int eightRowEnd(int rowFrom, int rowTo, boolean overwrites) {
        int rows = rowTo - rowFrom;
        if (rows < 8) {
            return rowFrom;
        }
        return overwrites && (rows & 7) != 4 ? rowTo : rowFrom + (rows & ~7);
    }

    /**
     * The hot tile: 8 rows × 3 vectors is 24 accumulators, enough independent FMAs to cover the
     * FMA latency on both pipes, with 4 of AVX-512's 32 registers left for the operands. On this
     * Zen 5 it ran at 170–200 GFLOP/s where 4 × 2 ran at 100–157 (notes in jmh/PERFORMANCE.md).
     * a is row-major here ({@link #copyLeft}).
     */
    private static void tile8x3(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c02 = c02.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c12 = c12.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c22 = c22.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
            c32 = c32.mul(alpha);
            c40 = c40.mul(alpha);
            c41 = c41.mul(alpha);
            c42 = c42.mul(alpha);
            c50 = c50.mul(alpha);
            c51 = c51.mul(alpha);
            c52 = c52.mul(alpha);
            c60 = c60.mul(alpha);
            c61 = c61.mul(alpha);
            c62 = c62.mul(alpha);
            c70 = c70.mul(alpha);
            c71 = c71.mul(alpha);
            c72 = c72.mul(alpha);
        }
        if (beta != 0f) {
            c00 = FloatVector.fromArray(S, c, o0).mul(beta).add(c00);
            c01 = FloatVector.fromArray(S, c, o0 + V).mul(beta).add(c01);
            c02 = FloatVector.fromArray(S, c, o0 + 2 * V).mul(beta).add(c02);
            c10 = FloatVector.fromArray(S, c, o1).mul(beta).add(c10);
            c11 = FloatVector.fromArray(S, c, o1 + V).mul(beta).add(c11);
            c12 = FloatVector.fromArray(S, c, o1 + 2 * V).mul(beta).add(c12);
            c20 = FloatVector.fromArray(S, c, o2).mul(beta).add(c20);
            c21 = FloatVector.fromArray(S, c, o2 + V).mul(beta).add(c21);
            c22 = FloatVector.fromArray(S, c, o2 + 2 * V).mul(beta).add(c22);
            c30 = FloatVector.fromArray(S, c, o3).mul(beta).add(c30);
            c31 = FloatVector.fromArray(S, c, o3 + V).mul(beta).add(c31);
            c32 = FloatVector.fromArray(S, c, o3 + 2 * V).mul(beta).add(c32);
            c40 = FloatVector.fromArray(S, c, o4).mul(beta).add(c40);
            c41 = FloatVector.fromArray(S, c, o4 + V).mul(beta).add(c41);
            c42 = FloatVector.fromArray(S, c, o4 + 2 * V).mul(beta).add(c42);
            c50 = FloatVector.fromArray(S, c, o5).mul(beta).add(c50);
            c51 = FloatVector.fromArray(S, c, o5 + V).mul(beta).add(c51);
            c52 = FloatVector.fromArray(S, c, o5 + 2 * V).mul(beta).add(c52);
            c60 = FloatVector.fromArray(S, c, o6).mul(beta).add(c60);
            c61 = FloatVector.fromArray(S, c, o6 + V).mul(beta).add(c61);
            c62 = FloatVector.fromArray(S, c, o6 + 2 * V).mul(beta).add(c62);
            c70 = FloatVector.fromArray(S, c, o7).mul(beta).add(c70);
            c71 = FloatVector.fromArray(S, c, o7 + V).mul(beta).add(c71);
            c72 = FloatVector.fromArray(S, c, o7 + 2 * V).mul(beta).add(c72);
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + V);
        c02.intoArray(c, o0 + 2 * V);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + V);
        c12.intoArray(c, o1 + 2 * V);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + V);
        c22.intoArray(c, o2 + 2 * V);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + V);
        c32.intoArray(c, o3 + 2 * V);
        c40.intoArray(c, o4);
        c41.intoArray(c, o4 + V);
        c42.intoArray(c, o4 + 2 * V);
        c50.intoArray(c, o5);
        c51.intoArray(c, o5 + V);
        c52.intoArray(c, o5 + 2 * V);
        c60.intoArray(c, o6);
        c61.intoArray(c, o6 + V);
        c62.intoArray(c, o6 + 2 * V);
        c70.intoArray(c, o7);
        c71.intoArray(c, o7 + V);
        c72.intoArray(c, o7 + 2 * V);
    }

    /**
     * {@link #tile8x3} for the weight update (beta 1): {@code c += alpha · sum}, without the
     * multiply by beta, and without the branches on alpha and beta. Those branches, seen one way
     * only in training, trapped when a product of the other kind came at the end of the first epoch
     * (the correlations), and C2 then compiled the hot tiles again while the step ran their slow
     * code (entry 46 of jmh/PERFORMANCE.md).
     */
    private static void tile8x3Update(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                      float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        FloatVector.fromArray(S, c, o0).add(c00.mul(alpha)).intoArray(c, o0);
        FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(c, o0 + V);
        FloatVector.fromArray(S, c, o0 + 2 * V).add(c02.mul(alpha)).intoArray(c, o0 + 2 * V);
        FloatVector.fromArray(S, c, o1).add(c10.mul(alpha)).intoArray(c, o1);
        FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(c, o1 + V);
        FloatVector.fromArray(S, c, o1 + 2 * V).add(c12.mul(alpha)).intoArray(c, o1 + 2 * V);
        FloatVector.fromArray(S, c, o2).add(c20.mul(alpha)).intoArray(c, o2);
        FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(c, o2 + V);
        FloatVector.fromArray(S, c, o2 + 2 * V).add(c22.mul(alpha)).intoArray(c, o2 + 2 * V);
        FloatVector.fromArray(S, c, o3).add(c30.mul(alpha)).intoArray(c, o3);
        FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(c, o3 + V);
        FloatVector.fromArray(S, c, o3 + 2 * V).add(c32.mul(alpha)).intoArray(c, o3 + 2 * V);
        FloatVector.fromArray(S, c, o4).add(c40.mul(alpha)).intoArray(c, o4);
        FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(c, o4 + V);
        FloatVector.fromArray(S, c, o4 + 2 * V).add(c42.mul(alpha)).intoArray(c, o4 + 2 * V);
        FloatVector.fromArray(S, c, o5).add(c50.mul(alpha)).intoArray(c, o5);
        FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(c, o5 + V);
        FloatVector.fromArray(S, c, o5 + 2 * V).add(c52.mul(alpha)).intoArray(c, o5 + 2 * V);
        FloatVector.fromArray(S, c, o6).add(c60.mul(alpha)).intoArray(c, o6);
        FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(c, o6 + V);
        FloatVector.fromArray(S, c, o6 + 2 * V).add(c62.mul(alpha)).intoArray(c, o6 + 2 * V);
        FloatVector.fromArray(S, c, o7).add(c70.mul(alpha)).intoArray(c, o7);
        FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(c, o7 + V);
        FloatVector.fromArray(S, c, o7 + 2 * V).add(c72.mul(alpha)).intoArray(c, o7 + 2 * V);
    }

    /**
     * {@link #tile8x3} for a forward layer (alpha 1, beta 0): the bias added and {@code max(·, floor)}
     * taken in the registers before the one store (floor 0 for a ReLU, −∞ for none), so the epilogue
     * does not reload the tile (bench b64 +6–10%, entries 43–45 of jmh/PERFORMANCE.md). A method of
     * its own, without the alpha and beta code: the same epilogue as branches inside
     * {@link #tile8x3} made C2 box the vectors (entries 10 and 33a).
     */
    private static void tile8x3Forward(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                        float[] bias, float floor) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        FloatVector d0 = FloatVector.fromArray(S, bias, j);
        FloatVector d1 = FloatVector.fromArray(S, bias, j + V);
        FloatVector d2 = FloatVector.fromArray(S, bias, j + 2 * V);
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.add(d0).max(floor).intoArray(c, o0);
        c01.add(d1).max(floor).intoArray(c, o0 + V);
        c02.add(d2).max(floor).intoArray(c, o0 + 2 * V);
        c10.add(d0).max(floor).intoArray(c, o1);
        c11.add(d1).max(floor).intoArray(c, o1 + V);
        c12.add(d2).max(floor).intoArray(c, o1 + 2 * V);
        c20.add(d0).max(floor).intoArray(c, o2);
        c21.add(d1).max(floor).intoArray(c, o2 + V);
        c22.add(d2).max(floor).intoArray(c, o2 + 2 * V);
        c30.add(d0).max(floor).intoArray(c, o3);
        c31.add(d1).max(floor).intoArray(c, o3 + V);
        c32.add(d2).max(floor).intoArray(c, o3 + 2 * V);
        c40.add(d0).max(floor).intoArray(c, o4);
        c41.add(d1).max(floor).intoArray(c, o4 + V);
        c42.add(d2).max(floor).intoArray(c, o4 + 2 * V);
        c50.add(d0).max(floor).intoArray(c, o5);
        c51.add(d1).max(floor).intoArray(c, o5 + V);
        c52.add(d2).max(floor).intoArray(c, o5 + 2 * V);
        c60.add(d0).max(floor).intoArray(c, o6);
        c61.add(d1).max(floor).intoArray(c, o6 + V);
        c62.add(d2).max(floor).intoArray(c, o6 + 2 * V);
        c70.add(d0).max(floor).intoArray(c, o7);
        c71.add(d1).max(floor).intoArray(c, o7 + V);
        c72.add(d2).max(floor).intoArray(c, o7 + 2 * V);
    }

    /**
     * {@link #tile8x3} for an input gradient (alpha 1, beta 0): zero where the gate is not positive,
     * in the registers before the one store, as {@link #tile8x3Forward} does for the forward.
     */
    private static void tile8x3Gate(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                    float[] gate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.blend(0f, FloatVector.fromArray(S, gate, o0).compare(VectorOperators.LE, 0f)).intoArray(c, o0);
        c01.blend(0f, FloatVector.fromArray(S, gate, o0 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o0 + V);
        c02.blend(0f, FloatVector.fromArray(S, gate, o0 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o0 + 2 * V);
        c10.blend(0f, FloatVector.fromArray(S, gate, o1).compare(VectorOperators.LE, 0f)).intoArray(c, o1);
        c11.blend(0f, FloatVector.fromArray(S, gate, o1 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o1 + V);
        c12.blend(0f, FloatVector.fromArray(S, gate, o1 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o1 + 2 * V);
        c20.blend(0f, FloatVector.fromArray(S, gate, o2).compare(VectorOperators.LE, 0f)).intoArray(c, o2);
        c21.blend(0f, FloatVector.fromArray(S, gate, o2 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o2 + V);
        c22.blend(0f, FloatVector.fromArray(S, gate, o2 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o2 + 2 * V);
        c30.blend(0f, FloatVector.fromArray(S, gate, o3).compare(VectorOperators.LE, 0f)).intoArray(c, o3);
        c31.blend(0f, FloatVector.fromArray(S, gate, o3 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o3 + V);
        c32.blend(0f, FloatVector.fromArray(S, gate, o3 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o3 + 2 * V);
        c40.blend(0f, FloatVector.fromArray(S, gate, o4).compare(VectorOperators.LE, 0f)).intoArray(c, o4);
        c41.blend(0f, FloatVector.fromArray(S, gate, o4 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o4 + V);
        c42.blend(0f, FloatVector.fromArray(S, gate, o4 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o4 + 2 * V);
        c50.blend(0f, FloatVector.fromArray(S, gate, o5).compare(VectorOperators.LE, 0f)).intoArray(c, o5);
        c51.blend(0f, FloatVector.fromArray(S, gate, o5 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o5 + V);
        c52.blend(0f, FloatVector.fromArray(S, gate, o5 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o5 + 2 * V);
        c60.blend(0f, FloatVector.fromArray(S, gate, o6).compare(VectorOperators.LE, 0f)).intoArray(c, o6);
        c61.blend(0f, FloatVector.fromArray(S, gate, o6 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o6 + V);
        c62.blend(0f, FloatVector.fromArray(S, gate, o6 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o6 + 2 * V);
        c70.blend(0f, FloatVector.fromArray(S, gate, o7).compare(VectorOperators.LE, 0f)).intoArray(c, o7);
        c71.blend(0f, FloatVector.fromArray(S, gate, o7 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o7 + V);
        c72.blend(0f, FloatVector.fromArray(S, gate, o7 + 2 * V).compare(VectorOperators.LE, 0f)).intoArray(c, o7 + 2 * V);
    }

    /**
     * Two vectors of columns, the second perhaps partial: the blocks left after the three-vector
     * ones ({@link #threeBlockEnd}). 16 accumulators, 2 loads of b and 8 broadcasts per step of the
     * sum, so nearly the 8 × 3 tile's multiply-adds per load. A partial vector goes to c through
     * {@code edge} ({@link #storeEdge}): with its 8 masked stores here, C1 ran out of registers on
     * the method, which then stayed in code that boxed every vector (84 steps/s at batch 64).
     */
    private static void tile8x2(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                float alpha, float beta, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
            c40 = c40.mul(alpha);
            c41 = c41.mul(alpha);
            c50 = c50.mul(alpha);
            c51 = c51.mul(alpha);
            c60 = c60.mul(alpha);
            c61 = c61.mul(alpha);
            c70 = c70.mul(alpha);
            c71 = c71.mul(alpha);
        }
        if (beta != 0f) {
            c00 = FloatVector.fromArray(S, c, o0).mul(beta).add(c00);
            c01 = FloatVector.fromArray(S, c, o0 + V).mul(beta).add(c01);
            c10 = FloatVector.fromArray(S, c, o1).mul(beta).add(c10);
            c11 = FloatVector.fromArray(S, c, o1 + V).mul(beta).add(c11);
            c20 = FloatVector.fromArray(S, c, o2).mul(beta).add(c20);
            c21 = FloatVector.fromArray(S, c, o2 + V).mul(beta).add(c21);
            c30 = FloatVector.fromArray(S, c, o3).mul(beta).add(c30);
            c31 = FloatVector.fromArray(S, c, o3 + V).mul(beta).add(c31);
            c40 = FloatVector.fromArray(S, c, o4).mul(beta).add(c40);
            c41 = FloatVector.fromArray(S, c, o4 + V).mul(beta).add(c41);
            c50 = FloatVector.fromArray(S, c, o5).mul(beta).add(c50);
            c51 = FloatVector.fromArray(S, c, o5 + V).mul(beta).add(c51);
            c60 = FloatVector.fromArray(S, c, o6).mul(beta).add(c60);
            c61 = FloatVector.fromArray(S, c, o6 + V).mul(beta).add(c61);
            c70 = FloatVector.fromArray(S, c, o7).mul(beta).add(c70);
            c71 = FloatVector.fromArray(S, c, o7 + V).mul(beta).add(c71);
        }
        c00.intoArray(c, o0);
        c10.intoArray(c, o1);
        c20.intoArray(c, o2);
        c30.intoArray(c, o3);
        c40.intoArray(c, o4);
        c50.intoArray(c, o5);
        c60.intoArray(c, o6);
        c70.intoArray(c, o7);
        if (j + 2 * V <= n) {
            c01.intoArray(c, o0 + V);
            c11.intoArray(c, o1 + V);
            c21.intoArray(c, o2 + V);
            c31.intoArray(c, o3 + V);
            c41.intoArray(c, o4 + V);
            c51.intoArray(c, o5 + V);
            c61.intoArray(c, o6 + V);
            c71.intoArray(c, o7 + V);
        } else {
            c01.intoArray(edge, 0);
            c11.intoArray(edge, 1 * V);
            c21.intoArray(edge, 2 * V);
            c31.intoArray(edge, 3 * V);
            c41.intoArray(edge, 4 * V);
            c51.intoArray(edge, 5 * V);
            c61.intoArray(edge, 6 * V);
            c71.intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /**
     * {@link #tile8x3Update} reading a transposed a where it lies, {@code a(i, p) = a[p·aCol + i]}
     * (the weight gradient's dZᵀ): the 8 rows' values at step p are 8 consecutive floats, one base
     * index plus constants, so C2 checks their bounds together and keeps one index in a register.
     * In one process against the copy of dZᵀ that the other tiles need ({@link #copyLeft}), the
     * batch-64 step's five weight updates took 0.78–0.92 of the time (entry 50 of
     * jmh/PERFORMANCE.md); entry 31's 8 checks per step were for a's rows read through two strides.
     */
    private static void tile8x3UpdateTransposed(float[] a, int aCol, float[] b, float[] c, int i, int j, int n,
                                                int k, float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0, ap = i; p < k; p++, ap += aCol) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        FloatVector.fromArray(S, c, o0).add(c00.mul(alpha)).intoArray(c, o0);
        FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(c, o0 + V);
        FloatVector.fromArray(S, c, o0 + 2 * V).add(c02.mul(alpha)).intoArray(c, o0 + 2 * V);
        FloatVector.fromArray(S, c, o1).add(c10.mul(alpha)).intoArray(c, o1);
        FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(c, o1 + V);
        FloatVector.fromArray(S, c, o1 + 2 * V).add(c12.mul(alpha)).intoArray(c, o1 + 2 * V);
        FloatVector.fromArray(S, c, o2).add(c20.mul(alpha)).intoArray(c, o2);
        FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(c, o2 + V);
        FloatVector.fromArray(S, c, o2 + 2 * V).add(c22.mul(alpha)).intoArray(c, o2 + 2 * V);
        FloatVector.fromArray(S, c, o3).add(c30.mul(alpha)).intoArray(c, o3);
        FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(c, o3 + V);
        FloatVector.fromArray(S, c, o3 + 2 * V).add(c32.mul(alpha)).intoArray(c, o3 + 2 * V);
        FloatVector.fromArray(S, c, o4).add(c40.mul(alpha)).intoArray(c, o4);
        FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(c, o4 + V);
        FloatVector.fromArray(S, c, o4 + 2 * V).add(c42.mul(alpha)).intoArray(c, o4 + 2 * V);
        FloatVector.fromArray(S, c, o5).add(c50.mul(alpha)).intoArray(c, o5);
        FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(c, o5 + V);
        FloatVector.fromArray(S, c, o5 + 2 * V).add(c52.mul(alpha)).intoArray(c, o5 + 2 * V);
        FloatVector.fromArray(S, c, o6).add(c60.mul(alpha)).intoArray(c, o6);
        FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(c, o6 + V);
        FloatVector.fromArray(S, c, o6 + 2 * V).add(c62.mul(alpha)).intoArray(c, o6 + 2 * V);
        FloatVector.fromArray(S, c, o7).add(c70.mul(alpha)).intoArray(c, o7);
        FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(c, o7 + V);
        FloatVector.fromArray(S, c, o7 + 2 * V).add(c72.mul(alpha)).intoArray(c, o7 + 2 * V);
    }

    /** {@link #tile8x2Update} reading a transposed a where it lies, as {@link #tile8x3UpdateTransposed}. */
    private static void tile8x2UpdateTransposed(float[] a, int aCol, float[] b, float[] c, int i, int j, int n,
                                                int k, float alpha, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0, ap = i; p < k; p++, ap += aCol) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        FloatVector.fromArray(S, c, o0).add(c00.mul(alpha)).intoArray(c, o0);
        FloatVector.fromArray(S, c, o1).add(c10.mul(alpha)).intoArray(c, o1);
        FloatVector.fromArray(S, c, o2).add(c20.mul(alpha)).intoArray(c, o2);
        FloatVector.fromArray(S, c, o3).add(c30.mul(alpha)).intoArray(c, o3);
        FloatVector.fromArray(S, c, o4).add(c40.mul(alpha)).intoArray(c, o4);
        FloatVector.fromArray(S, c, o5).add(c50.mul(alpha)).intoArray(c, o5);
        FloatVector.fromArray(S, c, o6).add(c60.mul(alpha)).intoArray(c, o6);
        FloatVector.fromArray(S, c, o7).add(c70.mul(alpha)).intoArray(c, o7);
        if (j + 2 * V <= n) {
            FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(c, o0 + V);
            FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(c, o1 + V);
            FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(c, o2 + V);
            FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(c, o3 + V);
            FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(c, o4 + V);
            FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(c, o5 + V);
            FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(c, o6 + V);
            FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(c, o7 + V);
        } else {
            FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(edge, 0);
            FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(edge, 1 * V);
            FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(edge, 2 * V);
            FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(edge, 3 * V);
            FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(edge, 4 * V);
            FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(edge, 5 * V);
            FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(edge, 6 * V);
            FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /**
     * {@link #tile8x3UpdateTransposed} for a plain product (alpha 1, beta 0): the weight gradient of
     * a step in halves or with momentum, and the correlations. Stores the sums as they are, as
     * {@link #tile8x3} does for alpha 1 and beta 0 (entry 51 of jmh/PERFORMANCE.md).
     */
    private static void tile8x3ProductTransposed(float[] a, int aCol, float[] b, float[] c, int i, int j, int n,
                                                int k) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0, ap = i; p < k; p++, ap += aCol) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            c72 = x.fma(b2, c72);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + V);
        c02.intoArray(c, o0 + 2 * V);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + V);
        c12.intoArray(c, o1 + 2 * V);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + V);
        c22.intoArray(c, o2 + 2 * V);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + V);
        c32.intoArray(c, o3 + 2 * V);
        c40.intoArray(c, o4);
        c41.intoArray(c, o4 + V);
        c42.intoArray(c, o4 + 2 * V);
        c50.intoArray(c, o5);
        c51.intoArray(c, o5 + V);
        c52.intoArray(c, o5 + 2 * V);
        c60.intoArray(c, o6);
        c61.intoArray(c, o6 + V);
        c62.intoArray(c, o6 + 2 * V);
        c70.intoArray(c, o7);
        c71.intoArray(c, o7 + V);
        c72.intoArray(c, o7 + 2 * V);
    }

    /** {@link #tile8x2UpdateTransposed} for a plain product, as {@link #tile8x3ProductTransposed}. */
    private static void tile8x2ProductTransposed(float[] a, int aCol, float[] b, float[] c, int i, int j, int n,
                                                int k, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0, ap = i; p < k; p++, ap += aCol) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.intoArray(c, o0);
        c10.intoArray(c, o1);
        c20.intoArray(c, o2);
        c30.intoArray(c, o3);
        c40.intoArray(c, o4);
        c50.intoArray(c, o5);
        c60.intoArray(c, o6);
        c70.intoArray(c, o7);
        if (j + 2 * V <= n) {
            c01.intoArray(c, o0 + V);
            c11.intoArray(c, o1 + V);
            c21.intoArray(c, o2 + V);
            c31.intoArray(c, o3 + V);
            c41.intoArray(c, o4 + V);
            c51.intoArray(c, o5 + V);
            c61.intoArray(c, o6 + V);
            c71.intoArray(c, o7 + V);
        } else {
            c01.intoArray(edge, 0);
            c11.intoArray(edge, 1 * V);
            c21.intoArray(edge, 2 * V);
            c31.intoArray(edge, 3 * V);
            c41.intoArray(edge, 4 * V);
            c51.intoArray(edge, 5 * V);
            c61.intoArray(edge, 6 * V);
            c71.intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /** {@link #tile8x2} for the weight update, as {@link #tile8x3Update}. */
    private static void tile8x2Update(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                      float alpha, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        FloatVector.fromArray(S, c, o0).add(c00.mul(alpha)).intoArray(c, o0);
        FloatVector.fromArray(S, c, o1).add(c10.mul(alpha)).intoArray(c, o1);
        FloatVector.fromArray(S, c, o2).add(c20.mul(alpha)).intoArray(c, o2);
        FloatVector.fromArray(S, c, o3).add(c30.mul(alpha)).intoArray(c, o3);
        FloatVector.fromArray(S, c, o4).add(c40.mul(alpha)).intoArray(c, o4);
        FloatVector.fromArray(S, c, o5).add(c50.mul(alpha)).intoArray(c, o5);
        FloatVector.fromArray(S, c, o6).add(c60.mul(alpha)).intoArray(c, o6);
        FloatVector.fromArray(S, c, o7).add(c70.mul(alpha)).intoArray(c, o7);
        if (j + 2 * V <= n) {
            FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(c, o0 + V);
            FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(c, o1 + V);
            FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(c, o2 + V);
            FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(c, o3 + V);
            FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(c, o4 + V);
            FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(c, o5 + V);
            FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(c, o6 + V);
            FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(c, o7 + V);
        } else {
            FloatVector.fromArray(S, c, o0 + V).add(c01.mul(alpha)).intoArray(edge, 0);
            FloatVector.fromArray(S, c, o1 + V).add(c11.mul(alpha)).intoArray(edge, 1 * V);
            FloatVector.fromArray(S, c, o2 + V).add(c21.mul(alpha)).intoArray(edge, 2 * V);
            FloatVector.fromArray(S, c, o3 + V).add(c31.mul(alpha)).intoArray(edge, 3 * V);
            FloatVector.fromArray(S, c, o4 + V).add(c41.mul(alpha)).intoArray(edge, 4 * V);
            FloatVector.fromArray(S, c, o5 + V).add(c51.mul(alpha)).intoArray(edge, 5 * V);
            FloatVector.fromArray(S, c, o6 + V).add(c61.mul(alpha)).intoArray(edge, 6 * V);
            FloatVector.fromArray(S, c, o7 + V).add(c71.mul(alpha)).intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /** {@link #tile8x2} with {@link #tile8x3Forward}'s epilogue. */
    private static void tile8x2Forward(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                        float[] bias, float floor, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        FloatVector d0 = FloatVector.fromArray(S, bias, j);
        FloatVector d1 = FloatVector.fromArray(S, bias, j + V);
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.add(d0).max(floor).intoArray(c, o0);
        c10.add(d0).max(floor).intoArray(c, o1);
        c20.add(d0).max(floor).intoArray(c, o2);
        c30.add(d0).max(floor).intoArray(c, o3);
        c40.add(d0).max(floor).intoArray(c, o4);
        c50.add(d0).max(floor).intoArray(c, o5);
        c60.add(d0).max(floor).intoArray(c, o6);
        c70.add(d0).max(floor).intoArray(c, o7);
        if (j + 2 * V <= n) {
            c01.add(d1).max(floor).intoArray(c, o0 + V);
            c11.add(d1).max(floor).intoArray(c, o1 + V);
            c21.add(d1).max(floor).intoArray(c, o2 + V);
            c31.add(d1).max(floor).intoArray(c, o3 + V);
            c41.add(d1).max(floor).intoArray(c, o4 + V);
            c51.add(d1).max(floor).intoArray(c, o5 + V);
            c61.add(d1).max(floor).intoArray(c, o6 + V);
            c71.add(d1).max(floor).intoArray(c, o7 + V);
        } else {
            c01.add(d1).max(floor).intoArray(edge, 0);
            c11.add(d1).max(floor).intoArray(edge, 1 * V);
            c21.add(d1).max(floor).intoArray(edge, 2 * V);
            c31.add(d1).max(floor).intoArray(edge, 3 * V);
            c41.add(d1).max(floor).intoArray(edge, 4 * V);
            c51.add(d1).max(floor).intoArray(edge, 5 * V);
            c61.add(d1).max(floor).intoArray(edge, 6 * V);
            c71.add(d1).max(floor).intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /** {@link #tile8x2} with {@link #tile8x3Gate}'s epilogue. */
    private static void tile8x2Gate(float[] a, int aRow, float[] b, float[] c, int i, int j, int n, int k,
                                    float[] gate, float[] edge) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0; p < k; p++) {
            int bo = j * k + 2 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c00.blend(0f, FloatVector.fromArray(S, gate, o0).compare(VectorOperators.LE, 0f)).intoArray(c, o0);
        c10.blend(0f, FloatVector.fromArray(S, gate, o1).compare(VectorOperators.LE, 0f)).intoArray(c, o1);
        c20.blend(0f, FloatVector.fromArray(S, gate, o2).compare(VectorOperators.LE, 0f)).intoArray(c, o2);
        c30.blend(0f, FloatVector.fromArray(S, gate, o3).compare(VectorOperators.LE, 0f)).intoArray(c, o3);
        c40.blend(0f, FloatVector.fromArray(S, gate, o4).compare(VectorOperators.LE, 0f)).intoArray(c, o4);
        c50.blend(0f, FloatVector.fromArray(S, gate, o5).compare(VectorOperators.LE, 0f)).intoArray(c, o5);
        c60.blend(0f, FloatVector.fromArray(S, gate, o6).compare(VectorOperators.LE, 0f)).intoArray(c, o6);
        c70.blend(0f, FloatVector.fromArray(S, gate, o7).compare(VectorOperators.LE, 0f)).intoArray(c, o7);
        if (j + 2 * V <= n) {
            c01.blend(0f, FloatVector.fromArray(S, gate, o0 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o0 + V);
            c11.blend(0f, FloatVector.fromArray(S, gate, o1 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o1 + V);
            c21.blend(0f, FloatVector.fromArray(S, gate, o2 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o2 + V);
            c31.blend(0f, FloatVector.fromArray(S, gate, o3 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o3 + V);
            c41.blend(0f, FloatVector.fromArray(S, gate, o4 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o4 + V);
            c51.blend(0f, FloatVector.fromArray(S, gate, o5 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o5 + V);
            c61.blend(0f, FloatVector.fromArray(S, gate, o6 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o6 + V);
            c71.blend(0f, FloatVector.fromArray(S, gate, o7 + V).compare(VectorOperators.LE, 0f)).intoArray(c, o7 + V);
        } else {
            c01.blend(0f, FloatVector.fromArray(S, gate, o0 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 0);
            c11.blend(0f, FloatVector.fromArray(S, gate, o1 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 1 * V);
            c21.blend(0f, FloatVector.fromArray(S, gate, o2 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 2 * V);
            c31.blend(0f, FloatVector.fromArray(S, gate, o3 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 3 * V);
            c41.blend(0f, FloatVector.fromArray(S, gate, o4 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 4 * V);
            c51.blend(0f, FloatVector.fromArray(S, gate, o5 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 5 * V);
            c61.blend(0f, FloatVector.fromArray(S, gate, o6 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 6 * V);
            c71.blend(0f, FloatVector.fromArray(S, gate, o7 + V).compare(VectorOperators.LE, 0f)).intoArray(edge, 7 * V);
            storeEdge(edge, c, i, j + V, n);
        }
    }

    /** The 8 partial vectors that {@link #tile8x2} left in edge, stored to rows i… of c from column j under a mask. */
    private static void storeEdge(float[] edge, float[] c, int i, int j, int n) {
        VectorMask<Float> m = S.indexInRange(j, n);
        for (int r = 0; r < 8; r++) {
            FloatVector.fromArray(S, edge, r * V).intoArray(c, (i + r) * n + j, m);
        }
    }

    private static void tile4x3(float[] a, int aRow, int aCol, float[] b, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c02 = c02.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c12 = c12.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c22 = c22.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
            c32 = c32.mul(alpha);
        }
        if (beta != 0f) {
            c00 = FloatVector.fromArray(S, c, o0).mul(beta).add(c00);
            c01 = FloatVector.fromArray(S, c, o0 + V).mul(beta).add(c01);
            c02 = FloatVector.fromArray(S, c, o0 + 2 * V).mul(beta).add(c02);
            c10 = FloatVector.fromArray(S, c, o1).mul(beta).add(c10);
            c11 = FloatVector.fromArray(S, c, o1 + V).mul(beta).add(c11);
            c12 = FloatVector.fromArray(S, c, o1 + 2 * V).mul(beta).add(c12);
            c20 = FloatVector.fromArray(S, c, o2).mul(beta).add(c20);
            c21 = FloatVector.fromArray(S, c, o2 + V).mul(beta).add(c21);
            c22 = FloatVector.fromArray(S, c, o2 + 2 * V).mul(beta).add(c22);
            c30 = FloatVector.fromArray(S, c, o3).mul(beta).add(c30);
            c31 = FloatVector.fromArray(S, c, o3 + V).mul(beta).add(c31);
            c32 = FloatVector.fromArray(S, c, o3 + 2 * V).mul(beta).add(c32);
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + V);
        c02.intoArray(c, o0 + 2 * V);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + V);
        c12.intoArray(c, o1 + 2 * V);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + V);
        c22.intoArray(c, o2 + 2 * V);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + V);
        c32.intoArray(c, o3 + 2 * V);
    }

    private static void tile1x3(float[] a, int aRow, int aCol, float[] b, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        int a0 = i * aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = j * k + 3 * V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
        }
        int o0 = i * n + j;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c02 = c02.mul(alpha);
        }
        if (beta != 0f) {
            c00 = FloatVector.fromArray(S, c, o0).mul(beta).add(c00);
            c01 = FloatVector.fromArray(S, c, o0 + V).mul(beta).add(c01);
            c02 = FloatVector.fromArray(S, c, o0 + 2 * V).mul(beta).add(c02);
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + V);
        c02.intoArray(c, o0 + 2 * V);
    }

    /**
     * One vector of columns: what is left of a row after the wider blocks, full or partial.
     * Loads are whole vectors (past the row's end they read the next row, or the arrays' slack) and
     * only the store is masked: with masked loads in its loop the 8-row tile was too big for C1, and
     * the method then stayed in slow tier-2 code (13 steps/s at batch 1024). The mask is made here:
     * passed in, it would be a boxed object.
     */
    private static void tile8x1(float[] a, int aRow, int aCol, float[] b, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = j * k + V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + ap]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + ap]).fma(b0, c7);
        }
        if (alpha != 1f) {
            c0 = c0.mul(alpha);
            c1 = c1.mul(alpha);
            c2 = c2.mul(alpha);
            c3 = c3.mul(alpha);
            c4 = c4.mul(alpha);
            c5 = c5.mul(alpha);
            c6 = c6.mul(alpha);
            c7 = c7.mul(alpha);
        }
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, i * n + j).mul(beta).add(c0);
            c1 = FloatVector.fromArray(S, c, (i + 1) * n + j).mul(beta).add(c1);
            c2 = FloatVector.fromArray(S, c, (i + 2) * n + j).mul(beta).add(c2);
            c3 = FloatVector.fromArray(S, c, (i + 3) * n + j).mul(beta).add(c3);
            c4 = FloatVector.fromArray(S, c, (i + 4) * n + j).mul(beta).add(c4);
            c5 = FloatVector.fromArray(S, c, (i + 5) * n + j).mul(beta).add(c5);
            c6 = FloatVector.fromArray(S, c, (i + 6) * n + j).mul(beta).add(c6);
            c7 = FloatVector.fromArray(S, c, (i + 7) * n + j).mul(beta).add(c7);
        }
        c0.intoArray(c, i * n + j, m);
        c1.intoArray(c, (i + 1) * n + j, m);
        c2.intoArray(c, (i + 2) * n + j, m);
        c3.intoArray(c, (i + 3) * n + j, m);
        c4.intoArray(c, (i + 4) * n + j, m);
        c5.intoArray(c, (i + 5) * n + j, m);
        c6.intoArray(c, (i + 6) * n + j, m);
        c7.intoArray(c, (i + 7) * n + j, m);
    }

    /**
     * {@link #tile8x1} with {@link #tile8x3Forward}'s epilogue. Here it matters most: {@code finish}
     * reloaded whole vectors just stored under a mask, which the CPU cannot forward from the store,
     * and the teacher's products of 10 and 15 columns spent half their time there.
     */
    private static void tile8x1Forward(float[] a, int aRow, int aCol, float[] b, float[] c, int i, int j,
                                        int n, int k, float[] bias, float floor) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = j * k + V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + ap]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + ap]).fma(b0, c7);
        }
        FloatVector d = FloatVector.fromArray(S, bias, j);
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c0.add(d).max(floor).intoArray(c, o0, m);
        c1.add(d).max(floor).intoArray(c, o1, m);
        c2.add(d).max(floor).intoArray(c, o2, m);
        c3.add(d).max(floor).intoArray(c, o3, m);
        c4.add(d).max(floor).intoArray(c, o4, m);
        c5.add(d).max(floor).intoArray(c, o5, m);
        c6.add(d).max(floor).intoArray(c, o6, m);
        c7.add(d).max(floor).intoArray(c, o7, m);
    }

    /** {@link #tile8x1} with {@link #tile8x3Gate}'s epilogue. */
    private static void tile8x1Gate(float[] a, int aRow, int aCol, float[] b, float[] c, int i, int j,
                                    int n, int k, float[] gate) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S), c6 = FloatVector.zero(S), c7 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow, a4 = a3 + aRow, a5 = a4 + aRow, a6 = a5 + aRow, a7 = a6 + aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = j * k + V * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[a6 + ap]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[a7 + ap]).fma(b0, c7);
        }
        int o0 = i * n + j;
        int o1 = (i + 1) * n + j;
        int o2 = (i + 2) * n + j;
        int o3 = (i + 3) * n + j;
        int o4 = (i + 4) * n + j;
        int o5 = (i + 5) * n + j;
        int o6 = (i + 6) * n + j;
        int o7 = (i + 7) * n + j;
        c0.blend(0f, FloatVector.fromArray(S, gate, o0).compare(VectorOperators.LE, 0f)).intoArray(c, o0, m);
        c1.blend(0f, FloatVector.fromArray(S, gate, o1).compare(VectorOperators.LE, 0f)).intoArray(c, o1, m);
        c2.blend(0f, FloatVector.fromArray(S, gate, o2).compare(VectorOperators.LE, 0f)).intoArray(c, o2, m);
        c3.blend(0f, FloatVector.fromArray(S, gate, o3).compare(VectorOperators.LE, 0f)).intoArray(c, o3, m);
        c4.blend(0f, FloatVector.fromArray(S, gate, o4).compare(VectorOperators.LE, 0f)).intoArray(c, o4, m);
        c5.blend(0f, FloatVector.fromArray(S, gate, o5).compare(VectorOperators.LE, 0f)).intoArray(c, o5, m);
        c6.blend(0f, FloatVector.fromArray(S, gate, o6).compare(VectorOperators.LE, 0f)).intoArray(c, o6, m);
        c7.blend(0f, FloatVector.fromArray(S, gate, o7).compare(VectorOperators.LE, 0f)).intoArray(c, o7, m);
    }

    private static void tile4x1(float[] a, int aRow, int aCol, float[] b, int panel, int width, float[] c, int i,
                                int j, int n, int k, float alpha, float beta) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = panel + width * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
        }
        if (alpha != 1f) {
            c0 = c0.mul(alpha);
            c1 = c1.mul(alpha);
            c2 = c2.mul(alpha);
            c3 = c3.mul(alpha);
        }
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, i * n + j).mul(beta).add(c0);
            c1 = FloatVector.fromArray(S, c, (i + 1) * n + j).mul(beta).add(c1);
            c2 = FloatVector.fromArray(S, c, (i + 2) * n + j).mul(beta).add(c2);
            c3 = FloatVector.fromArray(S, c, (i + 3) * n + j).mul(beta).add(c3);
        }
        c0.intoArray(c, i * n + j, m);
        c1.intoArray(c, (i + 1) * n + j, m);
        c2.intoArray(c, (i + 2) * n + j, m);
        c3.intoArray(c, (i + 3) * n + j, m);
    }

    private static void tile1x1(float[] a, int aRow, int aCol, float[] b, int panel, int width, float[] c, int i,
                                int j, int n, int k, float alpha, float beta) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S);
        int a0 = i * aRow;
        for (int p = 0, ap = 0; p < k; p++, ap += aCol) {
            int bo = panel + width * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
        }
        if (alpha != 1f) {
            c0 = c0.mul(alpha);
        }
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, i * n + j).mul(beta).add(c0);
        }
        c0.intoArray(c, i * n + j, m);
    }

    /**
     * The rest of the epilogue on {@code rows × cols} of c at (i, j): bias, ReLU, gate. A method of
     * its own over the array, not the registers: a call that took vectors would box them, and
     * inlined into every tile it would exceed what C2 is willing to inline. Loads are whole vectors
     * (the arrays have slack); only a partial vector's store is masked.
     */
    private static void finish(float[] c, int i, int rows, int j, int cols, int n,
                               float[] bias, boolean relu, float[] gate) {
        if (cols > 3 * V && rows > 1) {
            // A whole row chunk (AVX2): row by row, so the gate is read in long runs (entry 19).
            for (int r = i; r < i + rows; r++) {
                finish(c, r, 1, j, cols, n, bias, relu, gate);
            }
            return;
        }
        // A column block: down each column of vectors (entry 35 of jmh/PERFORMANCE.md).
        int end = j + cols;
        for (int q = j; q < end; q += V) {
            VectorMask<Float> tail = S.indexInRange(q, end);
            boolean whole = q + V <= end;
            for (int off = i * n + q, last = off + rows * n; off < last; off += n) {
                FloatVector v = FloatVector.fromArray(S, c, off);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, q));
                }
                if (relu) {
                    v = v.max(0f);
                }
                if (gate != null) {
                    v = v.blend(0f, FloatVector.fromArray(S, gate, off).compare(VectorOperators.LE, 0f));
                }
                if (whole) {
                    v.intoArray(c, off);
                } else {
                    v.intoArray(c, off, tail);
                }
            }
        }
    }

    /** z[i] = x[i] · y[i] for i < count. */
    static void hadamard(float[] x, float[] y, float[] z, int count) {
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector.fromArray(S, x, i).mul(FloatVector.fromArray(S, y, i)).intoArray(z, i);
        }
        for (; i < count; i++) {
            z[i] = x[i] * y[i];
        }
    }

    /** z[i] = (x[i] + y[i]) / 2 for i < count. */
    static void average(float[] x, float[] y, float[] z, int count) {
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, y, i)).mul(0.5f).intoArray(z, i);
        }
        for (; i < count; i++) {
            z[i] = (x[i] + y[i]) * 0.5f;
        }
    }

    /** g[i] = (z[i] > 0) ? 1 : 0 for i < count. */
    static void gate(float[] z, float[] g, int count) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector.zero(S).blend(one, FloatVector.fromArray(S, z, i).compare(VectorOperators.GT, 0f)).intoArray(g, i);
        }
        for (; i < count; i++) {
            g[i] = z[i] > 0f ? 1f : 0f;
        }
    }

    /**
     * Σ over rows of {@code dz[batch × n]}, into {@code out = beta·out + alpha·Σ}. Each column is
     * summed over the rows in order, so the bits are those of a plain loop. Four vectors of columns
     * go together: each sum is a chain of {@code batch} dependent adds, and one chain at a time left
     * the adders idle (≈ 1.3% of a batch-64 step, entry 52 of jmh/PERFORMANCE.md). A partial last
     * vector is loaded whole (dz has a vector's slack past its last row) and stored under a mask.
     */
    static void columnSums(float[] dz, int batch, int n, float[] out, float alpha, float beta) {
        int j = 0;
        for (; j + 4 * V <= n; j += 4 * V) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int i = 0, o = j; i < batch; i++, o += n) {
                s0 = s0.add(FloatVector.fromArray(S, dz, o));
                s1 = s1.add(FloatVector.fromArray(S, dz, o + V));
                s2 = s2.add(FloatVector.fromArray(S, dz, o + 2 * V));
                s3 = s3.add(FloatVector.fromArray(S, dz, o + 3 * V));
            }
            FloatVector o0 = FloatVector.zero(S), o1 = o0, o2 = o0, o3 = o0;
            if (beta != 0f) {
                o0 = FloatVector.fromArray(S, out, j).mul(beta);
                o1 = FloatVector.fromArray(S, out, j + V).mul(beta);
                o2 = FloatVector.fromArray(S, out, j + 2 * V).mul(beta);
                o3 = FloatVector.fromArray(S, out, j + 3 * V).mul(beta);
            }
            o0.add(s0.mul(alpha)).intoArray(out, j);
            o1.add(s1.mul(alpha)).intoArray(out, j + V);
            o2.add(s2.mul(alpha)).intoArray(out, j + 2 * V);
            o3.add(s3.mul(alpha)).intoArray(out, j + 3 * V);
        }
        for (; j < n; j += V) {
            FloatVector sum = FloatVector.zero(S);
            for (int i = 0, o = j; i < batch; i++, o += n) {
                sum = sum.add(FloatVector.fromArray(S, dz, o));
            }
            VectorMask<Float> valid = S.indexInRange(j, n);
            FloatVector old = beta == 0f ? FloatVector.zero(S) : FloatVector.fromArray(S, out, j, valid).mul(beta);
            old.add(sum.mul(alpha)).intoArray(out, j, valid);
        }
    }

    /** dy = 2 (ys − yt) / count; returns the mean of (ys − yt)². */
    static float mseLoss(float[] ys, float[] yt, float[] dy, int count) {
        float scale = 2f / count;
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector d = FloatVector.fromArray(S, ys, i).sub(FloatVector.fromArray(S, yt, i));
            acc = d.fma(d, acc);
            d.mul(scale).intoArray(dy, i);
        }
        // Lanes summed in a fixed order: reduceLanes may associate differently once C2 compiles it,
        // which would make the same run print different losses.
        double sum = 0;
        for (int lane = 0; lane < V; lane++) {
            sum += acc.lane(lane);
        }
        for (; i < count; i++) {
            float d = ys[i] - yt[i];
            sum += d * d;
            dy[i] = scale * d;
        }
        return count == 0 ? 0f : (float) (sum / count);
    }

    /** Subtracts each column's mean in place and returns {@code rsqrt(Σ centred² + 1e-10)} per column. */
    static void centreColumns(float[] x, int rows, int cols, float[] mean, float[] invNorm) {
        java.util.Arrays.fill(mean, 0, cols, 0f);
        java.util.Arrays.fill(invNorm, 0, cols, 0f);
        for (int i = 0; i < rows; i++) {
            addRow(x, i * cols, mean, cols, 1f);
        }
        float inv = rows == 0 ? 0f : 1f / rows;
        for (int j = 0; j < cols; j++) {
            mean[j] *= inv;
        }
        for (int i = 0; i < rows; i++) {
            addRow(mean, 0, x, i * cols, cols, -1f);
            for (int j = 0; j < cols; j++) {
                float d = x[i * cols + j];
                invNorm[j] += d * d;
            }
        }
        for (int j = 0; j < cols; j++) {
            invNorm[j] = (float) (1 / Math.sqrt(invNorm[j] + 1e-10));
        }
    }

    private static void addRow(float[] src, int srcOff, float[] dst, int cols, float scale) {
        addRow(src, srcOff, dst, 0, cols, scale);
    }

    /** dst[dstOff + j] += scale · src[srcOff + j]. */
    private static void addRow(float[] src, int srcOff, float[] dst, int dstOff, int cols, float scale) {
        int j = 0;
        for (; j < S.loopBound(cols); j += V) {
            FloatVector.fromArray(S, src, srcOff + j).mul(scale).add(FloatVector.fromArray(S, dst, dstOff + j))
                    .intoArray(dst, dstOff + j);
        }
        for (; j < cols; j++) {
            dst[dstOff + j] += scale * src[srcOff + j];
        }
    }
}
