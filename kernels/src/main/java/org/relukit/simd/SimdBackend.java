package org.relukit.simd;

import static org.relukit.backend.HostTensor.dataOrNull;
import static org.relukit.backend.HostTensor.of;

import java.util.Arrays;
import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Tensor;
import org.relukit.scalar.ScalarBackend;

/**
 * The Vector API backend. The kernels that carry the work (every matrix product, the MSE loss,
 * the element-wise products of the matrix experiment) are {@link SimdKernels}, and the
 * convolutions and BatchNorm2d {@link ConvKernels} and {@link Winograd} around the same product; the cheap rest
 * (copies, normalisations, the SGD update with momentum, BatchNorm1d, the cross-entropy over a few
 * classes) is handed to a scalar reference backend, so it gives the same bits as the scalar
 * backend. Shapes are checked before a call gets here (see {@link Backend}).
 *
 * <p>Not for two threads at once: the packed-operand, statistics and patch-matrix buffers below are per instance.
 * With {@code threads > 1} a large product also runs on {@link ParallelGemm}'s helper threads
 * (daemons, started with the backend), which the call waits for; they spin for half a millisecond
 * after each product before they park, and {@link #close} stops them. A training step over a large
 * batch runs in two halves ({@link #splitsBatch}); with {@code threads > 1} each half runs on a
 * backend of its own ({@link #half}), the second on a {@link HalfThread}.
 */
public final class SimdBackend implements Backend {
    /**
     * Below this many multiply-adds a product runs on the calling thread: a hand-off costs more. At
     * 2¹⁹ the batch-64 step's larger products split, and 2 threads ran it 1.3–1.55× faster than one
     * on the Zen 5 VM; 2²² kept them all on one thread, 2²⁰ gave 1.35×, 2¹⁸ was no better than 2¹⁹
     * and less steady (entry 39 of jmh/PERFORMANCE.md). That is where its two vCPUs share a cache;
     * where they do not, {@link SplitTrial} keeps these products on one thread (entry 40).
     */
    private static final long PARALLEL_WORK = 1L << 19;
    /**
     * From this many multiply-adds a product always runs across threads; below it, as
     * {@link SplitTrial} finds faster. Products from 2²² gained on every placement of the vCPUs
     * (entry 4 of jmh/PERFORMANCE.md); the batch-64 step's, up to 3.2·10⁶, did only on some (entry 40).
     */
    private static final long ALWAYS_PARALLEL_WORK = 1L << 22;

    /** Runs the cheap kernels; it keeps no state, and its tensors are the same {@link HostTensor}s. */
    private final ScalarBackend scalar = new ScalarBackend();
    private final int threads;
    /** Null with one thread. */
    private final ParallelGemm parallel;
    /** Whether the middling products split; null with one thread. */
    private final SplitTrial splitTrial;
    /**
     * A training step over at least this many rows runs in two halves, at every thread count:
     * with two threads, one hand-off per step instead of one per product. At 256 rows that gave
     * +18% on two threads for −2% on one; at 128, −10% on one; at 64, −23% on one and at most
     * 1.24× the one-thread step on two (entries 23 and 23a of jmh/PERFORMANCE.md).
     */
    private static final int SPLIT_BATCH = 256;
    /** The backends of a split step's halves, with this backend's threads shared out; made on first use. */
    private SimdBackend[] halves;
    /** Runs the second half of a split step; null with one thread, where the halves run in turn. */
    private final HalfThread secondHalf;
    /** The right operand of the current product, {@link SimdKernels#pack}ed; grown, never shrunk, so a step allocates nothing. */
    private float[] packed = new float[0];
    /** Room for the row-major copy of a transposed left operand that {@link SimdKernels#gemm} makes; grown likewise. */
    private float[] leftCopy = new float[0];

    SimdBackend(int threads) {
        this.threads = threads;
        this.parallel = threads == 1 ? null : new ParallelGemm(threads);
        this.splitTrial = threads == 1 ? null : new SplitTrial();
        this.secondHalf = threads == 1 ? null : new HalfThread();
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String description() {
        return "Vector API, " + SimdSpecies.FLOAT.vectorBitSize() + "-bit species"
                + (SimdProvider.fmaEnabled() ? ", FMA" : ", no FMA")
                + ", " + threads + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return scalar.allocate(rows, cols);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        scalar.upload(src, dst);
    }

    @Override
    public void download(Tensor src, float[] dst) {
        scalar.download(src, dst);
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        scalar.copyRows(src, srcRow, dst, dstRow, count);
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        layer(x, w, b, h, true);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        layer(x, w, b, y, false);
    }

    private void layer(Tensor x, Tensor w, Tensor b, Tensor out, boolean relu) {
        int n = w.rows(), k = w.cols();
        gemm(of(x).data, k, 1, of(w).data, k, true, of(out).data, x.rows(), n, k, 1f, 0f, dataOrNull(b), relu, null,
                ownedSplit(x.rows(), Split.COLUMNS));
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        return SimdKernels.mseLoss(of(ys).data, of(yt).data, of(dy).data, ys.size());
    }

    /** The scalar kernel: a few exponentials per class, next to nothing in a step. */
    @Override
    public float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        return scalar.crossEntropyLoss(logits, teacherOutput, dLogits);
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        int n = w.rows(), k = w.cols();
        gemm(of(dz).data, n, 1, of(w).data, k, false, of(dx).data, dz.rows(), k, n, 1f, 0f, null, false, dataOrNull(h),
                ownedSplit(dz.rows(), Split.COLUMNS));
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        weightUpdate(dz, x, dw, db, 1f, 0f);
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        weightUpdate(dz, x, w, b, -lr, 1f);
    }

    /** w = beta·w + alpha·dzᵀx, b = beta·b + alpha·Σ dz. */
    private void weightUpdate(Tensor dz, Tensor x, Tensor w, Tensor b, float alpha, float beta) {
        int batch = dz.rows(), n = dz.cols(), k = x.cols();
        gemm(of(dz).data, 1, n, of(x).data, k, false, of(w).data, n, k, batch, alpha, beta, null, false, null,
                ownedSplit(batch, Split.ROWS));
        if (b != null) {
            SimdKernels.columnSums(of(dz).data, batch, n, of(b).data, alpha, beta);
        }
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        scalar.sgdUpdate(p, grad, velocity, lr, momentum, weightDecay);
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        scalar.normalizeRows(w, b);
    }

    @Override
    public void normalizeColumns(Tensor w) {
        scalar.normalizeColumns(w);
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        int samples = t.rows(), kt = t.cols(), ks = s.cols();
        scratch.reset();
        float[] tc = scratch.take(t.size()), sc = scratch.take(s.size());
        float[] tMean = scratch.take(kt), tInv = scratch.take(kt), sMean = scratch.take(ks), sInv = scratch.take(ks);
        System.arraycopy(of(t).data, 0, tc, 0, t.size());
        System.arraycopy(of(s).data, 0, sc, 0, s.size());
        SimdKernels.centreColumns(tc, samples, kt, tMean, tInv);
        SimdKernels.centreColumns(sc, samples, ks, sMean, sInv);
        float[] out = of(c).data;
        gemm(tc, 1, kt, sc, ks, out, kt, ks, samples, 1f, 0f, null, false, null);
        for (int a = 0; a < kt; a++) {
            for (int q = 0; q < ks; q++) {
                out[a * ks + q] *= tInv[a] * sInv[q];
            }
        }
    }

    @Override
    public void average(Tensor a, Tensor b, Tensor c) {
        SimdKernels.average(of(a).data, of(b).data, of(c).data, c.size());
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        SimdKernels.hadamard(of(a).data, of(b).data, of(c).data, c.size());
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        SimdKernels.gate(of(z).data, of(g).data, g.size());
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        int m = c.rows(), n = c.cols(), k = transposeA ? a.rows() : a.cols();
        int aRow = transposeA ? 1 : a.cols(), aCol = transposeA ? a.cols() : 1;
        gemm(of(a).data, aRow, aCol, of(b).data, b.cols(), transposeB, of(c).data, m, n, k, alpha, beta, null, false, null,
                Split.PIECES);
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        scalar.batchNormTrain(x, gamma, beta, runningMean, runningVar, momentum, eps, relu, y, batchMean, batchInvStd);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        scalar.batchNormEval(x, gamma, beta, runningMean, runningVar, eps, relu, y);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        scalar.batchNormBackward(dy, x, gamma, batchMean, batchInvStd, gate, dx, dGamma, dBeta);
    }

    /** {@code array}, or a new one when it is shorter than {@code size} floats and a tensor's slack. */
    private static float[] grown(float[] array, int size) {
        return array.length < size + HostTensor.SLACK ? new float[size + HostTensor.SLACK] : array;
    }

    /**
     * Work arrays of the statistics and conv kernels, kept between calls so they allocate only while growing;
     * with a tensor's slack, since the products read whole vectors at the ends of rows.
     */
    private static final class Scratch {
        private float[][] arrays = new float[6][0];
        private int used;

        float[] take(int size) {
            arrays[used] = grown(arrays[used], size);
            return arrays[used++];
        }

        void reset() {
            used = 0;
        }
    }

    private final Scratch scratch = new Scratch();

    /** Products that helper threads took part in so far (0 with one thread). */
    long productsOnHelpers() {
        return parallel == null ? 0 : parallel.helperProducts();
    }

    /** How {@link ParallelGemm} shares a product's work out: any thread takes any piece of rows, or each its own block. */
    private enum Split { PIECES, ROWS, COLUMNS }

    /**
     * A training step's split on a batch too small for halves: each thread its own block, so that a
     * layer's weights, and the activations and gradients of its outputs, stay with the thread that
     * wrote them (the weight update by rows, the forward and the input gradient by columns, at the
     * same {@link ParallelGemm#boundary}). A larger batch (an evaluation's, say) goes in pieces of rows.
     */
    private static Split ownedSplit(int batch, Split owned) {
        return batch < SPLIT_BATCH ? owned : Split.PIECES;
    }

    /** {@link #gemm} with b read as {@code b[p·ldb + j]}, its rows in pieces. */
    private void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int m, int n, int k,
                      float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        gemm(a, aRow, aCol, b, ldb, false, c, m, n, k, alpha, beta, bias, relu, gate, Split.PIECES);
    }

    /**
     * Packs b (read as {@code b[p·ldb + j]}, or {@code b[j·ldb + p]} when {@code transposedB}) and
     * runs the product on the calling thread, or across threads as {@code split} says when the
     * product is big enough to pay for it.
     */
    private void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, boolean transposedB, float[] c, int m,
                      int n, int k, float alpha, float beta, float[] bias, boolean relu, float[] gate, Split split) {
        long work = (long) m * n * k;
        boolean splittable = parallel != null && m >= 2 * SimdKernels.MR && work >= PARALLEL_WORK;
        boolean middling = splittable && work < ALWAYS_PARALLEL_WORK;
        long start = middling ? System.nanoTime() : 0;
        if (!splittable || middling && !splitTrial.split()) {
            packed = grown(packed, SimdKernels.packedSize(n, k));
            leftCopy = grown(leftCopy, SimdKernels.leftCopySize(m, k, aRow, aCol, alpha, beta, bias, relu,
                    gate));
            SimdKernels.pack(b, ldb, transposedB, n, k, packed);
            SimdKernels.gemm(a, aRow, aCol, leftCopy, packed, c, 0, m, n, k, alpha, beta, bias, relu, gate);
        } else if (split == Split.PIECES) {
            parallel.gemm(a, aRow, aCol, b, ldb, transposedB, c, m, n, k, alpha, beta, bias, relu, gate);
        } else {
            parallel.gemmOwned(split == Split.COLUMNS, a, aRow, aCol, b, ldb, transposedB, c, m, n, k, alpha, beta,
                    bias, relu, gate);
        }
        if (middling) {
            splitTrial.record(work, System.nanoTime() - start);
        }
    }

    /*
     * Convolutions, a group of images at a time: their patch matrices (im2col, C·9 × P each for P
     * output positions) side by side in a scratch array, so the blocked product of SimdKernels.gemm
     * runs over the group's G·P columns (one image alone is a narrow product, P = 196 down to 64,
     * whose part-filled edge tiles and per-call costs dominate), split across threads as every other
     * product. The forward and the input gradient also go a block of channels at a time, so the
     * product's sum over the block (at most ≈ 256 terms) keeps its panel of the right operand in L1.
     * The scratch arrays grow to the largest layer once and are kept, so a step allocates nothing.
     */

    /**
     * Columns a conv product aims at. The group size and the channel blocks depend on the shapes only
     * (never on the thread count), so every sum runs in the same order however many threads there are.
     */
    private static final int GROUP_COLUMNS = 512;
    /** Terms of a sum over patch rows per product: the panel of 3 vectors × this many rows fits L1. */
    private static final int BLOCK_TERMS = 256;

    /** Images per conv product: enough for {@link #GROUP_COLUMNS} columns, at most the batch. */
    private static int imagesPerProduct(int positions, int batch) {
        return Math.max(1, Math.min(batch, Math.ceilDiv(GROUP_COLUMNS, Math.max(1, positions))));
    }

    /** Input channels per block of a product's sum: 9 patch rows each. */
    private static int channelsPerBlock(int channels) {
        return Math.max(1, Math.min(channels, BLOCK_TERMS / 9));
    }

    /**
     * {@code y_g[N × G·P] = Σ_blocks w_block · cols_g,block} over blocks of input channels, then each
     * image's columns with its filters' biases and the ReLU.
     */
    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        if (winograd(w.cols() / 9, height, width)) {
            winogradForward(x, height, width, w, b, relu, y);
            return;
        }
        int filters = w.rows(), k = w.cols(), channels = k / 9, positions = (height - 2) * (width - 2);
        int batch = x.rows(), group = imagesPerProduct(positions, batch), block = channelsPerBlock(channels);
        int ld = SimdKernels.paddedStride(group * positions);
        float[] xs = of(x).data, ws = of(w).data, ys = of(y).data, bias = dataOrNull(b);
        scratch.reset();
        float[] cols = scratch.take(9 * block * ld), wBlock = scratch.take(filters * 9 * block);
        float[] product = scratch.take(filters * group * positions);
        for (int i = 0; i < batch; i += group) {
            int images = Math.min(group, batch - i), columns = images * positions;
            for (int c0 = 0; c0 < channels; c0 += block) {
                int count = Math.min(block, channels - c0), terms = 9 * count;
                ConvKernels.im2col(xs, i * x.cols(), x.cols(), images, c0, count, height, width, cols, ld);
                float[] filterBlock = terms == k ? ws : ConvKernels.columnBlock(ws, filters, k, 9 * c0, terms, wBlock);
                gemm(filterBlock, terms, 1, cols, ld, product, filters, columns, terms, 1f, c0 == 0 ? 0f : 1f, null, false, null);
            }
            for (int g = 0; g < images; g++) {
                ConvKernels.addRowBias(product, columns, g * positions, filters, positions, bias, relu, ys,
                        (i + g) * y.cols());
            }
        }
    }

    /**
     * {@code dcols_g,block[9·C_block × G·P] = w_blockᵀ · dy_g} (the group's maps side by side), added
     * back onto each image's channels of the block (col2im) and gated.
     */
    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        if (winograd(w.cols() / 9, height, width)) {
            winogradBackwardInput(dy, w, height, width, gate, dx);
            return;
        }
        int filters = w.rows(), k = w.cols(), channels = k / 9, positions = (height - 2) * (width - 2);
        int batch = dy.rows(), group = imagesPerProduct(positions, batch), block = channelsPerBlock(channels);
        int ld = SimdKernels.paddedStride(group * positions), map = height * width;
        float[] dys = of(dy).data, ws = of(w).data, dxs = of(dx).data, gates = dataOrNull(gate);
        scratch.reset();
        float[] dyGroup = scratch.take(filters * ld), wBlock = scratch.take(filters * 9 * block);
        float[] dcols = scratch.take(9 * block * group * positions);
        for (int i = 0; i < batch; i += group) {
            int images = Math.min(group, batch - i), columns = images * positions;
            ConvKernels.sideBySide(dys, i * dy.cols(), dy.cols(), images, filters, positions, dyGroup, ld);
            for (int c0 = 0; c0 < channels; c0 += block) {
                int count = Math.min(block, channels - c0), terms = 9 * count;
                float[] filterBlock = terms == k ? ws : ConvKernels.columnBlock(ws, filters, k, 9 * c0, terms, wBlock);
                gemm(filterBlock, 1, terms, dyGroup, ld, dcols, terms, columns, filters, 1f, 0f, null, false, null);
                for (int g = 0; g < images; g++) {
                    ConvKernels.col2im(dcols, columns, g * positions, count, height, width, gates, dxs,
                            (i + g) * dx.cols() + c0 * map);
                }
            }
        }
    }

    @Override
    public void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db) {
        convWeightUpdate(dy, x, height, width, dw, db, 1f, 0f);
    }

    @Override
    public void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr) {
        convWeightUpdate(dy, x, height, width, w, b, -lr, 1f);
    }

    /**
     * {@code w = beta·w + alpha·dw}, {@code b = beta·b + alpha·db}. The gradient is summed transposed,
     * {@code dwᵀ[C·9 × N] += cols_b · dy_bᵀ} image by image, so both operands are the scratch arrays
     * (the patch matrix and a transposed copy of the image's dy) and the product's rows are the long
     * C·9 side; it is applied to w once, at the end. Here a product per image is already a sum over
     * P ≤ 196 terms, and groups of images measured no faster (jmh/PERFORMANCE.md, entry 18).
     */
    private void convWeightUpdate(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float alpha, float beta) {
        if (winograd(w.cols() / 9, height, width)) {
            winogradWeightUpdate(dy, x, height, width, w, b, alpha, beta);
            return;
        }
        int filters = w.rows(), k = w.cols(), positions = (height - 2) * (width - 2), batch = x.rows();
        int ldt = SimdKernels.paddedStride(filters);
        float[] dys = of(dy).data, xs = of(x).data;
        scratch.reset();
        float[] cols = scratch.take(k * positions), dyT = scratch.take(positions * ldt), dwT = scratch.take(k * filters);
        if (batch == 0) {
            Arrays.fill(dwT, 0f);
        }
        for (int i = 0; i < batch; i++) {
            ConvKernels.im2col(xs, i * x.cols(), x.cols(), 1, 0, k / 9, height, width, cols, positions);
            SimdKernels.transpose(dys, i * dy.cols(), filters, positions, dyT, 0, ldt);
            gemm(cols, positions, 1, dyT, ldt, dwT, k, filters, positions, 1f, i == 0 ? 0f : 1f, null, false, null);
        }
        ConvKernels.addTransposed(dwT, k, filters, of(w).data, alpha, beta);
        if (b != null) {
            ConvKernels.channelSums(dys, batch, filters, positions, of(b).data, alpha, beta);
        }
    }

    /*
     * The convolutions of layers with many input channels go through Winograd's F(4 × 4, 3 × 3)
     * instead ({@link Winograd}): 36 products over a group of images' tiles, with 1/4 of the patch
     * matrix's multiply-adds (F(2 × 2, 3 × 3), 16 products with 4/9, ran the conv step at a median
     * 0.72× of this speed: jmh/PERFORMANCE.md, entry 27). With few channels the products' sums are too short to
     * pay for the transforms, and the patch matrix is cheap; on maps under 5 × 5 a tile's 36 points
     * cost as much as the patch matrix's 9 terms an output.
     */

    /** {@code -Drelukit.simd.winograd=false} keeps every layer on the patch matrix, to compare the two. */
    private static final boolean WINOGRAD = !"false".equals(System.getProperty("relukit.simd.winograd"));
    /**
     * Input channels from which a convolution goes through Winograd's transforms. From 16, the
     * small net's 16 → 24 layer made its step 10% slower (bench, ks [4, 6] × 4); the default
     * student's layers have 100 to 200.
     */
    private static final int WINOGRAD_CHANNELS = 32;
    /** Map sides from which a convolution goes through Winograd's transforms (3 × 3 outputs and up). */
    private static final int WINOGRAD_SIDE = 5;
    /**
     * Tiles a Winograd product aims at: its rows. 64 to 512 ran alike (bench, default conv nets);
     * the 36 planes of a group's transformed operands grow with it (36 × 256 × 256 floats ≈ 9 MB).
     */
    private static final int GROUP_TILES = 256;

    private static boolean winograd(int channels, int height, int width) {
        return WINOGRAD && channels >= WINOGRAD_CHANNELS && height >= WINOGRAD_SIDE && width >= WINOGRAD_SIDE;
    }

    /** The 36 planes of a transformed operand, grown once, as {@link Scratch}. */
    private static final class Planes {
        private final float[][] arrays = new float[Winograd.POINTS][0];

        float[][] take(int size) {
            for (int i = 0; i < arrays.length; i++) {
                arrays[i] = grown(arrays[i], size);
            }
            return arrays;
        }
    }

    private final Planes filterPlanes = new Planes(), inputPlanes = new Planes(), outputPlanes = new Planes();

    /*
     * Each image's maps are transposed to channels last before its tiles are transformed, and its
     * outputs or input gradient transposed back after, so each plane is tile × channel (or filter)
     * and the transforms run over whole vectors of channels (Winograd). Reading a plane row's lanes
     * past its n channels reaches into the next row, hence the planes' extra row of slack.
     */

    /** {@code y = Aᵀ (V · U) A} per tile, a group of images at a time: one product per point of the domain. */
    private void winogradForward(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        int filters = w.rows(), channels = w.cols() / 9, oh = height - 2, ow = width - 2;
        int th = Winograd.tiles(oh), tw = Winograd.tiles(ow), perImage = th * tw, batch = x.rows();
        int group = imagesPerGroup(perImage, batch), most = group * perImage;
        int ldc = Winograd.lanes(channels), ldn = Winograd.lanes(filters);
        float[] xs = of(x).data, ys = of(y).data;
        scratch.reset();
        int ph = Winograd.inputSide(height), pw = Winograd.inputSide(width), pow = Winograd.outputSide(ow);
        float[] xt = scratch.take(Winograd.channelsLastSize(ph, pw, ldc));
        float[] yt = scratch.take(Winograd.channelsLastSize(Winograd.outputSide(oh), pow, ldn)), bias = scratch.take(ldn);
        float[] tmp = scratch.take(Winograd.tileScratchSize(tw, ldc, ldn));
        Arrays.fill(bias, 0f);
        if (b != null) {
            System.arraycopy(of(b).data, 0, bias, 0, filters);
        }
        float[][] u = filterPlanes.take(channels * filters);
        float[][] v = inputPlanes.take(most * ldc);
        float[][] m = outputPlanes.take(most * filters + ldn);
        Winograd.filters(of(w).data, filters, channels, u, true, scratch.take(filters * channels * 9), tmp);
        for (int i = 0; i < batch; i += group) {
            int images = Math.min(group, batch - i), columns = images * perImage;
            for (int g = 0; g < images; g++) {
                Winograd.channelsLast(xs, (i + g) * x.cols(), channels, height, width, ph, pw, xt, ldc);
                Winograd.inputTiles(xt, th, tw, ldc, g * perImage, v, tmp);
            }
            // U's plane is packed again for every group: the copy lands in one buffer hot in L2, where
            // 36 planes packed once per call are read from L3 (entry 29c of jmh/PERFORMANCE.md).
            for (int point = 0; point < Winograd.POINTS; point++) {
                gemm(v[point], ldc, 1, u[point], filters, m[point], columns, filters, channels, 1f, 0f, null, false, null);
            }
            for (int g = 0; g < images; g++) {
                Winograd.outputTiles(m, filters, g * perImage, th, tw, bias, relu, yt, ldn, tmp);
                Winograd.channelsFirst(yt, ldn, filters, oh, ow, pow, ys, (i + g) * y.cols());
            }
        }
    }

    /** {@code dx = B (dM · Uᵀ) Bᵀ} per tile, added back onto the input blocks, then gated. */
    private void winogradBackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        int filters = w.rows(), channels = w.cols() / 9, oh = height - 2, ow = width - 2;
        int th = Winograd.tiles(oh), tw = Winograd.tiles(ow), perImage = th * tw, batch = dy.rows();
        int group = imagesPerGroup(perImage, batch), most = group * perImage;
        int ldc = Winograd.lanes(channels), ldn = Winograd.lanes(filters);
        int pw = Winograd.inputSide(width), dxSize = Winograd.channelsLastSize(Winograd.inputSide(height), pw, ldc);
        int poh = Winograd.outputSide(oh), pow = Winograd.outputSide(ow);
        float[] dys = of(dy).data, dxs = of(dx).data, gates = dataOrNull(gate);
        scratch.reset();
        float[] dyt = scratch.take(Winograd.channelsLastSize(poh, pow, ldn)), dxt = scratch.take(dxSize);
        float[] tmp = scratch.take(Winograd.tileScratchSize(tw, ldc, ldn));
        float[][] u = filterPlanes.take(filters * channels);
        float[][] dm = outputPlanes.take(most * ldn);
        float[][] dv = inputPlanes.take(most * channels + ldc);
        Winograd.filters(of(w).data, filters, channels, u, false, scratch.take(filters * channels * 9), tmp);
        for (int i = 0; i < batch; i += group) {
            int images = Math.min(group, batch - i), columns = images * perImage;
            for (int g = 0; g < images; g++) {
                Winograd.channelsLast(dys, (i + g) * dy.cols(), filters, oh, ow, poh, pow, dyt, ldn);
                Winograd.outputGradTiles(dyt, th, tw, ldn, g * perImage, dm, tmp);
            }
            for (int point = 0; point < Winograd.POINTS; point++) {
                gemm(dm[point], ldn, 1, u[point], channels, dv[point], columns, channels, filters, 1f, 0f, null, false, null);
            }
            for (int g = 0; g < images; g++) {
                int image = (i + g) * dx.cols();
                Arrays.fill(dxt, 0, dxSize, 0f);
                Winograd.inputGradTiles(dv, channels, g * perImage, th, tw, dxt, ldc, tmp);
                Winograd.channelsFirst(dxt, ldc, channels, height, width, pw, dxs, image);
                if (gates != null) {
                    ConvKernels.applyGate(dxs, gates, image, channels * height * width);
                }
            }
        }
    }

    /**
     * {@code dU = Σ_groups dMᵀ · V} per point, then {@code w = beta·w + alpha·Gᵀ dU G}; the bias as
     * the patch-matrix path.
     */
    private void winogradWeightUpdate(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b,
                                      float alpha, float beta) {
        int filters = w.rows(), channels = w.cols() / 9, oh = height - 2, ow = width - 2;
        int th = Winograd.tiles(oh), tw = Winograd.tiles(ow), perImage = th * tw, batch = x.rows();
        int group = imagesPerGroup(perImage, batch), most = group * perImage;
        int ldc = Winograd.lanes(channels), ldn = Winograd.lanes(filters);
        float[] dys = of(dy).data, xs = of(x).data;
        scratch.reset();
        int ph = Winograd.inputSide(height), pw = Winograd.inputSide(width);
        int poh = Winograd.outputSide(oh), pow = Winograd.outputSide(ow);
        float[] xt = scratch.take(Winograd.channelsLastSize(ph, pw, ldc));
        float[] dyt = scratch.take(Winograd.channelsLastSize(poh, pow, ldn));
        float[] tmp = scratch.take(Winograd.tileScratchSize(tw, ldc, ldn));
        float[][] du = filterPlanes.take(filters * channels);
        float[][] v = inputPlanes.take(most * ldc);
        float[][] dm = outputPlanes.take(most * ldn);
        if (batch == 0) {
            for (float[] plane : du) {
                Arrays.fill(plane, 0f);
            }
        }
        for (int i = 0; i < batch; i += group) {
            int images = Math.min(group, batch - i), columns = images * perImage;
            for (int g = 0; g < images; g++) {
                Winograd.channelsLast(xs, (i + g) * x.cols(), channels, height, width, ph, pw, xt, ldc);
                Winograd.inputTiles(xt, th, tw, ldc, g * perImage, v, tmp);
                Winograd.channelsLast(dys, (i + g) * dy.cols(), filters, oh, ow, poh, pow, dyt, ldn);
                Winograd.outputGradTiles(dyt, th, tw, ldn, g * perImage, dm, tmp);
            }
            for (int point = 0; point < Winograd.POINTS; point++) {
                gemm(dm[point], 1, ldn, v[point], ldc, du[point], filters, channels, columns, 1f, i == 0 ? 0f : 1f,
                        null, false, null);
            }
        }
        Winograd.filterGrads(du, filters, channels, of(w).data, alpha, beta, tmp);
        if (b != null) {
            ConvKernels.channelSums(dys, batch, filters, oh * ow, of(b).data, alpha, beta);
        }
    }

    /** Images per Winograd product: enough for {@link #GROUP_TILES} columns, at most the batch. */
    private static int imagesPerGroup(int tiles, int batch) {
        return Math.max(1, Math.min(batch, Math.ceilDiv(GROUP_TILES, tiles)));
    }

    @Override
    public void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        ConvKernels.batchNormTrain(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, momentum, eps, relu, of(y).data, of(batchMean).data, of(batchInvStd).data,
                x.rows(), channels, x.cols() / channels);
    }

    @Override
    public void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float eps, boolean relu, Tensor y) {
        ConvKernels.batchNormEval(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, eps, relu, of(y).data, x.rows(), channels, x.cols() / channels);
    }

    @Override
    public void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                    Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        ConvKernels.batchNormBackward(of(dy).data, of(x).data, dataOrNull(gamma), of(batchMean).data,
                of(batchInvStd).data, dataOrNull(gate), of(dx).data, dataOrNull(dGamma), dataOrNull(dBeta),
                x.rows(), channels, x.cols() / channels);
    }

    /** Each image's {@code C × S} maps transposed to {@code S × C} rows. */
    @Override
    public void channelsToRows(Tensor x, int channels, Tensor y) {
        int positions = x.cols() / channels;
        for (int i = 0; i < x.rows(); i++) {
            SimdKernels.transpose(of(x).data, i * x.cols(), channels, positions, of(y).data, i * x.cols(), channels);
        }
    }

    /** Every kernel, on whichever thread, has finished when its call returns. */
    @Override
    public void finish() {}

    @Override
    public boolean splitsBatch(int batch) {
        return batch >= SPLIT_BATCH && batch % 2 == 0;
    }

    /**
     * With one thread, this backend: the halves run in turn. With more, a backend of its own per
     * half (its own transpose and patch buffers, so the two can run at once), on the same
     * {@link HostTensor}s, the threads shared out between them.
     */
    @Override
    public Backend half(int half) {
        if (secondHalf == null) {
            return this;
        }
        if (halves == null) {
            halves = new SimdBackend[] {new SimdBackend((threads + 1) / 2), new SimdBackend(threads / 2)};
        }
        return halves[half];
    }

    @Override
    public void runHalves(Runnable first, Runnable second) {
        if (secondHalf == null) {
            first.run();
            second.run();
        } else {
            secondHalf.runBoth(first, second);
        }
    }

    @Override
    public void close() {
        if (secondHalf != null) {
            secondHalf.close();
        }
        if (halves != null) {
            halves[0].close();
            halves[1].close();
        }
        if (parallel != null) {
            parallel.close();
        }
    }
}
