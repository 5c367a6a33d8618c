package org.relukit.backend;

/**
 * The two normalisations on host arrays: the scalar backend's {@code normalizeRows} and
 * {@code normalizeColumns} kernels, and the experiments' initialisations, which normalise a teacher
 * before any backend holds it. One copy, so both give the same bits.
 */
public final class HostNorms {
    private HostNorms() {}

    /** Divides each row of {@code w[n×k]} and its bias entry ({@code b} may be null) by (the row's L2 norm + 1e-5). */
    public static void normalizeRows(float[] w, float[] b, int n, int k) {
        for (int j = 0; j < n; j++) {
            double sq = 0;
            for (int p = 0; p < k; p++) {
                sq += (double) w[j * k + p] * w[j * k + p];
            }
            float scale = (float) (1 / (Math.sqrt(sq) + 1e-5));
            for (int p = 0; p < k; p++) {
                w[j * k + p] *= scale;
            }
            if (b != null) {
                b[j] *= scale;
            }
        }
    }

    /** Scales every column of {@code w[rows×cols]} to unit L2 norm; a zero column stays zero. */
    public static void normalizeColumns(float[] w, int rows, int cols) {
        for (int j = 0; j < cols; j++) {
            double sq = 0;
            for (int i = 0; i < rows; i++) {
                sq += (double) w[i * cols + j] * w[i * cols + j];
            }
            if (sq > 0) {
                float scale = (float) (1 / Math.sqrt(sq));
                for (int i = 0; i < rows; i++) {
                    w[i * cols + j] *= scale;
                }
            }
        }
    }
}
