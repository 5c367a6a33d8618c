package org.relukit.jmh;

/**
 * The textbook triple loops for the three products of a layer, row-major, each in the loop order
 * that reads rows contiguously. C2 auto-vectorises the inner loop of {@link #backwardInput} and
 * {@link #weightGrad} (an axpy), not that of {@link #forward} (a float sum, whose order it keeps).
 */
final class NaiveGemm {
    private NaiveGemm() {}

    /** {@code y[B×N] = x[B×K] wᵀ}, w being {@code N × K}. */
    static void forward(float[] x, float[] w, float[] y, int batch, int fanIn, int nodes) {
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < nodes; j++) {
                float sum = 0;
                for (int k = 0; k < fanIn; k++) {
                    sum += x[i * fanIn + k] * w[j * fanIn + k];
                }
                y[i * nodes + j] = sum;
            }
        }
    }

    /** {@code dx[B×K] = dz[B×N] w}. */
    static void backwardInput(float[] dz, float[] w, float[] dx, int batch, int fanIn, int nodes) {
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < fanIn; k++) {
                dx[i * fanIn + k] = 0;
            }
            for (int j = 0; j < nodes; j++) {
                float d = dz[i * nodes + j];
                for (int k = 0; k < fanIn; k++) {
                    dx[i * fanIn + k] += d * w[j * fanIn + k];
                }
            }
        }
    }

    /** {@code w[N×K] −= lr dzᵀ x}, dz being {@code B × N}: the SGD step fused into dW. */
    static void weightGrad(float[] dz, float[] x, float[] w, float lr, int batch, int fanIn, int nodes) {
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < nodes; j++) {
                float d = lr * dz[i * nodes + j];
                for (int k = 0; k < fanIn; k++) {
                    w[j * fanIn + k] -= d * x[i * fanIn + k];
                }
            }
        }
    }
}
