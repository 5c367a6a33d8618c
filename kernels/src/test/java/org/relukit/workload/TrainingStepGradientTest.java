package org.relukit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.backend.Backend;
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
        ReconConfig config = new ReconConfig();
        config.dataD = 3;
        config.ks = List.of(4, 5);
        config.nodeMulti = 2;
        config.dOutput = 3;
        SplittableRandom rng = new SplittableRandom(7);
        List<Layer> teacherLayers = TeacherStudent.teacher(config, rng);
        List<Layer> studentLayers = TeacherStudent.student(config, teacherLayers, rng);
        float[] x = Initialisation.gaussian(rng, BATCH * config.dataD, 1.0);

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
}
