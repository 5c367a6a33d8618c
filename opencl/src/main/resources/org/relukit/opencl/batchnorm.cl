// BatchNorm1d (PyTorch's) over the columns of a row-major rows × cols batch, laid out as the
// reductions of columns.cl (whose column_total and column_moments it uses; it is built after that
// file): a work-group is COL_X columns by COL_Y work-items striding down the rows. Absent tensors (no γ, β, gate or
// parameter gradients) come with their flag 0 and a placeholder buffer that is never read.

// max(v, 0) that keeps a NaN, as Math.max does.
inline float relu_keep_nan(const float v)
{
    return v < 0.0f ? 0.0f : v;
}

// From the n values of feature j (a column, or a channel of BatchNorm2d), their mean m and Σ of
// squared deviations: returns 1/sqrt(var + eps) with the biased variance; the one work-item that
// is the writer keeps m and it for the backward and moves the running statistics by momentum, with
// the unbiased variance (the biased one, 0, for one value; untouched for none).
inline float keep_batch_statistics(const int n, const float m, const float sqTotal, const float momentum,
                                   const float eps, const int j, const bool writer,
                                   global float* runningMean, global float* runningVar,
                                   global float* mean, global float* invStd)
{
    const float var = n == 0 ? 0.0f : sqTotal / n;
    const float inv = 1.0f / sqrt(var + eps);
    if (writer) {
        mean[j] = m;
        invStd[j] = inv;
        if (n > 0) {
            const float unbiased = n > 1 ? sqTotal / (n - 1) : var;
            runningMean[j] = (1.0f - momentum) * runningMean[j] + momentum * m;
            runningVar[j] = (1.0f - momentum) * runningVar[j] + momentum * unbiased;
        }
    }
    return inv;
}

// Training mode: the batch mean and biased variance of each column (two passes, so a large mean
// does not cancel the variance away), y = γ (x − mean)/sqrt(var + eps) + β and ReLU when asked;
// the statistics kept and moved as keep_batch_statistics says.
kernel void batch_norm_train(const int rows, const int cols, const global float* x,
                             const global float* gamma, const int hasGamma,
                             const global float* beta, const int hasBeta,
                             global float* runningMean, global float* runningVar,
                             const float momentum, const float eps, const int relu,
                             global float* y, global float* mean, global float* invStd)
{
    local float scratch[COL_X * COL_Y];
    const int j = get_global_id(0);
    float m, sqTotal;
    column_moments(scratch, rows, cols, x, &m, &sqTotal);  // every work-item reaches its barriers
    if (j >= cols) {
        return;
    }
    const float inv = keep_batch_statistics(rows, m, sqTotal, momentum, eps, j, get_local_id(1) == 0,
                                            runningMean, runningVar, mean, invStd);
    const float g = hasGamma ? gamma[j] : 1.0f;
    const float b = hasBeta ? beta[j] : 0.0f;
    for (int i = get_local_id(1); i < rows; i += COL_Y) {
        const size_t at = (size_t)i * cols + j;
        const float v = g * ((x[at] - m) * inv) + b;
        y[at] = relu ? relu_keep_nan(v) : v;
    }
}

// Eval mode: y = γ (x − running mean)/sqrt(running var + eps) + β, ReLU when asked.
kernel void batch_norm_eval(const int rows, const int cols, const global float* x,
                            const global float* gamma, const int hasGamma,
                            const global float* beta, const int hasBeta,
                            const global float* runningMean, const global float* runningVar,
                            const float eps, const int relu, global float* y)
{
    const int j = get_global_id(0);
    if (j >= cols) {
        return;
    }
    const float m = runningMean[j];
    const float inv = 1.0f / sqrt(runningVar[j] + eps);
    const float g = hasGamma ? gamma[j] : 1.0f;
    const float b = hasBeta ? beta[j] : 0.0f;
    for (int i = get_local_id(1); i < rows; i += COL_Y) {
        const size_t at = (size_t)i * cols + j;
        const float v = g * ((x[at] - m) * inv) + b;
        y[at] = relu ? relu_keep_nan(v) : v;
    }
}

// Backward from the forward's mean and 1/std: with x̂ = (x − mean)·invStd, dβ = Σ dy, dγ = Σ dy·x̂,
// dx = γ·invStd·(dy − Σdy/rows − x̂·Σ(dy·x̂)/rows), then zero where gate ≤ 0 when a gate is given.
kernel void batch_norm_backward(const int rows, const int cols, const global float* dy, const global float* x,
                                const global float* gamma, const int hasGamma,
                                const global float* mean, const global float* invStd,
                                const global float* gate, const int hasGate, global float* dx,
                                global float* dGamma, const int hasDGamma, global float* dBeta, const int hasDBeta)
{
    local float scratch[COL_X * COL_Y];
    const int j = get_global_id(0);
    const float m = j < cols ? mean[j] : 0.0f;
    const float inv = j < cols ? invStd[j] : 0.0f;
    float sumDy = 0.0f;
    float sumDyXhat = 0.0f;
    if (j < cols) {
        for (int i = get_local_id(1); i < rows; i += COL_Y) {
            const size_t at = (size_t)i * cols + j;
            sumDy += dy[at];
            sumDyXhat += dy[at] * (x[at] - m) * inv;
        }
    }
    const float totalDy = column_total(scratch, sumDy);
    const float totalDyXhat = column_total(scratch, sumDyXhat);
    if (j >= cols) {
        return;
    }
    if (get_local_id(1) == 0) {
        if (hasDGamma) {
            dGamma[j] = totalDyXhat;
        }
        if (hasDBeta) {
            dBeta[j] = totalDy;
        }
    }
    const float scale = (hasGamma ? gamma[j] : 1.0f) * inv;
    const float meanDy = rows == 0 ? 0.0f : totalDy / rows;
    const float meanDyXhat = rows == 0 ? 0.0f : totalDyXhat / rows;
    for (int i = get_local_id(1); i < rows; i += COL_Y) {
        const size_t at = (size_t)i * cols + j;
        const float xhat = (x[at] - m) * inv;
        const float v = scale * (dy[at] - meanDy - xhat * meanDyXhat);
        dx[at] = !hasGate || gate[at] > 0.0f ? v : 0.0f;
    }
}
