package org.relukit.nn;

import org.relukit.recon.ReconConfig;
import org.relukit.recon.SmallNets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.Backends;

/**
 * A whole training step against central finite differences of the MSE loss, computed in float64
 * on the host: one plain-SGD step with lr = 1 moves every parameter by minus its gradient.
 */
class TrainingStepGradientTest {
    private static final int BATCH = 5;

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void stepMovesEveryParameterByMinusItsGradient(String name) {
        SplittableRandom rng = new SplittableRandom(7);
        SmallNets nets = SmallNets.draw(SmallNets.dense(3, List.of(4, 5), 3), rng);
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        float[] x = Initialisation.gaussian(rng, BATCH * nets.config().dataD(), 1.0);

        List<Layer> after;
        try (Backend backend = Backends.open(name);
             Network teacher = new Network(backend, teacherLayers);
             Network student = new Network(backend, studentLayers);
             TrainingStep step = TrainingStep.plainSgd(backend, teacher, student, BATCH)) {
            backend.upload(x, step.input());
            float loss = step.run(1f);
            assertEquals(loss(teacherLayers, studentLayers, x), loss, 1e-4 * Math.abs(loss));
            after = student.download();
        }

        double eps = 1e-4;
        int checked = 0;
        for (int l = 0; l < studentLayers.size(); l++) {
            Layer layer = studentLayers.get(l);
            for (float[] params : new float[][] {layer.weights(), layer.bias()}) {
                float[] moved = params == layer.weights() ? after.get(l).weights() : after.get(l).bias();
                for (int i = 0; i < params.length; i++) {
                    float original = params[i];
                    params[i] = (float) (original + eps);
                    double up = loss(teacherLayers, studentLayers, x);
                    params[i] = (float) (original - eps);
                    double down = loss(teacherLayers, studentLayers, x);
                    params[i] = original;
                    double numeric = (up - down) / (2 * eps);
                    double analytic = original - moved[i];
                    assertEquals(numeric, analytic, 2e-3 * Math.max(1, Math.abs(numeric)),
                            name + " layer " + l + " parameter " + i);
                    checked++;
                }
            }
        }
        assertTrue(checked > 100, "checked " + checked + " parameters");
    }

    /** Float64 forward of both networks and the MSE between their outputs. */
    private static double loss(List<Layer> teacher, List<Layer> student, float[] x) {
        double[] yt = forward(teacher, x), ys = forward(student, x);
        double sum = 0;
        for (int i = 0; i < yt.length; i++) {
            sum += (ys[i] - yt[i]) * (ys[i] - yt[i]);
        }
        return sum / yt.length;
    }

    private static double[] forward(List<Layer> layers, float[] x) {
        double[] in = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            in[i] = x[i];
        }
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            double[] out = new double[BATCH * layer.n()];
            for (int b = 0; b < BATCH; b++) {
                for (int j = 0; j < layer.n(); j++) {
                    double z = layer.bias() == null ? 0 : layer.bias()[j];
                    for (int p = 0; p < layer.k(); p++) {
                        z += in[b * layer.k() + p] * layer.weight(j, p);
                    }
                    out[b * layer.n() + j] = l == layers.size() - 1 ? z : Math.max(z, 0);
                }
            }
            in = out;
        }
        return in;
    }

    /**
     * The same check through BatchNorm in training mode (after the ReLU, or before it), with γ and β
     * away from their initial 1 and 0 and, when affine, checked like every other parameter; the
     * teacher has a BatchNorm in eval mode. Also: the running statistics moved by momentum 0.1 with
     * the unbiased batch variance.
     */
    @ParameterizedTest(name = "{0} beforeRelu={1} affine={2}")
    @CsvSource({"scalar, false, true", "scalar, true, true", "scalar, false, false", "scalar, true, false",
            "simd, false, true", "simd, true, true"})
    void stepThroughBatchNormMovesEveryParameterByMinusItsGradient(String name, boolean beforeRelu, boolean affine) {
        SplittableRandom rng = new SplittableRandom(11);
        SmallNets nets = SmallNets.draw(SmallNets.dense(3, List.of(4, 5), 3), rng);
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        List<BatchNormLayer> teacherNorms = randomNorms(teacherLayers, true, rng);
        List<BatchNormLayer> studentNorms = randomNorms(studentLayers, affine, rng);
        float[] x = Initialisation.gaussian(rng, BATCH * nets.config().dataD(), 1.0);
        // Small enough that no ReLU kink of this batch lies within ±eps of a parameter (1e-3 would cross some).
        int checked = checkStep(name, 1, BATCH, teacherLayers, studentLayers, teacherNorms, studentNorms, beforeRelu, null,
                x, 1e-4);
        assertTrue(checked > 100, "checked " + checked + " parameters");
    }

    /**
     * The same check on the conv nets of {@code --use_cnn} (1 × 16 × 16 inputs, two 3 × 3 conv layers,
     * a linear output on the flattened maps): every filter weight, bias and the output layer against
     * float64 finite differences, without BatchNorm and through BatchNorm2d (per channel, over batch
     * and positions) after or before the ReLU, whose running statistics must move as in PyTorch.
     */
    @ParameterizedTest(name = "{0} bn={1}")
    @CsvSource({"scalar, none", "scalar, after", "scalar, before", "simd, none", "simd, after", "simd, before"})
    void convStepMovesEveryParameterByMinusItsGradient(String name, String bn) {
        boolean withNorm = !bn.equals("none"), beforeRelu = bn.equals("before");
        SplittableRandom rng = new SplittableRandom(13);
        SmallNets nets = SmallNets.draw(SmallNets.conv(List.of(2, 3), 3), rng);
        ReconConfig config = nets.config();
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        List<BatchNormLayer> teacherNorms = withNorm ? randomNorms(teacherLayers, true, rng) : List.of();
        List<BatchNormLayer> studentNorms = withNorm ? randomNorms(studentLayers, true, rng) : List.of();
        float[] x = Initialisation.gaussian(rng, BATCH * config.convInput().size(), 1.0);
        // A conv layer has many more pre-activations than an FC one (every position of every sample): at 1e-4
        // a few cross a ReLU kink, and behind BatchNorm2d over a sparse channel one kink is a large share.
        int checked = checkStep(name, 1, BATCH, teacherLayers, studentLayers, teacherNorms, studentNorms, beforeRelu,
                config.convInput(), x, 1e-5);
        // 4 filters of 1 x 3 x 3, 6 of 4 x 3 x 3, the output layer's 3 x 6·12·12, their biases (and γ, β).
        assertTrue(checked >= 4 * 10 + 6 * 37 + 3 * 865, "checked " + checked + " parameters");
    }

    /**
     * The same check on a step that the SIMD backend runs in two halves (512 rows, on one thread and
     * on two): the average of the halves' gradients is the batch's. The teacher has a BatchNorm in
     * eval mode, which a half runs on its own rows.
     */
    @ParameterizedTest(name = "threads {0}")
    @ValueSource(ints = {1, 2})
    void aStepInHalvesMovesEveryParameterByMinusItsGradient(int threads) {
        int batch = 512;
        SplittableRandom rng = new SplittableRandom(17);
        SmallNets nets = SmallNets.draw(SmallNets.dense(3, List.of(4, 5), 3), rng);
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        List<BatchNormLayer> teacherNorms = randomNorms(teacherLayers, true, rng);
        float[] x = Initialisation.gaussian(rng, batch * nets.config().dataD(), 1.0);
        int checked = checkStep("simd", threads, batch, teacherLayers, studentLayers, teacherNorms, List.of(), false, null,
                x, 1e-4);
        assertTrue(checked > 100, "checked " + checked + " parameters");
    }

    /**
     * One plain-SGD step at lr = 1 on {@code name}'s backend with {@code threads} threads, over a
     * batch of {@code batch} rows of {@code x}, then: the loss is the float64 one, the
     * student's running statistics moved by momentum 0.1 with the unbiased batch variance, and every
     * parameter (weights, biases, and γ and β when affine) moved by minus its central finite
     * difference of the float64 loss. Returns the number of parameters checked.
     */
    private static int checkStep(String name, int threads, int batch, List<Layer> teacherLayers, List<Layer> studentLayers,
                                 List<BatchNormLayer> teacherNorms, List<BatchNormLayer> studentNorms, boolean beforeRelu,
                                 ImageShape image, float[] x, double eps) {
        Float64Network teacher64 = new Float64Network(teacherLayers, teacherNorms, beforeRelu, image);
        Float64Network student64 = new Float64Network(studentLayers, studentNorms, beforeRelu, image);
        double[] yt = teacher64.forward(x, batch, false);

        List<Layer> after;
        List<BatchNormLayer> normsAfter;
        try (Backend backend = Backends.open(name, new BackendOptions(threads, null));
             Network teacher = new Network(backend, teacherLayers, teacherNorms, beforeRelu, image);
             Network student = new Network(backend, studentLayers, studentNorms, beforeRelu, image);
             Sgd sgd = new Sgd(backend, student, 0, 0, false);
             TrainingStep step = new TrainingStep(backend, teacher, student, sgd, batch, false)) {
            assertEquals(backend.splitsBatch(batch) && studentNorms.isEmpty(), step.runsInHalves(), "halves");
            backend.upload(x, step.input());
            float loss = step.run(1f);
            assertEquals(mse(student64.forward(x, batch, true), yt), loss, 1e-4 * Math.abs(loss));
            after = student.download();
            normsAfter = student.downloadNorms();
        }
        for (int l = 0; l < studentNorms.size(); l++) {
            for (int j = 0; j < studentNorms.get(l).n(); j++) {
                double mean = 0.9 * studentNorms.get(l).runningMean()[j] + 0.1 * student64.batchMean[l][j];
                double var = 0.9 * studentNorms.get(l).runningVar()[j] + 0.1 * student64.batchVarUnbiased[l][j];
                assertEquals(mean, normsAfter.get(l).runningMean()[j], 1e-5 * Math.max(1, Math.abs(mean)), "running mean");
                assertEquals(var, normsAfter.get(l).runningVar()[j], 1e-5 * Math.max(1, Math.abs(var)), "running var");
            }
        }

        List<float[]> params = new ArrayList<>(), moved = new ArrayList<>();
        for (int l = 0; l < studentLayers.size(); l++) {
            params.add(studentLayers.get(l).weights());
            moved.add(after.get(l).weights());
            params.add(studentLayers.get(l).bias());
            moved.add(after.get(l).bias());
        }
        for (int l = 0; l < studentNorms.size(); l++) {
            if (studentNorms.get(l).affine()) {
                params.add(studentNorms.get(l).gamma());
                moved.add(normsAfter.get(l).gamma());
                params.add(studentNorms.get(l).beta());
                moved.add(normsAfter.get(l).beta());
            }
        }
        int checked = 0;
        for (int g = 0; g < params.size(); g++) {
            float[] p = params.get(g);
            for (int i = 0; i < p.length; i++) {
                float original = p[i], plus = (float) (original + eps), minus = (float) (original - eps);
                p[i] = plus;
                double up = mse(student64.forward(x, batch, true), yt);
                p[i] = minus;
                double down = mse(student64.forward(x, batch, true), yt);
                p[i] = original;
                double numeric = (up - down) / ((double) plus - minus);
                double analytic = original - moved.get(g)[i];
                assertEquals(numeric, analytic, 2e-3 * Math.max(1, Math.abs(numeric)),
                        name + " parameter group " + g + " entry " + i);
                checked++;
            }
        }
        return checked;
    }

    /** γ ~ U(0.5, 1.5), β ~ U(-0.5, 0.5) when affine, running mean ~ U(-0.5, 0.5) and variance ~ U(0.5, 2). */
    private static List<BatchNormLayer> randomNorms(List<Layer> layers, boolean affine, SplittableRandom rng) {
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; l + 1 < layers.size(); l++) {
            int n = layers.get(l).n();
            norms.add(new BatchNormLayer(n,
                    affine ? Initialisation.uniform(rng, n, 0.5f, 1.5f) : null,
                    affine ? Initialisation.uniform(rng, n, -0.5f, 0.5f) : null,
                    Initialisation.uniform(rng, n, -0.5f, 0.5f), Initialisation.uniform(rng, n, 0.5f, 2f)));
        }
        return norms;
    }

    private static double mse(double[] ys, double[] yt) {
        double sum = 0;
        for (int i = 0; i < yt.length; i++) {
            sum += (ys[i] - yt[i]) * (ys[i] - yt[i]);
        }
        return sum / yt.length;
    }
}
