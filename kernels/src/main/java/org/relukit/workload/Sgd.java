package org.relukit.workload;

import java.util.ArrayList;
import java.util.List;
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

    /** The velocities, weights and biases of each layer in turn; empty for plain SGD. */
    List<float[]> downloadVelocities() {
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < velocityW.length && !isPlain(); l++) {
            for (Tensor v : new Tensor[] {velocityW[l], velocityB[l]}) {
                if (v != null) {
                    float[] host = new float[v.size()];
                    backend.download(v, host);
                    out.add(host);
                }
            }
        }
        return out;
    }

    void uploadVelocities(List<float[]> velocities) {
        int i = 0;
        for (int l = 0; l < velocityW.length && !isPlain(); l++) {
            for (Tensor v : new Tensor[] {velocityW[l], velocityB[l]}) {
                if (v != null) {
                    if (i >= velocities.size() || velocities.get(i).length != v.size()) {
                        throw new IllegalArgumentException("the checkpoint's velocities do not fit this student and optimiser");
                    }
                    backend.upload(velocities.get(i++), v);
                }
            }
        }
        if (i != velocities.size()) {
            throw new IllegalArgumentException("the checkpoint's velocities do not fit this student and optimiser");
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
