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

// The backward's per-channel part, once Σdy and Σdy·x̂ over the n values of channel c are known:
// dγ and dβ written (by the one writer work-item), and the terms of dx = scale·(dy − meanDy − x̂·meanDyXhat)
// returned as (scale, meanDy, meanDyXhat).
inline float3 norm_backward_terms(const bool writer, const int c, const int n, const float totalDy,
                                  const float totalDyXhat, const float inv, const global float* gamma,
                                  const int hasGamma, global float* dGamma, const int hasDGamma, global float* dBeta,
                                  const int hasDBeta)
{
    if (writer) {
        if (hasDGamma) {
            dGamma[c] = totalDyXhat;
        }
        if (hasDBeta) {
            dBeta[c] = totalDy;
        }
    }
    return (float3)((hasGamma ? gamma[c] : 1.0f) * inv, n == 0 ? 0.0f : totalDy / n, n == 0 ? 0.0f : totalDyXhat / n);
}

// dx of one value from its dy and x and the terms above; zero where the gate is shut.
inline float norm_dx(const float dy, const float x, const float m, const float inv, const float3 k, const bool open)
{
    const float xhat = (x - m) * inv;
    const float v = k.x * (dy - k.y - xhat * k.z);
    return open ? v : 0.0f;
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
    const float3 k = norm_backward_terms(get_local_id(1) == 0, j, rows, totalDy, totalDyXhat, inv, gamma, hasGamma,
                                         dGamma, hasDGamma, dBeta, hasDBeta);
    for (int i = get_local_id(1); i < rows; i += COL_Y) {
        const size_t at = (size_t)i * cols + j;
        dx[at] = norm_dx(dy[at], x[at], m, inv, k, !hasGate || gate[at] > 0.0f);
    }
}
