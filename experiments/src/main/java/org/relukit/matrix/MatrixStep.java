package org.relukit.matrix;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * One training iteration of docs/math.md#the-gradient on a batch of a fixed size:
 * {@code W_l += lr · ΔW_l} for every layer, then every column of every W_l scaled to unit norm.
 * Batched, the update is fused into the products that make ΔW. With {@code accurate}
 * ({@code --use_accurate_grad}) ΔW is the sum of the per-sample ones, as the original adds them
 * (the same as the batched form at the default batch size of 1), or their mean with
 * {@code accurateMean} ({@code --accurate_grad_mean}), the batched step's scale.
 */
final class MatrixStep implements AutoCloseable {
    private final Backend backend;
    private final MatrixGradient batched;
    private final PerSampleGradient perSample;
    private final Tensor[] weights, grads, velocity;
    private final float lr;
    private final boolean accurateMean;

    MatrixStep(Backend backend, FoldedNetwork student, FoldedNetwork teacher, int batch, float lr, boolean accurate,
               boolean accurateMean) {
        this.backend = backend;
        this.lr = lr;
        this.accurateMean = accurateMean;
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

    /**
     * Trains on {@code x}; when asked, returns the original's loss before the update (batched:
     * {@code ||pred − pred*|| / N}; per sample: the sum of each sample's {@code ||pred − pred*||}),
     * else NaN.
     */
    float run(Tensor x, boolean withLoss) {
        float loss = Float.NaN;
        if (perSample == null) {
            batched.forward(x);
            if (withLoss) {
                loss = batched.loss();
            }
            batched.computeTerms();
            batched.accumulate(weights, lr, false);
        } else {
            // The loss gradient −ΔW, so that plain SGD's W −= lr·g is W += lr·ΔW.
            loss = perSample.accumulate(x, grads, accurateMean ? -1f / x.rows() : -1f, withLoss);
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
