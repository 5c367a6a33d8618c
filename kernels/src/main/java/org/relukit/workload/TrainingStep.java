package org.relukit.workload;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * One SGD step of the student against the teacher, planned once for a batch size: every
 * activation and gradient tensor is allocated here, so a step only calls kernels.
 */
public final class TrainingStep implements AutoCloseable {
    private final Backend backend;
    private final Network teacher;
    private final Network student;
    private final Sgd sgd;
    private final boolean crossEntropy;
    private final int batch;
    private final Tensor x;
    private final Tensor[] teacherHidden, studentHidden;
    private final Tensor teacherOut, studentOut;
    /** gradHidden[l] = dL/dz of hidden layer l (pre-activation), gradOut = dL/dy. */
    private final Tensor[] gradHidden;
    private final Tensor gradOut;

    TrainingStep(Backend backend, Network teacher, Network student, Sgd sgd, int batch, boolean crossEntropy) {
        this.backend = backend;
        this.teacher = teacher;
        this.student = student;
        this.sgd = sgd;
        this.batch = batch;
        this.crossEntropy = crossEntropy;
        this.x = backend.allocate(batch, student.widths()[0]);
        this.teacherHidden = teacher.allocateHidden(batch);
        this.studentHidden = student.allocateHidden(batch);
        int out = student.width(student.hiddenCount());
        this.teacherOut = backend.allocate(batch, out);
        this.studentOut = backend.allocate(batch, out);
        this.gradHidden = student.allocateHidden(batch);
        this.gradOut = backend.allocate(batch, out);
    }

    /**
     * A plain-SGD step for a teacher and student of the recon shapes, for benchmarks and tests.
     * The caller closes the step; the networks stay theirs.
     */
    public static TrainingStep plainSgd(Backend backend, Network teacher, Network student, int batch) {
        return new TrainingStep(backend, teacher, student,
                new Sgd(backend, student, 0, 0, false), batch, false);
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
        teacher.forward(x, teacherHidden, teacherOut);
        student.forward(x, studentHidden, studentOut);
        float loss = crossEntropy
                ? backend.crossEntropyLoss(studentOut, teacherOut, gradOut)
                : backend.mseLoss(studentOut, teacherOut, gradOut);
        for (int l = student.hiddenCount(); l >= 0; l--) {
            Tensor dz = l == student.hiddenCount() ? gradOut : gradHidden[l];
            Tensor input = l == 0 ? x : studentHidden[l - 1];
            // The gradient for the layer below uses this layer's weights before they move.
            if (l > 0) {
                backend.backwardInput(dz, student.weights[l], studentHidden[l - 1], gradHidden[l - 1]);
            }
            sgd.update(l, dz, input, lr);
        }
        sgd.afterStep();
        return loss;
    }

    @Override
    public void close() {
        x.close();
        teacherOut.close();
        studentOut.close();
        gradOut.close();
        for (Tensor[] group : new Tensor[][] {teacherHidden, studentHidden, gradHidden}) {
            for (Tensor t : group) {
                t.close();
            }
        }
    }
}
