package org.relukit.workload;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * The student's optimiser. Plain SGD runs fused into the weight-gradient kernel; momentum or
 * weight decay need the gradient and a velocity per parameter, allocated here once.
 */
final class Sgd implements AutoCloseable {
    private final Backend backend;
    private final Network student;
    private final float momentum;
    private final float weightDecay;
    private final boolean normalize;
    private final Tensor[] gradW, gradB, velocityW, velocityB;

    Sgd(Backend backend, Network student, double momentum, double weightDecay, boolean normalize) {
        this.backend = backend;
        this.student = student;
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
        this.normalize = normalize;
        int layers = student.layerCount();
        gradW = new Tensor[layers];
        gradB = new Tensor[layers];
        velocityW = new Tensor[layers];
        velocityB = new Tensor[layers];
        if (!isPlain()) {
            for (int l = 0; l < layers; l++) {
                Tensor w = student.weights[l];
                gradW[l] = backend.allocate(w.rows(), w.cols());
                velocityW[l] = zeroed(w.rows(), w.cols());
                if (student.biases[l] != null) {
                    gradB[l] = backend.allocate(1, w.rows());
                    velocityB[l] = zeroed(1, w.rows());
                }
            }
        }
    }

    private Tensor zeroed(int rows, int cols) {
        Tensor t = backend.allocate(rows, cols);
        backend.upload(new float[rows * cols], t);
        return t;
    }

    private boolean isPlain() {
        return momentum == 0f && weightDecay == 0f;
    }

    /** Updates layer l from its output gradient {@code dz} and its input. */
    void update(int l, Tensor dz, Tensor input, float lr) {
        Tensor w = student.weights[l], b = student.biases[l];
        if (isPlain()) {
            backend.sgdFused(dz, input, w, b, lr);
            return;
        }
        backend.weightGrad(dz, input, gradW[l], gradB[l]);
        backend.sgdUpdate(w, gradW[l], velocityW[l], lr, momentum, weightDecay);
        if (b != null) {
            backend.sgdUpdate(b, gradB[l], velocityB[l], lr, momentum, weightDecay);
        }
    }

    /** --normalize: every student row back to unit norm after the step. */
    void afterStep() {
        if (normalize) {
            for (int l = 0; l < student.layerCount(); l++) {
                backend.normalizeRows(student.weights[l], student.biases[l]);
            }
        }
    }

    @Override
    public void close() {
        for (Tensor[] group : new Tensor[][] {gradW, gradB, velocityW, velocityB}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
