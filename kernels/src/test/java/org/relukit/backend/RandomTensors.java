package org.relukit.backend;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded random inputs for kernel tests. Never zeros: a kernel that ignores an input, or reads
 * the wrong element, must change the result. Every generator is reproducible from its seed, so
 * a failing shape fails the same way on every run.
 */
public final class RandomTensors {
    private final SplittableRandom random;

    public RandomTensors(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Entries ~ U(lo, hi). */
    public float[] uniform(int count, double lo, double hi) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextDouble(lo, hi);
        }
        return x;
    }

    /** Entries ~ U(−1, 1): both signs, no structure. */
    public float[] signed(int count) {
        return uniform(count, -1, 1);
    }

    /** Entries ~ N(mean, std²). */
    public float[] gaussian(int count, double mean, double std) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (mean + std * random.nextGaussian());
        }
        return x;
    }

    /**
     * Post-ReLU activations: {@code max(N(0.2, 1), 0)}, so about 42% of entries are exactly zero
     * and the rest positive, as a hidden layer's output is.
     */
    public float[] relu(int count) {
        float[] x = gaussian(count, 0.2, 1);
        for (int i = 0; i < count; i++) {
            x[i] = Math.max(x[i], 0f);
        }
        return x;
    }

    /** A float array of NaNs: an output poisoned so that an element the kernel skips shows. */
    public static float[] nan(int count) {
        float[] x = new float[count];
        Arrays.fill(x, Float.NaN);
        return x;
    }

    public int nextInt(int from, int to) {
        return random.nextInt(from, to);
    }
}
