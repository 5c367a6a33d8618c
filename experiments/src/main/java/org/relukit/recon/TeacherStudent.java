package org.relukit.recon;

import org.relukit.backend.HostNorms;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Builds the teacher and the student of {@code recon} on the host (docs/math.md#networks). */
public final class TeacherStudent {
    private TeacherStudent() {}

    /** Layer widths from input to output: d, the hidden widths, d_output. */
    public static int[] widths(int dataD, List<Integer> hidden, int dOutput) {
        int[] widths = new int[hidden.size() + 2];
        widths[0] = dataD;
        for (int l = 0; l < hidden.size(); l++) {
            widths[l + 1] = hidden.get(l);
        }
        widths[widths.length - 1] = dOutput;
        return widths;
    }

    /** @throws IllegalArgumentException if {@code teacher}'s layers are not the widths {@code config} asks for */
    public static void requireFits(ReconConfig config, List<Layer> teacher) {
        int[] widths = widths(config.dataD(), config.ks(), config.dOutput());
        boolean fits = teacher.size() == widths.length - 1;
        for (int l = 0; fits && l < teacher.size(); l++) {
            fits = teacher.get(l).k() == widths[l] && teacher.get(l).n() == widths[l + 1];
        }
        if (!fits) {
            throw new IllegalArgumentException("--load_teacher: the teacher's layers do not fit --data_d " + config.dataD()
                    + " --ks " + config.ks() + " --d_output " + config.dOutput() + ": pass the widths the teacher was made with");
        }
    }

    /**
     * "Separate" weights, biases ~ U(-0.5, 0.5), then every row and its bias normalised
     * (docs/math.md#teacher-initialisation). With {@code --no_sep}, PyTorch's default init (weights
     * and biases ~ U(±1/sqrt(fan_in))) instead of the separate rows, then the same normalisation.
     */
    public static List<Layer> teacher(ReconConfig config, RandomGenerator rng) {
        int[] widths = widths(config.dataD(), config.ks(), config.dOutput());
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int n = widths[l + 1], k = widths[l];
            float bound = Initialisation.bound(k);
            float[] w = config.noSep() ? Initialisation.uniform(rng, n * k, -bound, bound)
                    : Initialisation.separateRows(rng, n, k);
            float low = config.noSep() ? -bound : -0.5f, high = config.noSep() ? bound : 0.5f;
            float[] b = config.noBias() ? null : Initialisation.uniform(rng, n, low, high);
            HostNorms.normalizeRows(w, b, n, k);
            layers.add(new Layer(n, k, w, b));
        }
        return layers;
    }

    /**
     * The student of one trial (docs/math.md#student-initialisation): PyTorch's default init, then,
     * in the original's order, {@code --perturb s} (the teacher plus N(0, s²) noise),
     * {@code --same_dir} (each layer the teacher's times r = ||W_student||_F / ||W_teacher||_F, the
     * bias times the same r) and {@code --same_sign} (a weight or bias whose sign opposes the
     * teacher's entry is negated; a zero teacher entry leaves it alone). The three need the
     * teacher's widths, which {@link ReconConfig#studentKs()} gives them.
     */
    public static List<Layer> student(ReconConfig config, List<Layer> teacher, RandomGenerator rng) {
        int[] widths = widths(config.dataD(), config.studentKs(), config.dOutput());
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int n = widths[l + 1], k = widths[l];
            float bound = Initialisation.bound(k);
            float[] w = Initialisation.uniform(rng, n * k, -bound, bound);
            float[] b = config.noBias() ? null : Initialisation.uniform(rng, n, -bound, bound);
            layers.add(new Layer(n, k, w, b));
        }
        if (config.perturb() != null) {
            layers = perturbed(teacher, config.perturb(), rng);
        }
        for (int l = 0; l < layers.size() && (config.sameDir() || config.sameSign()); l++) {
            Layer s = layers.get(l), t = teacher.get(l);
            if (config.sameDir()) {
                sameDirection(s, t);
            }
            if (config.sameSign()) {
                sameSign(s.weights(), t.weights());
                if (s.bias() != null && t.bias() != null) {
                    sameSign(s.bias(), t.bias());
                }
            }
        }
        return layers;
    }

    /** {@code s = t · r} and {@code b_s = b_t · r}, with r the ratio of the layers' Frobenius norms. */
    private static void sameDirection(Layer s, Layer t) {
        double r = frobenius(s.weights()) / frobenius(t.weights());
        for (int i = 0; i < s.weights().length; i++) {
            s.weights()[i] = (float) (t.weights()[i] * r);
        }
        if (s.bias() != null && t.bias() != null) {
            for (int i = 0; i < s.bias().length; i++) {
                s.bias()[i] = (float) (t.bias()[i] * r);
            }
        }
    }

    private static double frobenius(float[] w) {
        double sq = 0;
        for (float v : w) {
            sq += (double) v * v;
        }
        return Math.sqrt(sq);
    }

    /** Negates every entry of {@code s} whose sign opposes {@code t}'s; where t is 0, s stays. */
    private static void sameSign(float[] s, float[] t) {
        for (int i = 0; i < s.length; i++) {
            if (t[i] > 0 && s[i] < 0 || t[i] < 0 && s[i] > 0) {
                s[i] = -s[i];
            }
        }
    }

    private static List<Layer> perturbed(List<Layer> teacher, double std, RandomGenerator rng) {
        List<Layer> layers = new ArrayList<>();
        for (Layer t : teacher) {
            float[] w = t.weights().clone();
            for (int i = 0; i < w.length; i++) {
                w[i] += (float) (rng.nextGaussian() * std);
            }
            float[] b = null;
            if (t.bias() != null) {
                b = t.bias().clone();
                for (int i = 0; i < b.length; i++) {
                    b[i] += (float) (rng.nextGaussian() * std);
                }
            }
            layers.add(new Layer(t.n(), t.k(), w, b));
        }
        return layers;
    }
}
