package org.relukit.stats;

import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Float64Network;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.SmallNets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;

/**
 * {@code --stats_H} against the seed's definition computed directly, in float64, one sample at a
 * time: {@code H = I} at the output, {@code β = W̃₁ᵀ H W̃₂} for each layer going down, {@code H} =
 * β with rows gated by network 1's ReLU mask and columns by network 2's, both averaged over the
 * samples. Also the summaries written to metrics.jsonl.
 */
class RelationMatricesTest {
    private static final int SAMPLES = 7;

    @ParameterizedTest(name = "{0} bn={1}")
    @CsvSource({"scalar, false", "simd, false", "scalar, true"})
    void matricesMatchThePerSampleDefinition(String name, boolean bn) {
        ReconConfig.Builder builder = SmallNets.dense(3, List.of(4, 5, 3), 4);
        builder.dataStd = 1;
        SplittableRandom rng = new SplittableRandom(5);
        SmallNets nets = SmallNets.draw(builder, rng);
        ReconConfig config = nets.config();
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; bn && l + 1 < studentLayers.size(); l++) {
            int n = studentLayers.get(l).n();
            norms.add(new BatchNormLayer(n, Initialisation.uniform(rng, n, 0.5f, 1.5f),
                    Initialisation.uniform(rng, n, -0.5f, 0.5f), Initialisation.uniform(rng, n, -0.2f, 0.2f),
                    Initialisation.uniform(rng, n, 0.1f, 0.5f)));
        }
        float[] x = Initialisation.gaussian(rng, SAMPLES * config.dataD(), 1.0);
        Float64Network teacher64 = new Float64Network(teacherLayers);
        Float64Network student64 = new Float64Network(studentLayers, norms, false);
        teacher64.forward(x, SAMPLES, false);
        student64.forward(x, SAMPLES, false);

        try (Backend backend = Backends.open(name);
             Network teacher = new Network(backend, teacherLayers);
             Network student = new Network(backend, studentLayers, norms, false);
             Tensor data = backend.allocate(SAMPLES, config.dataD());
             Evaluator evaluator = new Evaluator(backend, teacher, student, SAMPLES, null, true)) {
            backend.upload(x, data);
            Evaluation e = evaluator.evaluate(data, 0, -1, "eval", 0);
            RelationMatrices r = evaluator.relations();
            double[][][] st = reference(studentLayers, student64, teacherLayers, teacher64);
            double[][][] ss = reference(studentLayers, student64, studentLayers, student64);
            int hidden = studentLayers.size() - 1;
            for (int l = 0; l < hidden; l++) {
                assertClose(st[0][l], r.betaStudentTeacher(l), "beta student-teacher, layer " + l);
                assertClose(st[1][l], r.hStudentTeacher(l), "H student-teacher, layer " + l);
                assertClose(ss[0][l], r.betaStudentStudent(l), "beta student-student, layer " + l);
                assertClose(ss[1][l], r.hStudentStudent(l), "H student-student, layer " + l);
            }
            int ns = studentLayers.getFirst().n(), nt = teacherLayers.getFirst().n();
            MatrixSummary h0 = e.relations().hStudentStudent().getFirst();
            double fro = 0, diag = 0;
            for (int a = 0; a < ns; a++) {
                for (int b = 0; b < ns; b++) {
                    double v = ss[1][0][a * (ns + 1) + b];
                    fro += v * v;
                    diag += a == b ? v / ns : 0;
                }
            }
            assertEquals(Math.sqrt(fro), h0.frobenius(), 1e-5 * Math.sqrt(fro));
            assertEquals(diag, h0.diagMean(), 1e-5 * Math.abs(diag));
            assertEquals(ns, e.relations().betaStudentTeacher().getFirst().rows());
            assertEquals(nt, e.relations().betaStudentTeacher().getFirst().cols());
            assertTrue(Double.isNaN(e.relations().hStudentTeacher().getFirst().diagMean()), "no diagonal between two networks");
        }
    }

    /** {β̄ per hidden layer, H̄ per hidden layer} of (network 1, network 2), per sample, then averaged. */
    private static double[][][] reference(List<Layer> layers1, Float64Network net1, List<Layer> layers2, Float64Network net2) {
        int hidden = layers1.size() - 1, outputs = layers1.getLast().n() + 1;
        double[][] betaSum = new double[hidden][], hSum = new double[hidden][];
        for (int i = 0; i < SAMPLES; i++) {
            double[] h = new double[outputs * outputs];
            for (int o = 0; o < outputs; o++) {
                h[o * outputs + o] = 1;
            }
            int rows = outputs, cols = outputs;
            for (int l = hidden; l >= 1; l--) {
                double[] w1 = augmented(layers1.get(l)), w2 = augmented(layers2.get(l));
                int k1 = layers1.get(l).k() + 1, k2 = layers2.get(l).k() + 1;
                // β = W̃₁ᵀ H W̃₂: W̃₁ is rows × k1, H rows × cols, W̃₂ cols × k2.
                double[] beta = new double[k1 * k2];
                for (int a = 0; a < k1; a++) {
                    for (int b = 0; b < k2; b++) {
                        double sum = 0;
                        for (int p = 0; p < rows; p++) {
                            for (int q = 0; q < cols; q++) {
                                sum += w1[p * k1 + a] * h[p * cols + q] * w2[q * k2 + b];
                            }
                        }
                        beta[a * k2 + b] = sum;
                    }
                }
                double[] gated = beta.clone();
                for (int a = 0; a < k1; a++) {
                    for (int b = 0; b < k2; b++) {
                        boolean on1 = a == k1 - 1 || net1.reluOutput[l - 1][i * (k1 - 1) + a] > 0;
                        boolean on2 = b == k2 - 1 || net2.reluOutput[l - 1][i * (k2 - 1) + b] > 0;
                        gated[a * k2 + b] = on1 && on2 ? beta[a * k2 + b] : 0;
                    }
                }
                betaSum[l - 1] = add(betaSum[l - 1], beta);
                hSum[l - 1] = add(hSum[l - 1], gated);
                h = gated;
                rows = k1;
                cols = k2;
            }
        }
        for (int l = 0; l < hidden; l++) {
            for (int j = 0; j < betaSum[l].length; j++) {
                betaSum[l][j] /= SAMPLES;
                hSum[l][j] /= SAMPLES;
            }
        }
        return new double[][][] {betaSum, hSum};
    }

    private static double[] augmented(Layer layer) {
        int n = layer.n(), k = layer.k();
        double[] w = new double[(n + 1) * (k + 1)];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                w[j * (k + 1) + p] = layer.weight(j, p);
            }
            w[j * (k + 1) + k] = layer.bias()[j];
        }
        w[n * (k + 1) + k] = 1;
        return w;
    }

    private static double[] add(double[] sum, double[] x) {
        if (sum == null) {
            return x.clone();
        }
        for (int i = 0; i < x.length; i++) {
            sum[i] += x[i];
        }
        return sum;
    }

    private static void assertClose(double[] ref, float[] out, String what) {
        assertEquals(ref.length, out.length, what + ": size");
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            diff += (out[i] - ref[i]) * (out[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        assertTrue(norm > 0, what + " is all zeros: a test that cannot fail");
        double error = Math.sqrt(diff / norm);
        assertTrue(error < 1e-5, what + ": relative error " + error);
    }
}
