package org.relukit.recon;

import org.relukit.backend.HostNorms;
import org.relukit.nn.ImageShape;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Builds the teacher and the student of {@code recon} on the host (docs/math.md#networks). A conv
 * layer is a {@link Layer} whose rows are its filters ({@code k = C·9}), so the initialisations,
 * row normalisation and fan-in bounds of the fully connected layers apply to it as they are.
 */
public final class TeacherStudent {
    private TeacherStudent() {}

    /**
     * Per layer, lowest first, its nodes (a conv layer's channels) and fan-in, {@code {n, k}}, for the
     * hidden widths {@code hidden}: a fully connected layer reads every node below; with
     * {@code --use_cnn} a hidden layer's filter reads 3 × 3 positions of every channel below, and
     * the output layer reads every value of the last stack of maps.
     */
    public static int[][] layerSizes(ReconConfig config, List<Integer> hidden) {
        ImageShape image = config.convInput();
        int[][] sizes = new int[hidden.size() + 1][];
        int below = image != null ? image.channels() : config.inputSize();
        for (int l = 0; l < hidden.size(); l++) {
            sizes[l] = new int[] {hidden.get(l), image != null ? below * 9 : below};
            below = hidden.get(l);
        }
        if (image != null) {
            int side = 2 * hidden.size();
            below *= (image.height() - side) * (image.width() - side);
        }
        sizes[hidden.size()] = new int[] {config.dOutput(), below};
        return sizes;
    }

    /** The first layer's fan-in, then every layer's nodes: what {@link Checkpoint#widths} reads off a network of these sizes. */
    public static List<Integer> widths(ReconConfig config, List<Integer> hidden) {
        int[][] sizes = layerSizes(config, hidden);
        List<Integer> widths = new ArrayList<>(List.of(sizes[0][1]));
        for (int[] size : sizes) {
            widths.add(size[0]);
        }
        return widths;
    }

    /** @throws IllegalArgumentException if {@code teacher}'s layers are not the sizes {@code config} asks for */
    public static void requireFits(ReconConfig config, List<Layer> teacher) {
        int[][] sizes = layerSizes(config, config.ks());
        boolean fits = teacher.size() == sizes.length;
        for (int l = 0; fits && l < teacher.size(); l++) {
            fits = teacher.get(l).n() == sizes[l][0] && teacher.get(l).k() == sizes[l][1];
        }
        if (!fits) {
            throw new IllegalArgumentException("--load_teacher: the teacher's layers do not fit "
                    + (config.convInput() != null ? "--use_cnn on " + config.convInput() + " inputs" : "--data_d " + config.inputSize())
                    + " --ks " + config.ks() + " --d_output " + config.dOutput() + ": pass the widths the teacher was made with");
        }
    }

    /**
     * "Separate" weights, biases ~ U(-0.5, 0.5), then every row and its bias normalised
     * (docs/math.md#teacher-initialisation). With {@code --no_sep}, PyTorch's default init (weights
     * and biases ~ U(±1/sqrt(fan_in))) instead of the separate rows, then the same normalisation.
     */
    public static List<Layer> teacher(ReconConfig config, RandomGenerator rng) {
        List<Layer> layers = new ArrayList<>();
        for (int[] size : layerSizes(config, config.ks())) {
            int n = size[0], k = size[1];
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
        List<Layer> layers = new ArrayList<>();
        for (int[] size : layerSizes(config, config.studentKs())) {
            int n = size[0], k = size[1];
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
