package org.relukit.matrix;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * One training iteration of SPEC §2 on a batch of a fixed size: {@code W_l += lr · ΔW_l} for every
 * layer, then every column of every W_l scaled to unit norm. Batched, the update is fused into the
 * products that make ΔW; with {@code accurate} ({@code --use_accurate_grad}) ΔW is the mean of the
 * per-sample ones (the seed summed them, the same at its default batch size of 1).
 */
final class MatrixStep implements AutoCloseable {
    private final Backend backend;
    private final MatrixGradient batched;
    private final PerSampleGradient perSample;
    private final Tensor[] weights, grads, velocity;
    private final float lr;

    MatrixStep(Backend backend, FoldedNetwork student, FoldedNetwork teacher, int batch, float lr, boolean accurate) {
        this.backend = backend;
        this.lr = lr;
        this.batched = new MatrixGradient(backend, student, teacher, batch);
        this.perSample = accurate ? new PerSampleGradient(backend, student, teacher) : null;
        int layers = student.layerCount();
        weights = new Tensor[layers];
        grads = new Tensor[accurate ? layers : 0];
        velocity = new Tensor[accurate ? layers : 0];
        for (int k = 0; k < layers; k++) {
            weights[k] = student.weights(k);
            if (accurate) {
                grads[k] = backend.allocate(weights[k].rows(), weights[k].cols());
                velocity[k] = backend.allocate(weights[k].rows(), weights[k].cols());
            }
        }
    }

    /** Trains on {@code x}; returns the seed's batch loss before the update when asked, else NaN. */
    float run(Tensor x, boolean withLoss) {
        float loss = Float.NaN;
        if (perSample == null || withLoss) {
            batched.forward(x);
            if (withLoss) {
                loss = batched.loss();
            }
        }
        if (perSample == null) {
            batched.computeTerms();
            batched.accumulate(weights, lr, false);
        } else {
            // The loss gradient −ΔW, so that plain SGD's W −= lr·g is W += lr·ΔW.
            perSample.accumulate(x, grads, -1f / x.rows());
            for (int k = 0; k < weights.length; k++) {
                backend.sgdUpdate(weights[k], grads[k], velocity[k], lr, 0f, 0f);
            }
        }
        for (Tensor w : weights) {
            backend.normalizeColumns(w);
        }
        return loss;
    }

    @Override
    public void close() {
        batched.close();
        if (perSample != null) {
            perSample.close();
        }
        for (Tensor t : grads) {
            t.close();
        }
        for (Tensor t : velocity) {
            t.close();
        }
    }
}
