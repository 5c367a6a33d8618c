package org.relukit.backend;

/**
 * The kernel set of the teacher-student workload over backend-owned tensors.
 *
 * <p>Shapes follow the paper's notation: a batch is {@code x[B × K]}, a layer's weights are
 * {@code w[N × K]} (row n = fan-in of node n) and its bias {@code b[1 × N]}. Every kernel
 * writes only its output tensors and never allocates; the caller allocates once (a training
 * step is planned once) so that a device backend keeps a whole step on the device.
 *
 * <p>A bias argument may be {@code null} when the network has no biases ({@code --no_bias}).
 *
 * <p><b>Shapes are checked once, outside the backend.</b> {@link Backends#open} wraps every
 * backend in a layer that checks each call's shapes and throws {@link IllegalArgumentException}
 * on a mismatch before the backend sees it, so an implementation assumes its arguments fit and
 * every backend, a user's included, rejects the same mistakes with the same message.
 *
 * <p><b>Threads.</b> An instance is used by one thread at a time: its kernels share per-instance
 * state (the SIMD backend's transpose and statistics buffers, an OpenCL command queue and the
 * kernel objects whose arguments each call sets), so two threads calling one instance at once
 * corrupt each other's results. Handing an instance from one thread to another is safe when the
 * hand-off itself is synchronised. For parallel work open one backend per thread; a tensor
 * belongs to the backend that allocated it and is never passed to another. A backend may run
 * threads of its own inside a call (the SIMD backend with {@code threads > 1} splits a large
 * product across helper threads); such a call returns only when they are done with it, and the
 * helpers are stopped by {@link #close}. The one exception to one thread per instance: the two
 * {@link #half halves} of a split step may run at once, inside {@link #runHalves}.
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
     * highest ({@code --cross_entropy}; on a tie the first such class), and its gradient
     * {@code dLogits = (softmax(logits) − onehot) / B}. Returns the mean loss over the rows (0 when
     * B = 0). C must be at least 1 when B > 0.
     */
    float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits);

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

    /**
     * Element-wise mean {@code c = (a + b) / 2} ({@code c} may be {@code a} or {@code b}): the
     * gradient of a batch from the mean gradients of its two halves (see {@link #splitsBatch}).
     */
    void average(Tensor a, Tensor b, Tensor c);

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
     */
    void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                        float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd);

    /**
     * BatchNorm1d in eval mode: {@code y = γ (x − runningMean) / sqrt(runningVar + eps) + β}, then
     * ReLU when {@code relu}; {@code gamma}, {@code beta} may be null.
     */
    void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                       float eps, boolean relu, Tensor y);

    /**
     * Backward of {@link #batchNormTrain} from its {@code batchMean}/{@code batchInvStd}: with
     * {@code x̂ = (x − mean)·invStd}, {@code dBeta = Σ_rows dy}, {@code dGamma = Σ_rows dy ⊙ x̂} and
     * {@code dx = γ·invStd·(dy − mean_rows(dy) − x̂ ⊙ mean_rows(dy ⊙ x̂))}, then
     * {@code dx ⊙ (gate > 0)} when {@code gate} is given (the ReLU below a BatchNorm that follows it).
     * {@code gamma} (γ = 1), {@code gate}, {@code dGamma} and {@code dBeta} may be null.
     */
    void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                           Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta);

    /*
     * Convolutional layers (--use_cnn). A batch of images is a tensor x[B × C·H·W]: each row one
     * sample, channel-major as PyTorch's NCHW, so flattening for a linear layer is free. Every
     * convolution is 3 × 3, stride 1, no padding, as the seed's conv nets: an H × W map becomes
     * (H − 2) × (W − 2). Its weights are w[N × C·9], row n = filter n as PyTorch's (N, C, 3, 3)
     * flattened; its bias b[1 × N] (may be null). The channel count C is w.cols() / 9.
     */

    /**
     * Fused conv layer: {@code y[b, n, i, j] = Σ_{c,u,v} x[b, c, i+u, j+v] w[n, c, u, v] + b[n]},
     * then ReLU when {@code relu}. {@code x} is {@code B × C·height·width}, {@code y} is
     * {@code B × N·(height−2)·(width−2)}.
     */
    void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y);

    /**
     * Gradient through a conv layer to its input: {@code dx[b, c, p, q] = Σ_{n,u,v} dy[b, n, p−u, q−v] w[n, c, u, v]}
     * over the output positions that exist, then {@code dx ⊙ (gate > 0)} when {@code gate} (shaped
     * like {@code dx}) is given. {@code height} and {@code width} are the input's, as for {@link #conv3x3}.
     */
    void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx);

    /**
     * Gradients of a conv layer's parameters, summed over the batch and every output position:
     * {@code dw[n, c, u, v] = Σ_{b,i,j} dy[b, n, i, j] x[b, c, i+u, j+v]} and
     * {@code db[n] = Σ_{b,i,j} dy[b, n, i, j]} ({@code db} may be null).
     */
    void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db);

    /** Plain SGD fused into the conv gradient: {@code w −= lr·dw}, {@code b −= lr·db}, as {@link #conv3x3WeightGrad}. */
    void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr);

    /**
     * BatchNorm2d in training mode: as {@link #batchNormTrain}, with the statistics of each of the
     * {@code channels} channels of {@code x[B × C·S]} taken over the batch and the S = cols / C
     * positions of its map (n = B·S values; unbiased running variance {@code var·n/(n − 1)}).
     * Parameters and statistics have C entries.
     */
    void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                          float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd);

    /** BatchNorm2d in eval mode: {@link #batchNormEval} per channel of {@code x[B × C·S]}. */
    void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                         float eps, boolean relu, Tensor y);

    /**
     * Backward of {@link #batchNorm2dTrain}: {@link #batchNormBackward} with every sum and mean taken
     * per channel over the batch and the positions of its map.
     */
    void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                             Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta);

    /**
     * One row per (sample, position) and one column per channel, for per-channel statistics:
     * {@code y[b·S + s, c] = x[b, c·S + s]}, {@code x} being {@code B × C·S} and {@code y} {@code B·S × C}.
     */
    void channelsToRows(Tensor x, int channels, Tensor y);

    /*
     * A training step in two halves. A step over a large batch may run as two independent
     * half-batch passes (forward, loss, backward to each layer's gradient) whose gradients are then
     * averaged, so that two threads can each take one half with one hand-off per step instead of
     * one per product. The split is a property of the batch size alone, never of the thread count,
     * so a run's bits do not depend on --threads.
     */

    /**
     * Whether a training step over {@code batch} rows should run as two halves of {@code batch / 2}
     * rows through {@link #runHalves}. A backend that says yes does so at every thread count. The
     * default is no: one pass over the whole batch.
     */
    default boolean splitsBatch(int batch) {
        return false;
    }

    /**
     * The backend to call for half {@code half} (0 or 1) of a split step, inside {@link #runHalves}.
     * It shares this backend's tensors, and the two may run at once on different threads as long
     * as they write different tensors. The default is this backend itself.
     */
    default Backend half(int half) {
        return this;
    }

    /**
     * Runs {@code first} (which calls {@code half(0)}) and {@code second} (which calls
     * {@code half(1)}) and returns when both are done; a backend with two threads runs them at
     * once, and rethrows an exception from either after both have ended. The default runs them
     * one after the other on the calling thread.
     */
    default void runHalves(Runnable first, Runnable second) {
        first.run();
        second.run();
    }

    /**
     * Waits until every kernel and copy issued so far has completed. A device backend queues its
     * work and returns at once, so a caller that times a step, or hands its results to code that
     * does not go through this backend, calls it first; {@link #download} waits by itself. The
     * CPU backends compute during the call, so for them it does nothing.
     */
    void finish();

    /** Releases everything the backend holds (thread pools, device contexts). */
    @Override
    void close();
}
