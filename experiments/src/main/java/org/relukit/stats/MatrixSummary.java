package org.relukit.stats;

/**
 * A few numbers that describe one {@code --stats_H} matrix ({@code rows × cols}, its node block,
 * without the bias row and column): its size, and the diagonal against the rest when the two
 * networks are one (square, node j against node j).
 *
 * @param frobenius      Frobenius norm
 * @param meanAbs        mean absolute entry
 * @param maxAbs         largest absolute entry
 * @param diagMean       mean diagonal entry; NaN unless {@code square}
 * @param offDiagMeanAbs mean absolute off-diagonal entry; NaN unless {@code square}
 */
public record MatrixSummary(int rows, int cols, boolean square, double frobenius, double meanAbs, double maxAbs,
                            double diagMean, double offDiagMeanAbs) {

    /**
     * The node block of {@code m[(rows + 1) × (cols + 1)]}, row-major with the bias row and column
     * last; {@code square} when rows and columns are the same network's nodes.
     */
    public static MatrixSummary of(float[] m, int rows, int cols, boolean square) {
        int stride = cols + 1;
        double sq = 0, abs = 0, max = 0, diag = 0, offDiag = 0;
        for (int a = 0; a < rows; a++) {
            for (int b = 0; b < cols; b++) {
                double v = m[a * stride + b];
                sq += v * v;
                abs += Math.abs(v);
                max = Math.max(max, Math.abs(v));
                if (a == b) {
                    diag += v;
                } else {
                    offDiag += Math.abs(v);
                }
            }
        }
        double count = (double) rows * cols;
        int diagonal = Math.min(rows, cols);
        return new MatrixSummary(rows, cols, square, Math.sqrt(sq), count == 0 ? 0 : abs / count, max,
                square ? diag / diagonal : Double.NaN, square ? offDiag / (count - diagonal) : Double.NaN);
    }
}
