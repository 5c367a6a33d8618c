package org.relukit.scalar;

import static org.relukit.backend.HostTensor.dataOrNull;
import static org.relukit.backend.HostTensor.of;

import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Shapes;
import org.relukit.backend.Tensor;

/**
 * The reference backend: {@link ScalarKernels} over {@link HostTensor}s. The SIMD backend extends
 * it and overrides the kernels that carry the work, keeping these for the cheap element-wise ones.
 */
public class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "plain Java loops, the reference";
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new HostTensor(rows, cols);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        Shapes.require(src.length >= dst.size(), "upload: the array holds " + src.length + " floats", dst);
        System.arraycopy(src, 0, of(dst).data, 0, dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst) {
        Shapes.require(dst.length >= src.size(), "download: the array holds " + dst.length + " floats", src);
        System.arraycopy(of(src).data, 0, dst, 0, src.size());
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        Shapes.copyRows(src, srcRow, dst, dstRow, count);
        int cols = src.cols();
        System.arraycopy(of(src).data, srcRow * cols, of(dst).data, dstRow * cols, count * cols);
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        Shapes.layer(x, w, b, h);
        ScalarKernels.layer(of(x).data, of(w).data, dataOrNull(b), of(h).data, x.rows(), w.rows(), w.cols(), true);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        Shapes.layer(x, w, b, y);
        ScalarKernels.layer(of(x).data, of(w).data, dataOrNull(b), of(y).data, x.rows(), w.rows(), w.cols(), false);
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        Shapes.same(ys, yt, "mseLoss");
        Shapes.same(ys, dy, "mseLoss");
        return ScalarKernels.mseLoss(of(ys).data, of(yt).data, of(dy).data, ys.size());
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        Shapes.backwardInput(dz, w, h, dx);
        ScalarKernels.backwardInput(of(dz).data, of(w).data, dataOrNull(h), of(dx).data, dz.rows(), w.rows(), w.cols());
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        Shapes.weightGrad(dz, x, dw, db);
        ScalarKernels.weightGrad(of(dz).data, of(x).data, of(dw).data, dataOrNull(db),
                dz.rows(), dz.cols(), x.cols(), 0f, 1f);
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        Shapes.weightGrad(dz, x, w, b);
        ScalarKernels.weightGrad(of(dz).data, of(x).data, of(w).data, dataOrNull(b),
                dz.rows(), dz.cols(), x.cols(), 1f, -lr);
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        Shapes.same(p, grad, "sgdUpdate");
        Shapes.same(p, velocity, "sgdUpdate");
        ScalarKernels.sgdUpdate(of(p).data, of(grad).data, of(velocity).data, p.size(), lr, momentum, weightDecay);
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        if (b != null) {
            Shapes.require(b.size() == w.rows(), "normalizeRows: bias must have one entry per row", w, b);
        }
        ScalarKernels.normalizeRows(of(w).data, dataOrNull(b), w.rows(), w.cols());
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        Shapes.correlation(t, s, c);
        ScalarKernels.correlation(of(t).data, of(s).data, of(c).data, t.rows(), t.cols(), s.cols());
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        Shapes.matmul(a, transposeA, b, transposeB, c);
        ScalarKernels.matmul(of(a).data, a.rows(), a.cols(), transposeA,
                of(b).data, b.rows(), b.cols(), transposeB, of(c).data, alpha, beta);
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        Shapes.same(a, b, "hadamard");
        Shapes.same(a, c, "hadamard");
        float[] x = of(a).data, y = of(b).data, z = of(c).data;
        for (int i = 0; i < c.size(); i++) {
            z[i] = x[i] * y[i];
        }
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        Shapes.same(z, g, "gate");
        float[] in = of(z).data, out = of(g).data;
        for (int i = 0; i < g.size(); i++) {
            out[i] = in[i] > 0f ? 1f : 0f;
        }
    }

    @Override
    public void normalizeColumns(Tensor w) {
        ScalarKernels.normalizeColumns(of(w).data, w.rows(), w.cols());
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        Shapes.batchNorm("batchNormTrain", x, y, null, gamma, beta, runningMean, runningVar, batchMean, batchInvStd);
        ScalarKernels.batchNormTrain(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, momentum, eps, relu, of(y).data, of(batchMean).data, of(batchInvStd).data,
                x.rows(), x.cols());
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        Shapes.batchNorm("batchNormEval", x, y, null, gamma, beta, runningMean, runningVar);
        ScalarKernels.batchNormEval(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, eps, relu, of(y).data, x.rows(), x.cols());
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        Shapes.batchNorm("batchNormBackward", x, dy, gate, gamma, batchMean, batchInvStd, dGamma, dBeta);
        Shapes.same(x, dx, "batchNormBackward");
        ScalarKernels.batchNormBackward(of(dy).data, of(x).data, dataOrNull(gamma), of(batchMean).data,
                of(batchInvStd).data, dataOrNull(gate), of(dx).data, dataOrNull(dGamma), dataOrNull(dBeta),
                x.rows(), x.cols());
    }

    @Override
    public void close() {}
}
