package org.relukit.recon;

import java.util.List;
import java.util.SplittableRandom;
import org.relukit.nn.Layer;

/**
 * A teacher and its student drawn as recon draws them, small enough for a test to check by hand. The
 * generator is the test's own: it goes on drawing the inputs from where the nets left it.
 */
public record SmallNets(ReconConfig config, List<Layer> teacher, List<Layer> student) {

    /** Fully connected: {@code dataD} inputs, hidden widths {@code ks}, a student twice as wide, {@code dOutput} outputs. */
    public static ReconConfig.Builder dense(int dataD, List<Integer> ks, int dOutput) {
        ReconConfig.Builder config = ReconConfig.builder();
        config.dataD = dataD;
        return widths(config, ks, dOutput);
    }

    /** Convolutional ({@code --use_cnn}): 1 × 16 × 16 inputs, {@code ks} channels, a student twice as wide. */
    public static ReconConfig.Builder conv(List<Integer> ks, int dOutput) {
        ReconConfig.Builder config = ReconConfig.builder();
        config.useCnn = true;
        return widths(config, ks, dOutput);
    }

    private static ReconConfig.Builder widths(ReconConfig.Builder config, List<Integer> ks, int dOutput) {
        config.ks = ks;
        config.nodeMulti = 2;
        config.dOutput = dOutput;
        return config;
    }

    public static SmallNets draw(ReconConfig.Builder config, SplittableRandom rng) {
        ReconConfig built = config.build();
        List<Layer> teacher = TeacherStudent.teacher(built, rng);
        return new SmallNets(built, teacher, TeacherStudent.student(built, teacher, rng));
    }
}
