package org.relukit.stats;

import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * {@code --stats_H}: the matrices that relate two networks layer by layer, as the seed's
 * {@code compute_Hs} defines them. Weights are bias-augmented, {@code W̃ = [[W, b], [0, 1]]}
 * ({@code (n+1) × (k+1)}). For each sample i, starting at the output with {@code H_i = I}, going
 * down through layer l: {@code β_i = W̃₁ᵀ H_i W̃₂}, then the new {@code H_i} is {@code β_i} with row a
 * gated by network 1's ReLU mask of node a and column b by network 2's (the bias row and column
 * stay). The results are the averages over the samples, {@code β̄} and {@code H̄} of every hidden
 * layer, for (student, teacher) and (student, student). As in the seed, BatchNorm's Jacobian is
 * left out: the gates are the ReLU masks of the real forward.
 *
 * <p>Computed as products on the backend: {@code H_i = J₁ᵢᵀ J₂ᵢ} where {@code J_i} is network
 * output's Jacobian with respect to the layer's augmented activations, {@code D × (n+1)} with
 * {@code D = d_output + 1}. The Jacobians of all samples are stacked into one
 * {@code (D·samples) × (n+1)} matrix {@code J} (row o·samples + i = output o of sample i), so that
 * <pre>
 *   K = J W̃           (one layer down, before the gate)
 *   β̄ = K₁ᵀ K₂ / samples
 *   J' = K ⊙ G        (G: each sample's gate row [relu mask, 1], repeated for its D rows)
 *   H̄ = J₁'ᵀ J₂' / samples
 * </pre>
 * starting from J = the identity repeated for every sample. All tensors are allocated once.
 */
final class RelationMatrices implements AutoCloseable {
    private final Backend backend;
    private final Network student, teacher;
    private final int samples, outputs;
    /** The identity, stacked once per sample: J at the output. */
    private final Tensor identity;
    /** Per network and hidden layer l: the stack J (and K before it), the expanded gate, the one-row-per-sample gate. */
    private final Tensor[] studentStack, teacherStack, studentGate, teacherGate, studentGateRows, teacherGateRows;
    /** Per network and layer l ≥ 1: W̃. */
    private final Tensor[] studentAug, teacherAug;
    /** Per hidden layer: the averaged matrices on the device and the host. */
    private final Tensor[] hSt, hSs, betaSt, betaSs;
    private final float[][] hStHost, hSsHost, betaStHost, betaSsHost;

    RelationMatrices(Backend backend, Network student, Network teacher, int samples) {
        this.backend = backend;
        this.student = student;
        this.teacher = teacher;
        this.samples = samples;
        this.outputs = student.width(student.hiddenCount()) + 1;
        int[] studentWidths = student.widths(), teacherWidths = teacher.widths();
        int hidden = student.hiddenCount();
        if (teacher.hiddenCount() != hidden || teacher.width(hidden) != student.width(hidden)) {
            throw new IllegalArgumentException("H relates networks of the same depth and output width");
        }
        int rows = outputs * samples;
        identity = backend.allocate(rows, outputs);
        float[] eye = new float[rows * outputs];
        for (int o = 0; o < outputs; o++) {
            for (int i = 0; i < samples; i++) {
                eye[(o * samples + i) * outputs + o] = 1f;
            }
        }
        backend.upload(eye, identity);
        studentStack = new Tensor[hidden];
        teacherStack = new Tensor[hidden];
        studentGate = new Tensor[hidden];
        teacherGate = new Tensor[hidden];
        studentGateRows = new Tensor[hidden];
        teacherGateRows = new Tensor[hidden];
        hSt = new Tensor[hidden];
        hSs = new Tensor[hidden];
        betaSt = new Tensor[hidden];
        betaSs = new Tensor[hidden];
        hStHost = new float[hidden][];
        hSsHost = new float[hidden][];
        betaStHost = new float[hidden][];
        betaSsHost = new float[hidden][];
        for (int l = 0; l < hidden; l++) {
            int ns = student.width(l) + 1, nt = teacher.width(l) + 1;
            studentStack[l] = backend.allocate(rows, ns);
            teacherStack[l] = backend.allocate(rows, nt);
            studentGate[l] = backend.allocate(rows, ns);
            teacherGate[l] = backend.allocate(rows, nt);
            studentGateRows[l] = backend.allocate(samples, ns);
            teacherGateRows[l] = backend.allocate(samples, nt);
            hSt[l] = backend.allocate(ns, nt);
            betaSt[l] = backend.allocate(ns, nt);
            hSs[l] = backend.allocate(ns, ns);
            betaSs[l] = backend.allocate(ns, ns);
            hStHost[l] = new float[ns * nt];
            betaStHost[l] = new float[ns * nt];
            hSsHost[l] = new float[ns * ns];
            betaSsHost[l] = new float[ns * ns];
        }
        studentAug = new Tensor[hidden + 1];
        teacherAug = new Tensor[hidden + 1];
        for (int l = 1; l <= hidden; l++) {
            studentAug[l] = backend.allocate(studentWidths[l + 1] + 1, studentWidths[l] + 1);
            teacherAug[l] = backend.allocate(teacherWidths[l + 1] + 1, teacherWidths[l] + 1);
        }
    }

    /**
     * Computes every β̄ and H̄ from the networks' current weights and the ReLU masks of a forward
     * of both on the same {@code samples} inputs.
     */
    void compute(Network.Activations studentActs, Network.Activations teacherActs) {
        uploadAugmented(student, studentAug);
        uploadAugmented(teacher, teacherAug);
        expandGates(studentActs, studentGateRows, studentGate);
        expandGates(teacherActs, teacherGateRows, teacherGate);
        float scale = 1f / samples;
        Tensor js = identity, jt = identity;
        for (int l = student.hiddenCount(); l >= 1; l--) {
            Tensor ks = studentStack[l - 1], kt = teacherStack[l - 1];
            backend.matmul(js, false, studentAug[l], false, ks, 1f, 0f);
            backend.matmul(jt, false, teacherAug[l], false, kt, 1f, 0f);
            backend.matmul(ks, true, ks, false, betaSs[l - 1], scale, 0f);
            backend.matmul(ks, true, kt, false, betaSt[l - 1], scale, 0f);
            backend.hadamard(ks, studentGate[l - 1], ks);
            backend.hadamard(kt, teacherGate[l - 1], kt);
            backend.matmul(ks, true, ks, false, hSs[l - 1], scale, 0f);
            backend.matmul(ks, true, kt, false, hSt[l - 1], scale, 0f);
            js = ks;
            jt = kt;
        }
        for (int l = 0; l < hSt.length; l++) {
            backend.download(hSt[l], hStHost[l]);
            backend.download(hSs[l], hSsHost[l]);
            backend.download(betaSt[l], betaStHost[l]);
            backend.download(betaSs[l], betaSsHost[l]);
        }
    }

    /** W̃ of every layer above the first, from the network's current weights. */
    private void uploadAugmented(Network net, Tensor[] aug) {
        List<Layer> layers = net.download();
        for (int l = 1; l < aug.length; l++) {
            Layer layer = layers.get(l);
            int n = layer.n(), k = layer.k();
            float[] w = new float[(n + 1) * (k + 1)];
            for (int j = 0; j < n; j++) {
                System.arraycopy(layer.weights(), j * k, w, j * (k + 1), k);
                w[j * (k + 1) + k] = layer.bias() == null ? 0f : layer.bias()[j];
            }
            w[n * (k + 1) + k] = 1f;
            backend.upload(w, aug[l]);
        }
    }

    /** Each sample's gate row {@code [relu mask, 1]}, then copied into the rows of all its outputs. */
    private void expandGates(Network.Activations acts, Tensor[] gateRows, Tensor[] gate) {
        for (int l = 0; l < gate.length; l++) {
            Tensor relu = acts.reluOutput(l);
            int n = relu.cols();
            float[] h = new float[relu.size()];
            backend.download(relu, h);
            float[] g = new float[samples * (n + 1)];
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    g[i * (n + 1) + j] = h[i * n + j] > 0f ? 1f : 0f;
                }
                g[i * (n + 1) + n] = 1f;
            }
            backend.upload(g, gateRows[l]);
            for (int o = 0; o < outputs; o++) {
                backend.copyRows(gateRows[l], 0, gate[l], o * samples, samples);
            }
        }
    }

    /** H̄ of hidden layer l for (student, teacher): {@code (Ks+1) × (Kt+1)}, row-major, bias last. */
    float[] hStudentTeacher(int l) {
        return hStHost[l];
    }

    /** H̄ of hidden layer l for (student, student): {@code (Ks+1) × (Ks+1)}. */
    float[] hStudentStudent(int l) {
        return hSsHost[l];
    }

    float[] betaStudentTeacher(int l) {
        return betaStHost[l];
    }

    float[] betaStudentStudent(int l) {
        return betaSsHost[l];
    }

    /** Summaries of what {@link #compute} last computed. */
    RelationStats summary() {
        List<MatrixSummary> hst = new ArrayList<>(), hss = new ArrayList<>(), bst = new ArrayList<>(), bss = new ArrayList<>();
        for (int l = 0; l < hSt.length; l++) {
            int ns = student.width(l), nt = teacher.width(l);
            hst.add(MatrixSummary.of(hStHost[l], ns, nt, false));
            hss.add(MatrixSummary.of(hSsHost[l], ns, ns, true));
            bst.add(MatrixSummary.of(betaStHost[l], ns, nt, false));
            bss.add(MatrixSummary.of(betaSsHost[l], ns, ns, true));
        }
        return new RelationStats(hst, hss, bst, bss);
    }

    @Override
    public void close() {
        identity.close();
        for (Tensor[] group : new Tensor[][] {studentStack, teacherStack, studentGate, teacherGate, studentGateRows,
                teacherGateRows, studentAug, teacherAug, hSt, hSs, betaSt, betaSs}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
