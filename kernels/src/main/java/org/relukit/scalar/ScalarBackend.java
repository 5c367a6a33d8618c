package org.relukit.scalar;

import static org.relukit.backend.HostTensor.dataOrNull;
import static org.relukit.backend.HostTensor.of;

import org.relukit.backend.Backend;
import org.relukit.backend.HostNorms;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Tensor;

/**
 * The reference backend: {@link ScalarKernels} over {@link HostTensor}s, one thread, no state.
 * Shapes are checked before a call gets here (see {@link Backend}).
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
        System.arraycopy(src, 0, of(dst).data, 0, dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst) {
        System.arraycopy(of(src).data, 0, dst, 0, src.size());
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        int cols = src.cols();
        System.arraycopy(of(src).data, srcRow * cols, of(dst).data, dstRow * cols, count * cols);
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        ScalarKernels.layer(of(x).data, of(w).data, dataOrNull(b), of(h).data, x.rows(), w.rows(), w.cols(), true);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        ScalarKernels.layer(of(x).data, of(w).data, dataOrNull(b), of(y).data, x.rows(), w.rows(), w.cols(), false);
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        return ScalarKernels.mseLoss(of(ys).data, of(yt).data, of(dy).data, ys.size());
    }

    @Override
    public float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        return ScalarKernels.crossEntropyLoss(of(logits).data, of(teacherOutput).data, of(dLogits).data,
                logits.rows(), logits.cols());
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        ScalarKernels.backwardInput(of(dz).data, of(w).data, dataOrNull(h), of(dx).data, dz.rows(), w.rows(), w.cols());
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        ScalarKernels.weightGrad(of(dz).data, of(x).data, of(dw).data, dataOrNull(db),
                dz.rows(), dz.cols(), x.cols(), 0f, 1f);
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        ScalarKernels.weightGrad(of(dz).data, of(x).data, of(w).data, dataOrNull(b),
                dz.rows(), dz.cols(), x.cols(), 1f, -lr);
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        ScalarKernels.sgdUpdate(of(p).data, of(grad).data, of(velocity).data, p.size(), lr, momentum, weightDecay);
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        HostNorms.normalizeRows(of(w).data, dataOrNull(b), w.rows(), w.cols());
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        ScalarKernels.correlation(of(t).data, of(s).data, of(c).data, t.rows(), t.cols(), s.cols());
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        ScalarKernels.matmul(of(a).data, a.rows(), a.cols(), transposeA,
                of(b).data, b.rows(), b.cols(), transposeB, of(c).data, alpha, beta);
    }

    @Override
    public void average(Tensor a, Tensor b, Tensor c) {
        float[] x = of(a).data, y = of(b).data, z = of(c).data;
        for (int i = 0; i < c.size(); i++) {
            z[i] = (x[i] + y[i]) * 0.5f;
        }
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        float[] x = of(a).data, y = of(b).data, z = of(c).data;
        for (int i = 0; i < c.size(); i++) {
            z[i] = x[i] * y[i];
        }
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        float[] in = of(z).data, out = of(g).data;
        for (int i = 0; i < g.size(); i++) {
            out[i] = in[i] > 0f ? 1f : 0f;
        }
    }

    @Override
    public void normalizeColumns(Tensor w) {
        HostNorms.normalizeColumns(of(w).data, w.rows(), w.cols());
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        ScalarKernels.batchNormTrain(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, momentum, eps, relu, of(y).data, of(batchMean).data, of(batchInvStd).data,
                x.rows(), x.cols(), 1);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        ScalarKernels.batchNormEval(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, eps, relu, of(y).data, x.rows(), x.cols(), 1);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        ScalarKernels.batchNormBackward(of(dy).data, of(x).data, dataOrNull(gamma), of(batchMean).data,
                of(batchInvStd).data, dataOrNull(gate), of(dx).data, dataOrNull(dGamma), dataOrNull(dBeta),
                x.rows(), x.cols(), 1);
    }

    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        ScalarKernels.conv3x3(of(x).data, of(w).data, dataOrNull(b), of(y).data, x.rows(), w.cols() / 9,
                height, width, w.rows(), relu);
    }

    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        ScalarKernels.conv3x3BackwardInput(of(dy).data, of(w).data, dataOrNull(gate), of(dx).data, dx.rows(),
                w.cols() / 9, height, width, w.rows());
    }

    @Override
    public void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db) {
        ScalarKernels.conv3x3WeightGrad(of(dy).data, of(x).data, of(dw).data, dataOrNull(db), x.rows(),
                dw.cols() / 9, height, width, dw.rows(), 0f, 1f);
    }

    @Override
    public void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr) {
        ScalarKernels.conv3x3WeightGrad(of(dy).data, of(x).data, of(w).data, dataOrNull(b), x.rows(),
                w.cols() / 9, height, width, w.rows(), 1f, -lr);
    }

    @Override
    public void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        ScalarKernels.batchNormTrain(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, momentum, eps, relu, of(y).data, of(batchMean).data, of(batchInvStd).data,
                x.rows(), channels, x.cols() / channels);
    }

    @Override
    public void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float eps, boolean relu, Tensor y) {
        ScalarKernels.batchNormEval(of(x).data, dataOrNull(gamma), dataOrNull(beta), of(runningMean).data,
                of(runningVar).data, eps, relu, of(y).data, x.rows(), channels, x.cols() / channels);
    }

    @Override
    public void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                    Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        ScalarKernels.batchNormBackward(of(dy).data, of(x).data, dataOrNull(gamma), of(batchMean).data,
                of(batchInvStd).data, dataOrNull(gate), of(dx).data, dataOrNull(dGamma), dataOrNull(dBeta),
                x.rows(), channels, x.cols() / channels);
    }

    @Override
    public void channelsToRows(Tensor x, int channels, Tensor y) {
        ScalarKernels.channelsToRows(of(x).data, of(y).data, x.rows(), channels, x.cols() / channels);
    }

    /** Every kernel has finished when its call returns. */
    @Override
    public void finish() {}

    @Override
    public void close() {}
}
