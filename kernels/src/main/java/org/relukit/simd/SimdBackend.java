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
 * convolutions and BatchNorm2d {@link ConvKernels} around the same product; the cheap rest
 * (copies, normalisations, the SGD update with momentum, BatchNorm1d, the cross-entropy over a few
 * classes) is handed to a scalar reference backend, so it gives the same bits as the scalar
 * backend. Shapes are checked before a call gets here (see {@link Backend}).
 *
 * <p>Not for two threads at once: the transpose, statistics and patch-matrix buffers below are per instance.
 * With {@code threads > 1} a large product also runs on {@link ParallelGemm}'s helper threads
 * (daemons, started with the backend), which the call waits for; they spin for half a millisecond
 * after each product before they park, and {@link #close} stops them.
 */
public final class SimdBackend implements Backend {
    /** Below this many multiply-adds a product runs on the calling thread: a hand-off costs more. */
    private static final long PARALLEL_WORK = 1L << 22;

    /** Runs the cheap kernels; it keeps no state, and its tensors are the same {@link HostTensor}s. */
    private final ScalarBackend scalar = new ScalarBackend();
    private final int threads;
    /** Null with one thread. */
    private final ParallelGemm parallel;
    /** The transposed right operand of the current product; grown, never shrunk, so a step allocates nothing. */
    private float[] transposed = new float[0];

    SimdBackend(int threads) {
        this.threads = threads;
        this.parallel = threads == 1 ? null : new ParallelGemm(threads);
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
        int ldt = SimdKernels.paddedStride(n);
        float[] wt = transposeBuffer(ldt * k);
        SimdKernels.transpose(of(w).data, n, k, wt, ldt);
        gemm(of(x).data, k, 1, wt, ldt, of(out).data, x.rows(), n, k, 1f, 0f, dataOrNull(b), relu, null);
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
        gemm(of(dz).data, n, 1, of(w).data, k, of(dx).data, dz.rows(), k, n, 1f, 0f, null, false, dataOrNull(h));
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
        gemm(of(dz).data, 1, n, of(x).data, k, of(w).data, n, k, batch, alpha, beta, null, false, null);
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
        float[] right = of(b).data;
        int ldb = n;
        if (transposeB) {
            ldb = SimdKernels.paddedStride(n);
            right = transposeBuffer(ldb * k);
            SimdKernels.transpose(of(b).data, n, k, right, ldb);
        }
        int aRow = transposeA ? 1 : a.cols(), aCol = transposeA ? a.cols() : 1;
        gemm(of(a).data, aRow, aCol, right, ldb, of(c).data, m, n, k, alpha, beta, null, false, null);
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

    private float[] transposeBuffer(int size) {
        if (transposed.length < size + HostTensor.SLACK) {
            transposed = new float[size + HostTensor.SLACK];
        }
        return transposed;
    }

    /**
     * Work arrays of the statistics and conv kernels, kept between calls so they allocate only while growing;
     * with a tensor's slack, since the products read whole vectors at the ends of rows.
     */
    private static final class Scratch {
        private float[][] arrays = new float[6][0];
        private int used;

        float[] take(int size) {
            if (arrays[used].length < size + HostTensor.SLACK) {
                arrays[used] = new float[size + HostTensor.SLACK];
            }
            return arrays[used++];
        }

        void reset() {
            used = 0;
        }
    }

    private final Scratch scratch = new Scratch();

    /** Bands of rows computed by helper threads so far (0 with one thread). */
    long bandsOnHelpers() {
        return parallel == null ? 0 : parallel.helperBands();
    }

    /** Splits the rows of c across threads when the product is big enough to pay for it. */
    private void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int m, int n, int k,
                      float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        if (parallel == null || (long) m * n * k < PARALLEL_WORK || m < 2 * SimdKernels.MR) {
            SimdKernels.gemm(a, aRow, aCol, b, ldb, c, 0, m, n, k, alpha, beta, bias, relu, gate);
        } else {
            parallel.gemm(a, aRow, aCol, b, ldb, c, m, n, k, alpha, beta, bias, relu, gate);
        }
    }

    /*
     * Convolutions, one image at a time: its patch matrix (im2col, C·9 × P for P output positions)
     * goes into a scratch array, and the work is the blocked product of SimdKernels.gemm, split
     * across threads as every other product. The scratch arrays grow to the largest layer once and
     * are kept, so a step allocates nothing.
     */

    /** {@code y_b[N × P] = w[N × C·9] · cols_b}, then the bias of each filter (row) and the ReLU. */
    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        int filters = w.rows(), k = w.cols(), positions = (height - 2) * (width - 2);
        float[] xs = of(x).data, ws = of(w).data, ys = of(y).data, bias = dataOrNull(b);
        scratch.reset();
        float[] cols = scratch.take(k * positions), product = scratch.take(filters * positions);
        for (int i = 0; i < x.rows(); i++) {
            ConvKernels.im2col(xs, i * x.cols(), k / 9, height, width, cols);
            gemm(ws, k, 1, cols, positions, product, filters, positions, k, 1f, 0f, null, false, null);
            ConvKernels.addRowBias(product, filters, positions, bias, relu, ys, i * y.cols());
        }
    }

    /** {@code dcols_b[C·9 × P] = wᵀ · dy_b}, added back onto the image (col2im) and gated. */
    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        int filters = w.rows(), k = w.cols(), positions = (height - 2) * (width - 2);
        float[] dys = of(dy).data, dxs = of(dx).data, gates = dataOrNull(gate);
        scratch.reset();
        float[] dcols = scratch.take(k * positions), dyImage = scratch.take(filters * positions);
        for (int i = 0; i < dy.rows(); i++) {
            // The product reads its right operand from index 0, with slack past it: a copy of the image's rows.
            System.arraycopy(dys, i * dy.cols(), dyImage, 0, dy.cols());
            gemm(of(w).data, 1, k, dyImage, positions, dcols, k, positions, filters, 1f, 0f, null, false, null);
            ConvKernels.col2im(dcols, k / 9, height, width, gates, dxs, i * dx.cols());
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
     * C·9 side; it is applied to w once, at the end.
     */
    private void convWeightUpdate(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float alpha, float beta) {
        int filters = w.rows(), k = w.cols(), positions = (height - 2) * (width - 2), batch = x.rows();
        int ldt = SimdKernels.paddedStride(filters);
        float[] dys = of(dy).data, xs = of(x).data;
        scratch.reset();
        float[] cols = scratch.take(k * positions), dyT = scratch.take(positions * ldt), dwT = scratch.take(k * filters);
        if (batch == 0) {
            Arrays.fill(dwT, 0f);
        }
        for (int i = 0; i < batch; i++) {
            ConvKernels.im2col(xs, i * x.cols(), k / 9, height, width, cols);
            SimdKernels.transpose(dys, i * dy.cols(), filters, positions, dyT, 0, ldt);
            gemm(cols, positions, 1, dyT, ldt, dwT, k, filters, positions, 1f, i == 0 ? 0f : 1f, null, false, null);
        }
        ConvKernels.addTransposed(dwT, k, filters, of(w).data, alpha, beta);
        if (b != null) {
            ConvKernels.channelSums(dys, batch, filters, positions, of(b).data, alpha, beta);
        }
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
    public void close() {
        if (parallel != null) {
            parallel.close();
        }
    }
}
