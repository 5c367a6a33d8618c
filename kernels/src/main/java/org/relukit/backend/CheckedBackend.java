package org.relukit.backend;

/**
 * Checks every call's shapes with {@link Shapes}, then calls the backend: the one place where a
 * backend's arguments are validated, as Lucene's {@code VectorUtil} checks before it calls the
 * vectorised implementation. {@link Backends#open} puts every backend behind one.
 *
 * <p>The backend is one final field, not a chain of wrappers: in a JVM that uses one kind of
 * backend each call site here sees one receiver class, so C2 inlines the call into the check.
 * A JVM that mixes kinds (the tests) pays at most one interface call per kernel, which is nothing
 * next to the kernel.
 */
final class CheckedBackend implements Backend {
    private final Backend backend;
    private final Backend[] halves = new Backend[2];

    private CheckedBackend(Backend backend) {
        this.backend = backend;
    }

    /** {@code backend} behind a check, unless it already is behind one. */
    static Backend wrap(Backend backend) {
        if (backend instanceof CheckedBackend) {
            return backend;
        }
        if (backend == null) {
            throw new IllegalArgumentException("a backend provider returned null instead of a backend");
        }
        return new CheckedBackend(backend);
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public String description() {
        return backend.description();
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        if (!(rows >= 0 && cols >= 0)) {
            throw Shapes.mismatch("allocate: a tensor needs non-negative rows and columns, got " + rows + " x " + cols);
        }
        return backend.allocate(rows, cols);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        if (!(src.length >= dst.size())) {
            throw Shapes.mismatch("upload: the array holds " + src.length + " floats", dst);
        }
        backend.upload(src, dst);
    }

    @Override
    public void download(Tensor src, float[] dst) {
        if (!(dst.length >= src.size())) {
            throw Shapes.mismatch("download: the array holds " + dst.length + " floats", src);
        }
        backend.download(src, dst);
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        Shapes.copyRows(src, srcRow, dst, dstRow, count);
        backend.copyRows(src, srcRow, dst, dstRow, count);
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        Shapes.layer(x, w, b, h);
        backend.reluMatmul(x, w, b, h);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        Shapes.layer(x, w, b, y);
        backend.linear(x, w, b, y);
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        Shapes.same(ys, yt, "mseLoss");
        Shapes.same(ys, dy, "mseLoss");
        return backend.mseLoss(ys, yt, dy);
    }

    @Override
    public float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        Shapes.same(logits, teacherOutput, "crossEntropyLoss");
        Shapes.same(logits, dLogits, "crossEntropyLoss");
        if (!(logits.rows() == 0 || logits.cols() > 0)) {
            throw Shapes.mismatch("crossEntropyLoss: logits need at least one class (column)", logits);
        }
        return backend.crossEntropyLoss(logits, teacherOutput, dLogits);
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        Shapes.backwardInput(dz, w, h, dx);
        backend.backwardInput(dz, w, h, dx);
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        Shapes.weightGrad(dz, x, dw, db);
        backend.weightGrad(dz, x, dw, db);
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        Shapes.weightGrad(dz, x, w, b);
        backend.sgdFused(dz, x, w, b, lr);
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        Shapes.same(p, grad, "sgdUpdate");
        Shapes.same(p, velocity, "sgdUpdate");
        backend.sgdUpdate(p, grad, velocity, lr, momentum, weightDecay);
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        if (b != null) {
            if (!(b.size() == w.rows())) {
                throw Shapes.mismatch("normalizeRows: bias must have one entry per row", w, b);
            }
        }
        backend.normalizeRows(w, b);
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        Shapes.correlation(t, s, c);
        backend.correlation(t, s, c);
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        Shapes.matmul(a, transposeA, b, transposeB, c);
        backend.matmul(a, transposeA, b, transposeB, c, alpha, beta);
    }

    @Override
    public void average(Tensor a, Tensor b, Tensor c) {
        Shapes.same(a, b, "average");
        Shapes.same(a, c, "average");
        backend.average(a, b, c);
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        Shapes.same(a, b, "hadamard");
        Shapes.same(a, c, "hadamard");
        backend.hadamard(a, b, c);
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        Shapes.same(z, g, "gate");
        backend.gate(z, g);
    }

    @Override
    public void normalizeColumns(Tensor w) {
        backend.normalizeColumns(w);
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        if (!(runningMean != null && runningVar != null && batchMean != null && batchInvStd != null)) {
            throw Shapes.mismatch("batchNormTrain: the running and batch statistics are required");
        }
        Shapes.batchNorm("batchNormTrain", x, x.cols(), y, null, gamma, beta, runningMean, runningVar, batchMean, batchInvStd);
        backend.batchNormTrain(x, gamma, beta, runningMean, runningVar, momentum, eps, relu, y, batchMean, batchInvStd);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        if (!(runningMean != null && runningVar != null)) {
            throw Shapes.mismatch("batchNormEval: the running statistics are required");
        }
        Shapes.batchNorm("batchNormEval", x, x.cols(), y, null, gamma, beta, runningMean, runningVar, null, null);
        backend.batchNormEval(x, gamma, beta, runningMean, runningVar, eps, relu, y);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        if (!(batchMean != null && batchInvStd != null)) {
            throw Shapes.mismatch("batchNormBackward: the batch statistics are required");
        }
        Shapes.batchNorm("batchNormBackward", x, x.cols(), dy, gate, gamma, batchMean, batchInvStd, dGamma, dBeta, null);
        Shapes.same(x, dx, "batchNormBackward");
        backend.batchNormBackward(dy, x, gamma, batchMean, batchInvStd, gate, dx, dGamma, dBeta);
    }

    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        Shapes.conv3x3("conv3x3", x, height, width, w, b, y);
        backend.conv3x3(x, height, width, w, b, relu, y);
    }

    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        Shapes.conv3x3("conv3x3BackwardInput", dx, height, width, w, null, dy);
        if (gate != null) {
            Shapes.same(gate, dx, "conv3x3BackwardInput gate");
        }
        backend.conv3x3BackwardInput(dy, w, height, width, gate, dx);
    }

    @Override
    public void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db) {
        Shapes.conv3x3("conv3x3WeightGrad", x, height, width, dw, db, dy);
        backend.conv3x3WeightGrad(dy, x, height, width, dw, db);
    }

    @Override
    public void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr) {
        Shapes.conv3x3("conv3x3SgdFused", x, height, width, w, b, dy);
        backend.conv3x3SgdFused(dy, x, height, width, w, b, lr);
    }

    @Override
    public void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        if (runningMean == null || runningVar == null || batchMean == null || batchInvStd == null) {
            throw Shapes.mismatch("batchNorm2dTrain: the running and batch statistics are required");
        }
        Shapes.batchNorm("batchNorm2dTrain", x, channels, y, null, gamma, beta, runningMean, runningVar, batchMean, batchInvStd);
        backend.batchNorm2dTrain(x, channels, gamma, beta, runningMean, runningVar, momentum, eps, relu, y, batchMean, batchInvStd);
    }

    @Override
    public void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float eps, boolean relu, Tensor y) {
        if (runningMean == null || runningVar == null) {
            throw Shapes.mismatch("batchNorm2dEval: the running statistics are required");
        }
        Shapes.batchNorm("batchNorm2dEval", x, channels, y, null, gamma, beta, runningMean, runningVar, null, null);
        backend.batchNorm2dEval(x, channels, gamma, beta, runningMean, runningVar, eps, relu, y);
    }

    @Override
    public void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                    Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        if (batchMean == null || batchInvStd == null) {
            throw Shapes.mismatch("batchNorm2dBackward: the batch statistics are required");
        }
        Shapes.batchNorm("batchNorm2dBackward", x, channels, dy, gate, gamma, batchMean, batchInvStd, dGamma, dBeta, null);
        Shapes.same(x, dx, "batchNorm2dBackward");
        backend.batchNorm2dBackward(dy, x, channels, gamma, batchMean, batchInvStd, gate, dx, dGamma, dBeta);
    }

    @Override
    public void channelsToRows(Tensor x, int channels, Tensor y) {
        Shapes.channelsToRows(x, channels, y);
        backend.channelsToRows(x, channels, y);
    }

    @Override
    public boolean splitsBatch(int batch) {
        return backend.splitsBatch(batch);
    }

    /** The halves behind their own checks; made once, so that asking again allocates nothing. */
    @Override
    public Backend half(int half) {
        if (half != 0 && half != 1) {
            throw new IllegalArgumentException("half: a step has halves 0 and 1, not " + half);
        }
        if (halves[half] == null) {
            Backend inner = backend.half(half);
            halves[half] = inner == backend ? this : new CheckedBackend(inner);
        }
        return halves[half];
    }

    @Override
    public void runHalves(Runnable first, Runnable second) {
        backend.runHalves(first, second);
    }

    @Override
    public void finish() {
        backend.finish();
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
