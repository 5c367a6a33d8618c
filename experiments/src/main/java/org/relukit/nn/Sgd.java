package org.relukit.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * The student's optimiser. Plain SGD runs fused into the weight-gradient kernel; momentum or
 * weight decay need the gradient and a velocity per parameter, allocated here once. BatchNorm's
 * γ and β (with {@code --bn_affine}) are parameters like the others, as in PyTorch's
 * {@code optim.SGD(student.parameters())}: their gradients land in {@link #gammaGrad}/{@link #betaGrad}
 * and {@link #updateNorm} applies them (plain SGD uses the velocity as scratch for the gradient).
 */
public final class Sgd implements AutoCloseable {
    private final Backend backend;
    private final Network student;
    private final float momentum;
    private final float weightDecay;
    private final boolean normalize;
    private final Tensor[] gradW, gradB, velocityW, velocityB;
    /** Per hidden layer; null without affine BatchNorm. */
    private final Tensor[] gradGamma, gradBeta, velocityGamma, velocityBeta;

    public Sgd(Backend backend, Network student, double momentum, double weightDecay, boolean normalize) {
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
        int hidden = student.hiddenCount();
        gradGamma = new Tensor[hidden];
        gradBeta = new Tensor[hidden];
        velocityGamma = new Tensor[hidden];
        velocityBeta = new Tensor[hidden];
        for (int l = 0; l < hidden; l++) {
            if (student.bnGamma[l] != null) {
                int n = student.nodes(l);
                gradGamma[l] = backend.allocate(1, n);
                gradBeta[l] = backend.allocate(1, n);
                velocityGamma[l] = zeroed(1, n);
                velocityBeta[l] = zeroed(1, n);
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
            student.sgdFused(l, dz, input, lr);
            return;
        }
        student.weightGrad(l, dz, input, gradW[l], gradB[l]);
        backend.sgdUpdate(w, gradW[l], velocityW[l], lr, momentum, weightDecay);
        if (b != null) {
            backend.sgdUpdate(b, gradB[l], velocityB[l], lr, momentum, weightDecay);
        }
    }

    /**
     * Updates layer l from the gradients of a split step's two halves, each the mean over its half
     * ({@code gw0}, {@code gb0} from the first): the batch's gradient is their average. The
     * halves' tensors are overwritten; plain SGD uses the second half's, once averaged in, as the
     * velocity scratch that {@link Backend#sgdUpdate} writes. The kernels run {@code on} a half's
     * backend, so the two halves' threads can move different layers at once.
     */
    void updateFromHalves(Backend on, int l, Tensor gw0, Tensor gw1, Tensor gb0, Tensor gb1, float lr) {
        on.average(gw0, gw1, gw0);
        on.sgdUpdate(student.weights[l], gw0, isPlain() ? gw1 : velocityW[l], lr, momentum, weightDecay);
        Tensor b = student.biases[l];
        if (b != null) {
            on.average(gb0, gb1, gb0);
            on.sgdUpdate(b, gb0, isPlain() ? gb1 : velocityB[l], lr, momentum, weightDecay);
        }
    }

    /** dL/dγ of hidden layer l's BatchNorm, for the backward to write; null without affine BatchNorm. */
    Tensor gammaGrad(int l) {
        return gradGamma[l];
    }

    /** dL/dβ of hidden layer l's BatchNorm; null without affine BatchNorm. */
    Tensor betaGrad(int l) {
        return gradBeta[l];
    }

    /** Moves hidden layer l's γ and β by their gradients (nothing without affine BatchNorm). */
    void updateNorm(int l, float lr) {
        if (gradGamma[l] == null) {
            return;
        }
        backend.sgdUpdate(student.bnGamma[l], gradGamma[l], velocityGamma[l], lr, momentum, weightDecay);
        backend.sgdUpdate(student.bnBeta[l], gradBeta[l], velocityBeta[l], lr, momentum, weightDecay);
    }

    /** The momentum buffers that carry state; empty for plain SGD. */
    private List<Tensor> velocities() {
        List<Tensor> out = new ArrayList<>();
        if (isPlain()) {
            return out;
        }
        // Weights and bias of each layer in turn, then γ and β of each BatchNorm (the checkpoint's order).
        for (int l = 0; l < velocityW.length; l++) {
            out.add(velocityW[l]);
            out.add(velocityB[l]);
        }
        for (int l = 0; l < velocityGamma.length; l++) {
            out.add(velocityGamma[l]);
            out.add(velocityBeta[l]);
        }
        out.removeIf(Objects::isNull);
        return out;
    }

    /** The velocities of the weights and biases of each layer in turn, then of each BatchNorm's γ and β; empty for plain SGD. */
    public List<float[]> downloadVelocities() {
        List<float[]> out = new ArrayList<>();
        for (Tensor v : velocities()) {
            float[] host = new float[v.size()];
            backend.download(v, host);
            out.add(host);
        }
        return out;
    }

    public void uploadVelocities(List<float[]> velocities) {
        List<Tensor> mine = velocities();
        if (mine.size() != velocities.size()) {
            throw new IllegalArgumentException("the checkpoint's velocities do not fit this student and optimiser");
        }
        for (int i = 0; i < mine.size(); i++) {
            if (velocities.get(i).length != mine.get(i).size()) {
                throw new IllegalArgumentException("the checkpoint's velocities do not fit this student and optimiser");
            }
            backend.upload(velocities.get(i), mine.get(i));
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
        for (Tensor[] group : new Tensor[][] {gradW, gradB, velocityW, velocityB,
                gradGamma, gradBeta, velocityGamma, velocityBeta}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
