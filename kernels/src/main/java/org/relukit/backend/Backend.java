package org.relukit.backend;

import org.relukit.scalar.ScalarKernels;

/**
 * The kernel set of the teacher-student workload (SPEC §3) over backend-owned tensors.
 *
 * <p>Shapes follow the paper's notation: a batch is {@code x[B × K]}, a layer's weights are
 * {@code w[N × K]} (row n = fan-in of node n) and its bias {@code b[1 × N]}. Every kernel
 * writes only its output tensors and never allocates; the caller allocates once (a training
 * step is planned once) so that a device backend keeps a whole step on the device.
 *
 * <p>A bias argument may be {@code null} when the network has no biases ({@code --no_bias}).
 * Kernels check shapes and throw {@link IllegalArgumentException} on a mismatch.
 */
public interface Backend extends AutoCloseable {

    /** The name users pass to {@code --backend}. */
    String name();

    /** One line saying what was detected, e.g. {@code Vector API, 512-bit species, FMA}. */
    String description();

    Tensor allocate(int rows, int cols);

    /** Copies {@code dst.size()} floats, row-major, from {@code src} into {@code dst}. */
    void upload(float[] src, Tensor dst);

    /** Copies {@code src} row-major into the first {@code src.size()} floats of {@code dst}. */
    void download(Tensor src, float[] dst);

    /** {@code dst[dstRow + i, :] = src[srcRow + i, :]} for {@code i < count}; a batch out of a data set. */
    void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count);

    /** Fused hidden layer: {@code h = relu(x wᵀ + b)}. The gate {@code (z > 0)} is {@code (h > 0)}. */
    void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h);

    /** Linear output layer: {@code y = x wᵀ + b}. */
    void linear(Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * Mean squared error over all {@code B × N} entries, and its gradient
     * {@code dy = 2 (ys − yt) / (B·N)}. Returns the loss (NaN if the student diverged).
     */
    float mseLoss(Tensor ys, Tensor yt, Tensor dy);

    /**
     * Softmax cross-entropy of {@code logits[B × C]} against the class each teacher row ranks
     * highest ({@code --cross_entropy}); {@code dLogits = (softmax − onehot) / B}. Returns the mean
     * loss. This default goes through the host: it is an option of the seed, not the headline path.
     */
    default float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        Shapes.same(logits, teacherOutput, "crossEntropyLoss");
        Shapes.same(logits, dLogits, "crossEntropyLoss");
        int rows = logits.rows(), cols = logits.cols();
        float[] z = new float[logits.size()];
        float[] t = new float[logits.size()];
        download(logits, z);
        download(teacherOutput, t);
        double loss = 0;
        for (int i = 0; i < rows; i++) {
            int o = i * cols, target = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, z[o + j]);
                target = t[o + j] > t[o + target] ? j : target;
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(z[o + j] - max);
            }
            loss += Math.log(sum) + max - z[o + target];
            for (int j = 0; j < cols; j++) {
                z[o + j] = (float) ((Math.exp(z[o + j] - max) / sum - (j == target ? 1 : 0)) / rows);
            }
        }
        upload(z, dLogits);
        return rows == 0 ? 0f : (float) (loss / rows);
    }

    /**
     * Gradient through a layer to the pre-activation of the layer below:
     * {@code dx = (dz w) ⊙ (h > 0)}, where {@code h} is the post-ReLU input of this layer.
     * With {@code h == null} the product is not gated ({@code dx = dz w}).
     */
    void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx);

    /** {@code dw = dzᵀ x} and {@code db = Σ_rows dz} ({@code db} may be null). */
    void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db);

    /** Plain SGD fused into the gradient: {@code w −= lr dzᵀ x}, {@code b −= lr Σ_rows dz}. */
    void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr);

    /**
     * SGD with momentum and weight decay, as PyTorch does it:
     * {@code g = grad + weightDecay·p; v = momentum·v + g; p −= lr·v}.
     */
    void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay);

    /** Divides each row of {@code w} and its bias entry by (the row's L2 norm + 1e-5). */
    void normalizeRows(Tensor w, Tensor b);

    /**
     * Correlation of every column of {@code t[n × Kt]} with every column of {@code s[n × Ks]}
     * over the n samples: centre each column, {@code c = Tcᵀ Sc} scaled by
     * {@code rsqrt(Σ Tc² + 1e-10) · rsqrt(Σ Sc² + 1e-10)}. {@code c} is {@code Kt × Ks}.
     */
    void correlation(Tensor t, Tensor s, Tensor c);

    /** General product {@code c = alpha · op(a) · op(b) + beta · c}, op = transpose when asked. */
    void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta);

    /** Element-wise {@code c = a ⊙ b} ({@code c} may be {@code a} or {@code b}). */
    void hadamard(Tensor a, Tensor b, Tensor c);

    /** Element-wise gate {@code g = (z > 0) ? 1 : 0}. */
    void gate(Tensor z, Tensor g);

    /** Scales every column of {@code w} to unit L2 norm (columns of norm 0 are left as they are). */
    void normalizeColumns(Tensor w);

    /**
     * BatchNorm1d in training mode, as PyTorch's: per column j of {@code x[B × N]}, the batch mean
     * and biased variance, {@code y = γ (x − mean) / sqrt(var + eps) + β}, then ReLU when
     * {@code relu} (BatchNorm before the ReLU). {@code gamma}, {@code beta} ({@code 1 × N}) are
     * null without the affine parameters. Writes {@code batchMean} and
     * {@code batchInvStd = 1/sqrt(var + eps)} for {@link #batchNormBackward}, and moves the running
     * statistics: {@code running = (1 − momentum)·running + momentum·batch}, with the unbiased
     * variance {@code var·B/(B − 1)} (the biased one, 0, when B = 1; unchanged when B = 0).
     *
     * <p>This default goes through the host (it allocates); a backend overrides it with a kernel.
     */
    default void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        Shapes.batchNorm("batchNormTrain", x, y, null, gamma, beta, runningMean, runningVar, batchMean, batchInvStd);
        float[] rm = host(runningMean), rv = host(runningVar);
        float[] out = new float[y.size()], mean = new float[x.cols()], invStd = new float[x.cols()];
        ScalarKernels.batchNormTrain(host(x), host(gamma), host(beta), rm, rv, momentum, eps, relu, out, mean, invStd,
                x.rows(), x.cols());
        upload(out, y);
        upload(mean, batchMean);
        upload(invStd, batchInvStd);
        upload(rm, runningMean);
        upload(rv, runningVar);
    }

    /**
     * BatchNorm1d in eval mode: {@code y = γ (x − runningMean) / sqrt(runningVar + eps) + β}, then
     * ReLU when {@code relu}; {@code gamma}, {@code beta} may be null. This default goes through the host.
     */
    default void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float eps, boolean relu, Tensor y) {
        Shapes.batchNorm("batchNormEval", x, y, null, gamma, beta, runningMean, runningVar);
        float[] out = new float[y.size()];
        ScalarKernels.batchNormEval(host(x), host(gamma), host(beta), host(runningMean), host(runningVar), eps, relu,
                out, x.rows(), x.cols());
        upload(out, y);
    }

    /**
     * Backward of {@link #batchNormTrain} from its {@code batchMean}/{@code batchInvStd}: with
     * {@code x̂ = (x − mean)·invStd}, {@code dBeta = Σ_rows dy}, {@code dGamma = Σ_rows dy ⊙ x̂} and
     * {@code dx = γ·invStd·(dy − mean_rows(dy) − x̂ ⊙ mean_rows(dy ⊙ x̂))}, then
     * {@code dx ⊙ (gate > 0)} when {@code gate} is given (the ReLU below a BatchNorm that follows it).
     * {@code gamma} (γ = 1), {@code gate}, {@code dGamma} and {@code dBeta} may be null. This default
     * goes through the host.
     */
    default void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                   Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        Shapes.batchNorm("batchNormBackward", x, dy, gate, gamma, batchMean, batchInvStd, dGamma, dBeta);
        Shapes.same(x, dx, "batchNormBackward");
        float[] out = new float[dx.size()];
        float[] dg = dGamma == null ? null : new float[dGamma.size()], db = dBeta == null ? null : new float[dBeta.size()];
        ScalarKernels.batchNormBackward(host(dy), host(x), host(gamma), host(batchMean), host(batchInvStd), host(gate),
                out, dg, db, x.rows(), x.cols());
        upload(out, dx);
        if (dg != null) {
            upload(dg, dGamma);
        }
        if (db != null) {
            upload(db, dBeta);
        }
    }

    /** A copy of {@code t} on the host, or null for an absent tensor; for the defaults that go through the host. */
    private float[] host(Tensor t) {
        if (t == null) {
            return null;
        }
        float[] a = new float[t.size()];
        download(t, a);
        return a;
    }

    /** Releases everything the backend holds (thread pools, device contexts). */
    @Override
    void close();
}
