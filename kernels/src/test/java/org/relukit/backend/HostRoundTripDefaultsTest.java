package org.relukit.backend;

import org.relukit.scalar.ScalarBackend;

/**
 * The conformance kit on the kernels {@link Backend} implements by default through the host
 * (BatchNorm, cross-entropy): a backend that has only the required kernels, here the scalar ones,
 * gets them right with no code of its own.
 */
class HostRoundTripDefaultsTest extends BackendConformance {

    @Override
    protected Backend createBackend() {
        return new RequiredKernelsOnly(new ScalarBackend());
    }

    /** Forwards the abstract kernels and keeps every default. */
    private record RequiredKernelsOnly(Backend inner) implements Backend {
        @Override
        public String name() {
            return "defaults";
        }

        @Override
        public String description() {
            return "the scalar backend's required kernels, Backend's defaults";
        }

        @Override
        public Tensor allocate(int rows, int cols) {
            return inner.allocate(rows, cols);
        }

        @Override
        public void upload(float[] src, Tensor dst) {
            inner.upload(src, dst);
        }

        @Override
        public void download(Tensor src, float[] dst) {
            inner.download(src, dst);
        }

        @Override
        public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
            inner.copyRows(src, srcRow, dst, dstRow, count);
        }

        @Override
        public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
            inner.reluMatmul(x, w, b, h);
        }

        @Override
        public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
            inner.linear(x, w, b, y);
        }

        @Override
        public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
            return inner.mseLoss(ys, yt, dy);
        }

        @Override
        public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
            inner.backwardInput(dz, w, h, dx);
        }

        @Override
        public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
            inner.weightGrad(dz, x, dw, db);
        }

        @Override
        public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
            inner.sgdFused(dz, x, w, b, lr);
        }

        @Override
        public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
            inner.sgdUpdate(p, grad, velocity, lr, momentum, weightDecay);
        }

        @Override
        public void normalizeRows(Tensor w, Tensor b) {
            inner.normalizeRows(w, b);
        }

        @Override
        public void correlation(Tensor t, Tensor s, Tensor c) {
            inner.correlation(t, s, c);
        }

        @Override
        public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
            inner.matmul(a, transposeA, b, transposeB, c, alpha, beta);
        }

        @Override
        public void hadamard(Tensor a, Tensor b, Tensor c) {
            inner.hadamard(a, b, c);
        }

        @Override
        public void gate(Tensor z, Tensor g) {
            inner.gate(z, g);
        }

        @Override
        public void normalizeColumns(Tensor w) {
            inner.normalizeColumns(w);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
