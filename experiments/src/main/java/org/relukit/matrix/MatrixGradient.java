package org.relukit.matrix;

import java.util.Arrays;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * The closed-form gradient of docs/math.md#matrix-experiment for a batch of a fixed size, every tensor planned once.
 * Student path S, teacher path T, N samples; for the input of every layer l
 * {@code L_l = S_lᵀ S_l / N} and {@code L*_l = S_lᵀ T_l / N}; from the top down, with
 * {@code H = H* = I} at the output,
 * {@code β_l = W_{l+1} H_{l+1} W_{l+1}ᵀ}, {@code H_l = β_l ⊙ (G_Sᵀ G_S / N)},
 * {@code β*_l = W_{l+1} H*_{l+1} W*_{l+1}ᵀ}, {@code H*_l = β*_l ⊙ (G_Sᵀ G_T / N)}, the bias row and
 * column of each H dropped; {@code ΔW_l = L*_l W*_l H*_lᵀ − L_l W_l H_lᵀ}.
 *
 * <p>Tensors follow {@link FoldedNetwork}'s layout: an H keeps its bias row and column, zeroed by a
 * mask, so every product is a whole-tensor product. Indices: {@code h[l]} and {@code beta[l]}
 * belong to hidden layer l's output nodes. The output's {@code H = H* = I} is not multiplied by:
 * {@code W I} with the bias column dropped is W with its ones-carrying column masked to zero. The
 * teacher is fixed for the life of a plan: its output term is computed once.
 *
 * <p>The batched form averages L and H separately ({@code E[L]·E[H]}, not {@code E[L·H]}): it is
 * the mean of the per-sample ΔW ({@link PerSampleGradient}) at the output, for one sample, and
 * wherever every sample opens the same gates, but not in general.
 */
final class MatrixGradient implements AutoCloseable {
    private final Backend backend;
    private final FoldedNetwork student;
    private final FoldedNetwork teacher;
    private final int batch;
    private final int layers;
    private final int top;
    private final Tensor[] studentPre, studentGate, studentOut;
    private final Tensor[] teacherPre, teacherGate, teacherOut;
    private final Tensor[] l, lStar;
    /** Hidden layers only (index < top). */
    private final Tensor[] h, hStar, beta, betaStar, mask, maskStar, wh, whStar;
    /** {@code W_l H_lᵀ} and {@code W*_l H*_lᵀ} of every layer. */
    private final Tensor[] studentTerm, teacherTerm;
    /** Ones but in the last column: {@code W ⊙ mask = W Iᵀ} at the output. */
    private final Tensor studentTopMask;
    private final Tensor lossGrad;
    private Tensor input;

    MatrixGradient(Backend backend, FoldedNetwork student, FoldedNetwork teacher, int batch) {
        if (student.layerCount() != teacher.layerCount()) {
            throw new IllegalArgumentException("student and teacher must have as many layers");
        }
        this.backend = backend;
        this.student = student;
        this.teacher = teacher;
        this.batch = batch;
        this.layers = student.layerCount();
        this.top = layers - 1;
        if (student.width(layers) != teacher.width(layers)) {
            throw new IllegalArgumentException("student and teacher must have the same output width");
        }
        studentPre = student.allocateOutputs(batch);
        studentGate = student.allocateOutputs(batch);
        studentOut = student.allocateOutputs(batch);
        teacherPre = teacher.allocateOutputs(batch);
        teacherGate = teacher.allocateOutputs(batch);
        teacherOut = teacher.allocateOutputs(batch);
        l = new Tensor[layers];
        lStar = new Tensor[layers];
        studentTerm = new Tensor[layers];
        teacherTerm = new Tensor[layers];
        h = new Tensor[top];
        hStar = new Tensor[top];
        beta = new Tensor[top];
        betaStar = new Tensor[top];
        mask = new Tensor[top];
        maskStar = new Tensor[top];
        wh = new Tensor[top];
        whStar = new Tensor[top];
        for (int k = 0; k < layers; k++) {
            int s = student.width(k) + 1, t = teacher.width(k) + 1;
            int sOut = student.width(k + 1) + 1, tOut = teacher.width(k + 1) + 1;
            l[k] = backend.allocate(s, s);
            lStar[k] = backend.allocate(s, t);
            studentTerm[k] = backend.allocate(s, sOut);
            teacherTerm[k] = backend.allocate(t, sOut);
            if (k < top) {
                h[k] = backend.allocate(sOut, sOut);
                hStar[k] = backend.allocate(sOut, tOut);
                beta[k] = backend.allocate(sOut, sOut);
                betaStar[k] = backend.allocate(sOut, tOut);
                mask[k] = constant(dropLast(sOut, sOut, true));
                maskStar[k] = constant(dropLast(sOut, tOut, true));
                wh[k] = backend.allocate(sOut, student.width(k + 2) + 1);
                whStar[k] = k + 1 < top ? backend.allocate(sOut, teacher.width(k + 2) + 1) : wh[k];
            }
        }
        int out = student.width(layers) + 1;
        studentTopMask = constant(dropLast(student.width(top) + 1, out, false));
        // The teacher is fixed: its output term W*·Iᵀ is computed once.
        try (Tensor teacherTopMask = constant(dropLast(teacher.width(top) + 1, out, false))) {
            backend.hadamard(teacher.weights(top), teacherTopMask, teacherTerm[top]);
        }
        lossGrad = backend.allocate(batch, out);
    }

    private Tensor constant(float[][] rows) {
        Tensor t = backend.allocate(rows.length, rows[0].length);
        float[] flat = new float[t.size()];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * t.cols(), t.cols());
        }
        backend.upload(flat, t);
        return t;
    }

    /** Ones everywhere but the last column, and with {@code lastRow} the last row too. */
    private static float[][] dropLast(int rows, int cols, boolean lastRow) {
        float[][] m = new float[rows][cols];
        for (int i = 0; i < (lastRow ? rows - 1 : rows); i++) {
            Arrays.fill(m[i], 0, cols - 1, 1f);
        }
        return m;
    }

    /** Forward of both networks' hidden layers on {@code x[batch × (ks[0] + 1)]} (ones last). */
    void forward(Tensor x) {
        input = x;
        student.forward(x, top, studentPre, studentGate, studentOut);
        teacher.forward(x, top, teacherPre, teacherGate, teacherOut);
    }

    /**
     * The batch loss of the seed, {@code ||pred − pred*|| / N}, with the seed's ReLU on the output;
     * runs the output layers on the batch {@link #forward} saw.
     */
    float loss() {
        Tensor studentIn = top == 0 ? input : studentOut[top - 1];
        Tensor teacherIn = top == 0 ? input : teacherOut[top - 1];
        backend.matmul(studentIn, false, student.weights(top), false, studentPre[top], 1f, 0f);
        backend.gate(studentPre[top], studentGate[top]);
        backend.hadamard(studentGate[top], studentPre[top], studentOut[top]);
        backend.matmul(teacherIn, false, teacher.weights(top), false, teacherPre[top], 1f, 0f);
        backend.gate(teacherPre[top], teacherGate[top]);
        backend.hadamard(teacherGate[top], teacherPre[top], teacherOut[top]);
        double mean = backend.mseLoss(studentOut[top], teacherOut[top], lossGrad);
        return (float) (Math.sqrt(mean * lossGrad.size()) / batch);
    }

    /** L, L*, then H, β, H*, β* from the top down, on the batch {@link #forward} saw. */
    void computeTerms() {
        float perSample = 1f / batch;
        for (int k = 0; k < layers; k++) {
            Tensor s = k == 0 ? input : studentOut[k - 1];
            Tensor t = k == 0 ? input : teacherOut[k - 1];
            backend.matmul(s, true, s, false, l[k], perSample, 0f);
            backend.matmul(s, true, t, false, lStar[k], perSample, 0f);
        }
        for (int k = top - 1; k >= 0; k--) {
            Tensor w = student.weights(k + 1);
            if (k + 1 == top) {
                backend.hadamard(w, studentTopMask, wh[k]);
            } else {
                backend.matmul(w, false, h[k + 1], false, wh[k], 1f, 0f);
                backend.matmul(w, false, hStar[k + 1], false, whStar[k], 1f, 0f);
            }
            backend.matmul(wh[k], false, w, true, beta[k], 1f, 0f);
            backend.matmul(studentGate[k], true, studentGate[k], false, h[k], perSample, 0f);
            backend.hadamard(h[k], beta[k], h[k]);
            backend.hadamard(h[k], mask[k], h[k]);

            backend.matmul(whStar[k], false, teacher.weights(k + 1), true, betaStar[k], 1f, 0f);
            backend.matmul(studentGate[k], true, teacherGate[k], false, hStar[k], perSample, 0f);
            backend.hadamard(hStar[k], betaStar[k], hStar[k]);
            backend.hadamard(hStar[k], maskStar[k], hStar[k]);
        }
    }

    /**
     * {@code targets[l] = scale · ΔW_l + (overwrite ? 0 : targets[l])}, from the terms of
     * {@link #computeTerms}. A target may be the student's own weights (the fused update
     * {@code W += lr ΔW}): each layer's {@code W_l H_lᵀ} is taken before that layer is written,
     * and no other layer's ΔW reads it.
     */
    void accumulate(Tensor[] targets, float scale, boolean overwrite) {
        for (int k = 0; k < layers; k++) {
            if (k == top) {
                backend.hadamard(student.weights(k), studentTopMask, studentTerm[k]);
            } else {
                backend.matmul(student.weights(k), false, h[k], true, studentTerm[k], 1f, 0f);
                backend.matmul(teacher.weights(k), false, hStar[k], true, teacherTerm[k], 1f, 0f);
            }
            backend.matmul(lStar[k], false, teacherTerm[k], false, targets[k], scale, overwrite ? 0f : 1f);
            backend.matmul(l[k], false, studentTerm[k], false, targets[k], -scale, 1f);
        }
    }

    Tensor l(int k) {
        return l[k];
    }

    Tensor lStar(int k) {
        return lStar[k];
    }

    /** H of hidden layer k's output nodes (k < layers - 1), bias row and column zero. */
    Tensor h(int k) {
        return h[k];
    }

    Tensor hStar(int k) {
        return hStar[k];
    }

    /** β of hidden layer k (k < layers - 1), bias row and column kept. */
    Tensor beta(int k) {
        return beta[k];
    }

    Tensor betaStar(int k) {
        return betaStar[k];
    }

    @Override
    public void close() {
        for (Tensor[] group : new Tensor[][] {studentPre, studentGate, studentOut, teacherPre, teacherGate, teacherOut,
                l, lStar, h, hStar, beta, betaStar, mask, maskStar, wh, studentTerm, teacherTerm}) {
            for (Tensor t : group) {
                t.close();
            }
        }
        for (int k = 0; k + 1 < top; k++) {
            whStar[k].close();
        }
        studentTopMask.close();
        lossGrad.close();
    }
}
