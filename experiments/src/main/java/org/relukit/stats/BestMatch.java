package org.relukit.stats;

/**
 * For every teacher node of one layer, the student node whose activations correlate best with it
 * and that correlation: the row maxima of the correlation matrix {@code correlations[Kt × Ks]},
 * which is kept (row-major) for plots.
 */
public record BestMatch(float[] bestCorrelation, int[] bestStudent, float[] correlations) {

    public int teacherNodes() {
        return bestCorrelation.length;
    }

    public int studentNodes() {
        return bestCorrelation.length == 0 ? 0 : correlations.length / bestCorrelation.length;
    }

    public static BestMatch of(float[] c, int kt, int ks) {
        float[] best = new float[kt];
        int[] arg = new int[kt];
        for (int a = 0; a < kt; a++) {
            best[a] = Float.NEGATIVE_INFINITY;
            for (int q = 0; q < ks; q++) {
                float v = c[a * ks + q];
                // A NaN correlation (a diverged student) must show, not hide behind a max.
                if (v > best[a] || Float.isNaN(v)) {
                    best[a] = v;
                    arg[a] = q;
                    if (Float.isNaN(v)) {
                        break;
                    }
                }
            }
        }
        return new BestMatch(best, arg, java.util.Arrays.copyOf(c, kt * ks));
    }

    public float min() {
        float m = Float.POSITIVE_INFINITY;
        for (float v : bestCorrelation) {
            m = Math.min(m, v);
        }
        return m;
    }

    public float max() {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : bestCorrelation) {
            m = Math.max(m, v);
        }
        return m;
    }

    public float mean() {
        double sum = 0;
        for (float v : bestCorrelation) {
            sum += v;
        }
        return (float) (sum / bestCorrelation.length);
    }
}
