package org.relukit.nn;

import java.util.Arrays;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * One SGD step of the student against the teacher, planned once for a batch size: every
 * activation and gradient tensor is allocated here, so a step only calls kernels.
 *
 * <p>The student's BatchNorm runs in training mode (batch statistics); the teacher is fixed, so
 * its BatchNorm, if any, runs in eval mode.
 *
 * <p>When the backend {@linkplain Backend#splitsBatch splits the batch} and the student has no
 * BatchNorm (whose statistics need the whole batch), the step runs as two halves: each takes its
 * rows through the forward, the loss and the backward to every layer's mean gradient over them,
 * on its own {@link Backend#half}, and the layers then move by the average of the two halves'
 * gradients (docs/math.md#a-step-in-two-halves), each layer moved whole by one of the halves'
 * threads. That is two hand-offs between threads per step.
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
    /** The two halves of a split step; null when the step is one pass over the whole batch. */
    private final Half[] halves;
    /** A split step's updates, each on its half's thread: the layers {@link #updatedBy} gives it. */
    private final Runnable[] updates;
    /** Per half, the layers it moves, their weights shared out evenly by size (so by the shapes alone). */
    private final int[][] updatedBy;
    /** The learning rate of the step under way, for {@link #updates}. */
    private float stepLr;
    /** The pass over the whole batch; null for a split step. */
    private final Pass whole;

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
        boolean split = backend.splitsBatch(batch) && !student.batchNorm();
        this.halves = split ? new Half[] {new Half(0), new Half(1)} : null;
        this.whole = split ? null : new Pass(x);
        this.updatedBy = split ? shareLayers(student) : null;
        this.updates = split ? new Runnable[] {() -> updateLayers(0), () -> updateLayers(1)} : null;
    }

    /**
     * The student's layers in two sets of about as many weights each, largest first to the lighter
     * set: a layer is updated whole by one thread, so the bits do not depend on the split.
     */
    private static int[][] shareLayers(Network student) {
        Integer[] order = new Integer[student.layerCount()];
        for (int l = 0; l < order.length; l++) {
            order[l] = l;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(student.weights[b].size(), student.weights[a].size()));
        long[] load = new long[2];
        int[][] sets = {new int[0], new int[0]};
        for (int l : order) {
            int h = load[0] <= load[1] ? 0 : 1;
            load[h] += student.weights[l].size();
            sets[h] = Arrays.copyOf(sets[h], sets[h].length + 1);
            sets[h][sets[h].length - 1] = l;
        }
        return sets;
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

    /** Whether this step runs in two halves (see the class comment). */
    boolean runsInHalves() {
        return halves != null;
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
        if (halves != null) {
            return runHalves(lr);
        }
        float loss = whole.forwardAndLoss(backend);
        for (int l = student.hiddenCount(); l >= 0; l--) {
            Tensor dz = whole.outputGrad(l);
            // The gradient for the layer below uses this layer's weights (and γ) before they move.
            if (l > 0) {
                backwardBelow(l - 1, dz, lr);
            }
            sgd.update(l, dz, whole.input(l), lr);
        }
        sgd.afterStep();
        return loss;
    }

    /** The step as two halves; the loss over the batch is the mean of the halves' mean losses. */
    private float runHalves(float lr) {
        backend.runHalves(halves[0], halves[1]);
        stepLr = lr;
        backend.runHalves(updates[0], updates[1]);
        sgd.afterStep();
        return (halves[0].loss + halves[1].loss) / 2;
    }

    /** Moves the layers of {@link #updatedBy}{@code [half]} on that half's backend. */
    private void updateLayers(int half) {
        for (int l : updatedBy[half]) {
            sgd.updateFromHalves(halves[half].on, l, halves[0].gradW[l], halves[1].gradW[l], halves[0].gradB[l],
                    halves[1].gradB[l], stepLr);
        }
    }

    /**
     * A pass over the rows of {@code x}: both networks' activations and outputs, and dL/dz of every
     * student layer (its linear output; with BatchNorm also dL/d(BatchNorm output)).
     */
    private final class Pass implements AutoCloseable {
        final Tensor x;
        final Network.Activations teacherActs, studentActs;
        final Tensor teacherOut, studentOut;
        /** gradHidden[l] = dL/dz of hidden layer l, gradOut = dL/dy. */
        final Tensor[] gradHidden;
        /** With BatchNorm, gradNormOut[l] = dL/d(BatchNorm output) of hidden layer l; null entries without. */
        final Tensor[] gradNormOut;
        final Tensor gradOut;

        /** The pass reads {@code x}, which stays its owner's. */
        Pass(Tensor x) {
            this.x = x;
            int rows = x.rows(), out = student.width(student.hiddenCount());
            teacherActs = teacher.allocateActivations(rows);
            studentActs = student.allocateActivations(rows);
            teacherOut = backend.allocate(rows, out);
            studentOut = backend.allocate(rows, out);
            gradOut = backend.allocate(rows, out);
            gradHidden = new Tensor[student.hiddenCount()];
            gradNormOut = new Tensor[student.hiddenCount()];
            for (int l = 0; l < gradHidden.length; l++) {
                gradHidden[l] = backend.allocate(rows, student.width(l));
                if (student.batchNorm()) {
                    gradNormOut[l] = backend.allocate(rows, student.width(l));
                }
            }
        }

        /** Teacher and student forward and the loss on {@code on}; returns the loss, the mean over the rows. */
        float forwardAndLoss(Backend on) {
            teacher.forward(on, x, teacherActs, teacherOut, false);
            student.forward(on, x, studentActs, studentOut, true);
            return crossEntropy
                    ? on.crossEntropyLoss(studentOut, teacherOut, gradOut)
                    : on.mseLoss(studentOut, teacherOut, gradOut);
        }

        /** dL/dz of student layer l. */
        Tensor outputGrad(int l) {
            return l == student.hiddenCount() ? gradOut : gradHidden[l];
        }

        /** Student layer l's input. */
        Tensor input(int l) {
            return l == 0 ? x : studentActs.hidden[l - 1];
        }

        @Override
        public void close() {
            closeAll(teacherOut, studentOut, gradOut);
            teacherActs.close();
            studentActs.close();
            closeAll(gradHidden);
            closeAll(gradNormOut);
        }
    }

    /**
     * One half of a split step: a pass over its rows of the batch, and every layer's weight and
     * bias gradients over them, computed on the backend's {@link Backend#half}. A student in a
     * split step has no BatchNorm, so a hidden layer's gate is its output, the next layer's input.
     */
    private final class Half implements Runnable, AutoCloseable {
        final Backend on;
        /** The half's first row in the batch. */
        final int firstRow;
        final Tensor x;
        final Pass pass;
        /** Per layer, the mean gradients over this half; gradB entries are null without biases. */
        final Tensor[] gradW, gradB;
        float loss;

        Half(int index) {
            int rows = batch / 2;
            on = backend.half(index);
            firstRow = index * rows;
            x = backend.allocate(rows, student.widths()[0]);
            pass = new Pass(x);
            gradW = new Tensor[student.layerCount()];
            gradB = new Tensor[student.layerCount()];
            for (int l = 0; l < gradW.length; l++) {
                Tensor w = student.weights[l];
                gradW[l] = backend.allocate(w.rows(), w.cols());
                if (student.biases[l] != null) {
                    gradB[l] = backend.allocate(1, w.rows());
                }
            }
        }

        /** Forward, loss and backward of this half's rows: the loss is their mean, the gradients too. */
        @Override
        public void run() {
            on.copyRows(TrainingStep.this.x, firstRow, x, 0, x.rows());
            loss = pass.forwardAndLoss(on);
            for (int l = student.hiddenCount(); l >= 0; l--) {
                Tensor dz = pass.outputGrad(l), input = pass.input(l);
                if (l > 0) {
                    student.backwardInput(on, l, dz, input, pass.gradHidden[l - 1]);
                }
                student.weightGrad(on, l, dz, input, gradW[l], gradB[l]);
            }
        }

        @Override
        public void close() {
            x.close();
            pass.close();
            closeAll(gradW);
            closeAll(gradB);
        }
    }

    private static void closeAll(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
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
        Tensor h = whole.studentActs.hidden[l];
        if (!student.batchNorm()) {
            student.backwardInput(l + 1, dzAbove, h, whole.gradHidden[l]);
            return;
        }
        Tensor a = whole.studentActs.preNorm[l];
        boolean beforeRelu = student.bnBeforeRelu();
        student.backwardInput(l + 1, dzAbove, beforeRelu ? h : null, whole.gradNormOut[l]);
        student.normBackward(l, whole.gradNormOut[l], whole.studentActs, beforeRelu ? null : a, whole.gradHidden[l],
                sgd.gammaGrad(l), sgd.betaGrad(l));
        sgd.updateNorm(l, lr);
    }

    @Override
    public void close() {
        x.close();
        if (halves != null) {
            halves[0].close();
            halves[1].close();
        } else {
            whole.close();
        }
        if (ownsSgd) {
            sgd.close();
        }
    }
}
