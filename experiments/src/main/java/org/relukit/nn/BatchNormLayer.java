package org.relukit.nn;

import java.util.Arrays;

/**
 * One BatchNorm1d on the host: the affine parameters {@code gamma}, {@code beta} (null without
 * them, {@code --bn_affine} off) and the running statistics eval mode normalises with, one entry
 * per node of the hidden layer it follows.
 */
public record BatchNormLayer(int n, float[] gamma, float[] beta, float[] runningMean, float[] runningVar) {
    public BatchNormLayer {
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("gamma and beta are both present (affine) or both absent");
        }
        for (float[] v : new float[][] {gamma, beta, runningMean, runningVar}) {
            if (v != null && v.length != n) {
                throw new IllegalArgumentException("a BatchNorm vector holds " + v.length + " floats, not " + n);
            }
        }
        if (runningMean == null || runningVar == null) {
            throw new IllegalArgumentException("a BatchNorm needs its running mean and variance");
        }
    }

    /** PyTorch's initial state: γ = 1, β = 0, running mean 0, running variance 1. */
    public static BatchNormLayer initial(int n, boolean affine) {
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        return new BatchNormLayer(n, affine ? ones.clone() : null, affine ? new float[n] : null, new float[n], ones);
    }

    public boolean affine() {
        return gamma != null;
    }
}
