package org.relukit.stats;

import org.relukit.nn.Layer;


/**
 * {@code --stats_w} for one layer of the student (hidden layers lowest first, the output layer
 * last): how far its weights {@code W[n × k]} moved from their initialisation {@code W₀}.
 *
 * @param norm          Frobenius norm {@code ||W||}
 * @param rms           {@code ||W|| / sqrt(n·k)}, the root mean square weight
 * @param driftRms      root mean square of {@code W − W₀}
 * @param driftRel      {@code driftRms} over the root mean square of {@code W₀}
 * @param colDriftRelMin  the seed's view ({@code compare_weights}): per fan-in column q, the root
 *                      mean square over the layer's nodes of {@code W − W₀} over that of {@code W₀};
 *                      the minimum, mean and maximum of that over the columns
 * @param colDriftRelMean see {@code colDriftRelMin}
 * @param colDriftRelMax  see {@code colDriftRelMin}
 */
public record WeightDrift(double norm, double rms, double driftRms, double driftRel,
                          double colDriftRelMin, double colDriftRelMean, double colDriftRelMax) {

    /** Computed in float64 on the host from the downloaded weights; biases are left out, as in the seed. */
    public static WeightDrift of(Layer now, Layer initial) {
        int n = now.n(), k = now.k();
        if (initial.n() != n || initial.k() != k) {
            throw new IllegalArgumentException("the initial layer is " + initial.n() + " x " + initial.k() + ", not " + n + " x " + k);
        }
        double sq = 0, sqDrift = 0, sqInitial = 0;
        double colMin = Double.POSITIVE_INFINITY, colMax = Double.NEGATIVE_INFINITY, colSum = 0;
        for (int q = 0; q < k; q++) {
            double colDrift = 0, colInitial = 0;
            for (int j = 0; j < n; j++) {
                double w = now.weight(j, q), w0 = initial.weight(j, q);
                sq += w * w;
                colDrift += (w - w0) * (w - w0);
                colInitial += w0 * w0;
            }
            sqDrift += colDrift;
            sqInitial += colInitial;
            double rel = Math.sqrt(colDrift / colInitial);
            colMin = Math.min(colMin, rel);
            colMax = Math.max(colMax, rel);
            colSum += rel;
        }
        double count = (double) n * k;
        return new WeightDrift(Math.sqrt(sq), Math.sqrt(sq / count), Math.sqrt(sqDrift / count),
                Math.sqrt(sqDrift / sqInitial), colMin, colSum / k, colMax);
    }
}
