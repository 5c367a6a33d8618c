package org.relukit.simd;

import static org.relukit.backend.HostTensor.dataOrNull;
import static org.relukit.backend.HostTensor.of;

import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Tensor;
import org.relukit.scalar.ScalarBackend;

/**
 * The Vector API backend. The kernels that carry the work (every matrix product, the MSE loss,
 * the element-wise products of the matrix experiment) are {@link SimdKernels}; the cheap rest
 * (copies, normalisations, the SGD update with momentum, BatchNorm, the cross-entropy over a few
 * classes) is handed to a scalar reference backend, so it gives the same bits as the scalar
 * backend. Shapes are checked before a call gets here (see {@link Backend}).
 *
 * <p>Not for two threads at once: the transpose and statistics buffers below are per instance.
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
     * Work arrays of the statistics kernels, kept between calls so they allocate only while growing;
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

    /** Every kernel, on whichever thread, has finished when its call returns. */
    // CONV-TODO: replaced by the real kernels before this branch merges.
    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float eps, boolean relu, Tensor y) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                    Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void channelsToRows(Tensor x, int channels, Tensor y) {
        throw new UnsupportedOperationException("CONV-TODO");
    }

    @Override
    public void finish() {}

    @Override
    public void close() {
        if (parallel != null) {
            parallel.close();
        }
    }
}
