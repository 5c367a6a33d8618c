package org.relukit.recon;

import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Builds the teacher and the student of {@code recon} on the host (SPEC §1 "Networks"). */
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

    /** "Separate" weights, biases ~ U(-0.5, 0.5), then every row and its bias normalised. */
    public static List<Layer> teacher(ReconConfig config, RandomGenerator rng) {
        int[] widths = widths(config.dataD(), config.ks(), config.dOutput());
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int n = widths[l + 1], k = widths[l];
            float[] w = Initialisation.separateRows(rng, n, k);
            float[] b = config.noBias() ? null : Initialisation.uniform(rng, n, -0.5f, 0.5f);
            Initialisation.normalizeRows(w, b, n, k);
            layers.add(new Layer(n, k, w, b));
        }
        return layers;
    }

    /**
     * PyTorch's default init; or, with {@code --perturb s}, the teacher plus N(0, s²) noise.
     * With {@code --same_dir} / {@code --same_sign}, student node j is tied to teacher node
     * {@code j mod Kt} (and input q to teacher input {@code q mod Kt_prev}): it starts along that
     * node's weights (scaled to the default init's bound), or keeps its random magnitudes with the
     * teacher weight's sign.
     */
    public static List<Layer> student(ReconConfig config, List<Layer> teacher, RandomGenerator rng) {
        if (config.perturb() != null) {
            return perturbed(teacher, config.perturb(), rng);
        }
        int[] widths = widths(config.dataD(), config.studentKs(), config.dOutput());
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            int n = widths[l + 1], k = widths[l];
            float bound = Initialisation.bound(k);
            float[] w = Initialisation.uniform(rng, n * k, -bound, bound);
            float[] b = config.noBias() ? null : Initialisation.uniform(rng, n, -bound, bound);
            if (config.sameDir() || config.sameSign()) {
                tieToTeacher(w, n, k, teacher.get(l), config.sameDir(), bound);
            }
            layers.add(new Layer(n, k, w, b));
        }
        return layers;
    }

    private static void tieToTeacher(float[] w, int n, int k, Layer t, boolean sameDir, float bound) {
        for (int j = 0; j < n; j++) {
            for (int q = 0; q < k; q++) {
                float tw = t.weight(j % t.n(), q % t.k());
                if (sameDir) {
                    w[j * k + q] = tw * bound;
                } else {
                    w[j * k + q] = Math.copySign(Math.abs(w[j * k + q]), tw);
                }
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
