package org.relukit.nn;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * One SGD step of the student against the teacher, planned once for a batch size: every
 * activation and gradient tensor is allocated here, so a step only calls kernels.
 *
 * <p>The student's BatchNorm runs in training mode (batch statistics); the teacher is fixed, so
 * its BatchNorm, if any, runs in eval mode.
 */
public final class TrainingStep implements AutoCloseable {
    private final Backend backend;
    private final Network teacher;
    private final Network student;
    private final Sgd sgd;
    /** Whether closing this step closes {@link #sgd}: a step from {@link #builder} made it. */
    private final boolean ownsSgd;
    private final boolean crossEntropy;
    private final int batch;
    private final Tensor x;
    private final Network.Activations teacherActs, studentActs;
    private final Tensor teacherOut, studentOut;
    /** gradHidden[l] = dL/dz of hidden layer l (its linear output), gradOut = dL/dy. */
    private final Tensor[] gradHidden;
    /** With BatchNorm, gradNormOut[l] = dL/d(BatchNorm output) of hidden layer l; null entries without. */
    private final Tensor[] gradNormOut;
    private final Tensor gradOut;

    /**
     * A step on an optimiser that stays the caller's: several steps may share it (a full batch and
     * a shorter last one, as {@code recon} does). {@link #builder} is the checked route for one step.
     */
    public TrainingStep(Backend backend, Network teacher, Network student, Sgd sgd, int batch, boolean crossEntropy) {
        this(backend, teacher, student, sgd, batch, crossEntropy, false);
    }

    TrainingStep(Backend backend, Network teacher, Network student, Sgd sgd, int batch, boolean crossEntropy,
                 boolean ownsSgd) {
        this.backend = backend;
        this.ownsSgd = ownsSgd;
        this.teacher = teacher;
        this.student = student;
        this.sgd = sgd;
        this.batch = batch;
        this.crossEntropy = crossEntropy;
        this.x = backend.allocate(batch, student.widths()[0]);
        this.teacherActs = teacher.allocateActivations(batch);
        this.studentActs = student.allocateActivations(batch);
        int out = student.width(student.hiddenCount());
        this.teacherOut = backend.allocate(batch, out);
        this.studentOut = backend.allocate(batch, out);
        this.gradHidden = new Tensor[student.hiddenCount()];
        this.gradNormOut = new Tensor[student.hiddenCount()];
        for (int l = 0; l < gradHidden.length; l++) {
            gradHidden[l] = backend.allocate(batch, student.width(l));
            if (student.batchNorm()) {
                gradNormOut[l] = backend.allocate(batch, student.width(l));
            }
        }
        this.gradOut = backend.allocate(batch, out);
    }

    /**
     * A builder of a step with momentum, weight decay, cross-entropy or {@code --normalize}; see
     * {@link TrainingStepBuilder}.
     *
     * @throws IllegalArgumentException if teacher and student differ in input or output width
     */
    public static TrainingStepBuilder builder(Backend backend, Network teacher, Network student) {
        return new TrainingStepBuilder(backend, teacher, student);
    }

    /**
     * A plain-SGD step with the MSE loss, for benchmarks and tests. The caller closes the step; the
     * networks stay theirs.
     */
    public static TrainingStep plainSgd(Backend backend, Network teacher, Network student, int batch) {
        return builder(backend, teacher, student).batch(batch).build();
    }

    public int batch() {
        return batch;
    }

    /** The batch input; fill it with {@link Backend#upload} or let {@link #run(Tensor, int, float)} copy it. */
    public Tensor input() {
        return x;
    }

    /** Copies rows {@code [row, row + batch)} of {@code data} into the batch, then steps. */
    public float run(Tensor data, int row, float lr) {
        backend.copyRows(data, row, x, 0, batch);
        return run(lr);
    }

    /** Teacher forward, student forward, loss, backward and update; returns the batch loss. */
    public float run(float lr) {
        teacher.forward(x, teacherActs, teacherOut, false);
        student.forward(x, studentActs, studentOut, true);
        float loss = crossEntropy
                ? backend.crossEntropyLoss(studentOut, teacherOut, gradOut)
                : backend.mseLoss(studentOut, teacherOut, gradOut);
        for (int l = student.hiddenCount(); l >= 0; l--) {
            Tensor dz = l == student.hiddenCount() ? gradOut : gradHidden[l];
            Tensor input = l == 0 ? x : studentActs.hidden[l - 1];
            // The gradient for the layer below uses this layer's weights (and γ) before they move.
            if (l > 0) {
                backwardBelow(l - 1, dz, lr);
            }
            sgd.update(l, dz, input, lr);
        }
        sgd.afterStep();
        return loss;
    }

    /**
     * dL/dz of hidden layer l from dz of the layer above. Without BatchNorm, {@code (dz W) ⊙ (h > 0)}
     * (for a conv layer above, the transposed convolution of dz, gated alike).
     * With BatchNorm after the ReLU, {@code h = BN(a)}, {@code a = relu(z)}: the ungated product
     * goes back through the BatchNorm and is then gated by {@code a > 0}. With BatchNorm before the
     * ReLU, {@code h = relu(BN(z))}: the product is gated by {@code h > 0}, then goes back through
     * the BatchNorm. γ and β move once their gradients are taken.
     */
    private void backwardBelow(int l, Tensor dzAbove, float lr) {
        Tensor h = studentActs.hidden[l];
        if (!student.batchNorm()) {
            student.backwardInput(l + 1, dzAbove, h, gradHidden[l]);
            return;
        }
        Tensor a = studentActs.preNorm[l];
        boolean beforeRelu = student.bnBeforeRelu();
        student.backwardInput(l + 1, dzAbove, beforeRelu ? h : null, gradNormOut[l]);
        student.normBackward(l, gradNormOut[l], studentActs, beforeRelu ? null : a, gradHidden[l],
                sgd.gammaGrad(l), sgd.betaGrad(l));
        sgd.updateNorm(l, lr);
    }

    @Override
    public void close() {
        x.close();
        teacherOut.close();
        studentOut.close();
        gradOut.close();
        teacherActs.close();
        studentActs.close();
        for (Tensor[] group : new Tensor[][] {gradHidden, gradNormOut}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
        if (ownsSgd) {
            sgd.close();
        }
    }
}
