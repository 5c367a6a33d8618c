package org.relukit.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Weight initialisations of docs/math.md#recon-experiment, on host arrays (row-major {@code n × k}, row = fan-in of a node). */
public final class Initialisation {
    private static final float[] SEPARATE_CHOICES = {-0.5f, -0.25f, 0f, 0.25f, 0.5f};

    private Initialisation() {}

    /**
     * The teacher's "separate" weights: each row drawn from {-0.5, -0.25, 0, 0.25, 0.5}, redrawn
     * until it is not all zeros and differs from every earlier row, so no two teacher nodes coincide.
     */
    public static float[] separateRows(RandomGenerator rng, int n, int k) {
        if (k < 3 && n > Math.pow(SEPARATE_CHOICES.length, k) - 1) {
            throw new IllegalArgumentException("cannot draw " + n + " distinct rows of " + k + " entries");
        }
        float[] w = new float[n * k];
        float[] row = new float[k];
        for (int j = 0; j < n; j++) {
            do {
                for (int p = 0; p < k; p++) {
                    row[p] = SEPARATE_CHOICES[rng.nextInt(SEPARATE_CHOICES.length)];
                }
            } while (allZero(row) || equalsEarlierRow(w, j, row));
            System.arraycopy(row, 0, w, j * k, k);
        }
        return w;
    }

    private static boolean allZero(float[] row) {
        for (float v : row) {
            if (v != 0f) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsEarlierRow(float[] w, int rows, float[] row) {
        int k = row.length;
        for (int j = 0; j < rows; j++) {
            if (Arrays.equals(w, j * k, j * k + k, row, 0, k)) {
                return true;
            }
        }
        return false;
    }

    /** Biases ~ U(-0.5, 0.5), the teacher's. */
    public static float[] uniform(RandomGenerator rng, int n, float low, float high) {
        float[] b = new float[n];
        for (int j = 0; j < n; j++) {
            b[j] = low + (high - low) * rng.nextFloat();
        }
        return b;
    }

    /** PyTorch's nn.Linear default: weights and biases ~ U(-1/sqrt(fanIn), +1/sqrt(fanIn)). */
    public static float bound(int fanIn) {
        return (float) (1 / Math.sqrt(fanIn));
    }

    public static float[] gaussian(RandomGenerator rng, int count, double std) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (rng.nextGaussian() * std);
        }
        return x;
    }
}
