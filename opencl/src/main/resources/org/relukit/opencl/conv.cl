// The 3 × 3 convolutions (stride 1, no padding) and BatchNorm2d over images stored one sample per
// row, channel-major: x[b, c, p, q] at b·C·H·W + c·H·W + p·W + q. A convolution maps H × W to
// OH × OW = (H − 2) × (W − 2); its weights w[n, c, u, v] sit at n·C·9 + c·9 + u·3 + v. Direct
// convolutions: each output needs only C·9 (or N·9) products, so no im2col copy is worth its
// scratch. Built after batchnorm.cl (relu_keep_nan) and elementwise.cl (group_sum).

// Flat index at of an array of maps (samples × channels × height × width) as (column, row, channel,
// sample).
inline int4 nchw(const int at, const int channels, const int height, const int width)
{
    return (int4)(at % width, (at / width) % height, (at / (width * height)) % channels, at / (width * height * channels));
}

// y[b, n, i, j] = Σ_{c,u,v} x[b, c, i+u, j+v] w[n, c, u, v] + bias[n], ReLU when asked; one
// work-item per output, so neighbouring work-items read neighbouring pixels and the same weights.
kernel void conv3x3_forward(const int count, const int channels, const int filters, const int height, const int width,
                            const global float* x, const global float* w, const global float* bias, const int hasBias,
                            const int relu, global float* y)
{
    const int at = get_global_id(0);
    if (at >= count) {
        return;
    }
    const int outW = width - 2;
    const int4 out = nchw(at, filters, height - 2, outW);
    const int j = out.x, i = out.y, n = out.z, b = out.w;
    const global float* image = x + (size_t)b * channels * height * width + (size_t)i * width + j;
    const global float* filter = w + (size_t)n * channels * 9;
    float sum = 0.0f;
    for (int c = 0; c < channels; c++) {
        const global float* p = image + (size_t)c * height * width;
        const global float* k = filter + c * 9;
        sum += p[0] * k[0] + p[1] * k[1] + p[2] * k[2]
             + p[width] * k[3] + p[width + 1] * k[4] + p[width + 2] * k[5]
             + p[2 * width] * k[6] + p[2 * width + 1] * k[7] + p[2 * width + 2] * k[8];
    }
    const float v = sum + (hasBias ? bias[n] : 0.0f);
    y[at] = relu ? relu_keep_nan(v) : v;
}

// dx[b, c, p, q] = Σ_{n,u,v} dy[b, n, p−u, q−v] w[n, c, u, v] over the output positions that exist,
// zero where gate ≤ 0 when a gate is given; one work-item per input pixel, so nothing races.
kernel void conv3x3_backward_input(const int count, const int channels, const int filters, const int height,
                                   const int width, const global float* dy, const global float* w,
                                   const global float* gate, const int hasGate, global float* dx)
{
    const int at = get_global_id(0);
    if (at >= count) {
        return;
    }
    const int4 in = nchw(at, channels, height, width);
    const int q = in.x, p = in.y, c = in.z, b = in.w;
    const int outW = width - 2;
    const int outH = height - 2;
    // Every tap (u, v) reads the output position (p − u, q − v) clamped into the map, and counts
    // only where that position lies inside it: the same instructions for every pixel, so that
    // neighbouring work-items run in step (in SIMD lanes on a CPU: 1.4x to 1.6x faster on PoCL than
    // loops with per-pixel bounds, on the 50 -> 75 channel layer at batch 64). A select, not a
    // multiply by 0 (which measured faster still), so that a NaN outside the map stays outside.
    const int i0 = min(p, outH - 1), i1 = clamp(p - 1, 0, outH - 1), i2 = max(p - 2, 0);
    const int j0 = min(q, outW - 1), j1 = clamp(q - 1, 0, outW - 1), j2 = max(q - 2, 0);
    const bool row0 = p < outH, row1 = p >= 1 && p - 1 < outH, row2 = p >= 2;
    const bool col0 = q < outW, col1 = q >= 1 && q - 1 < outW, col2 = q >= 2;
    const global float* grad = dy + (size_t)b * filters * outH * outW;
    float sum = 0.0f;
    for (int n = 0; n < filters; n++) {
        const global float* g = grad + (size_t)n * outH * outW;
        const global float* k = w + ((size_t)n * channels + c) * 9;
        sum += (row0 && col0 ? g[i0 * outW + j0] * k[0] : 0.0f) + (row0 && col1 ? g[i0 * outW + j1] * k[1] : 0.0f)
             + (row0 && col2 ? g[i0 * outW + j2] * k[2] : 0.0f) + (row1 && col0 ? g[i1 * outW + j0] * k[3] : 0.0f)
             + (row1 && col1 ? g[i1 * outW + j1] * k[4] : 0.0f) + (row1 && col2 ? g[i1 * outW + j2] * k[5] : 0.0f)
             + (row2 && col0 ? g[i2 * outW + j0] * k[6] : 0.0f) + (row2 && col1 ? g[i2 * outW + j1] * k[7] : 0.0f)
             + (row2 && col2 ? g[i2 * outW + j2] * k[8] : 0.0f);
    }
    dx[at] = !hasGate || gate[at] > 0.0f ? sum : 0.0f;
}

// dw[n, c, ·, ·] = alpha · Σ_{b,i,j} dy[b, n, i, j] x[b, c, i+u, j+v] + beta · dw, and for c = 0 the
// bias's alpha · Σ dy[b, n, ·, ·] + beta · db: the gradient (alpha 1, beta 0) or its SGD step
// (alpha −lr, beta 1). One work-group per (filter, channel) pair adds up its 9 taps and Σ dy over
// the batch and the output positions, each work-item holding 10 partial sums that one tree adds up
// together (ten trees of their own took 80 barriers per group where this takes 8).
#define WEIGHT_SUMS 10
#if WG < WEIGHT_SUMS
#error "conv3x3_weight_grad writes its sums with one work-item each, so WG must be at least 10"
#endif
kernel void conv3x3_weight_grad(const int batch, const int channels, const int filters, const int height,
                                const int width, const global float* dy, const global float* x,
                                global float* dw, global float* db, const int hasDb,
                                const float alpha, const float beta)
{
    local float scratch[WEIGHT_SUMS * WG];
    const int lid = get_local_id(0);
    const int n = get_group_id(0) / channels;
    const int c = get_group_id(0) % channels;
    const int outW = width - 2;
    const int positions = (height - 2) * outW;
    float tap[WEIGHT_SUMS] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    // (b, r) walks the batch × positions from lid in steps of WG, dividing only when r leaves the map.
    int b = lid / positions;
    int r = lid - b * positions;
    while (b < batch) {
        const float g = dy[((size_t)b * filters + n) * positions + r];
        const global float* p = x + ((size_t)b * channels + c) * height * width + (size_t)(r / outW) * width + r % outW;
        tap[0] += g * p[0];
        tap[1] += g * p[1];
        tap[2] += g * p[2];
        tap[3] += g * p[width];
        tap[4] += g * p[width + 1];
        tap[5] += g * p[width + 2];
        tap[6] += g * p[2 * width];
        tap[7] += g * p[2 * width + 1];
        tap[8] += g * p[2 * width + 2];
        tap[9] += g;
        r += WG;
        if (r >= positions) {
            b += r / positions;
            r %= positions;
        }
    }
    for (int k = 0; k < WEIGHT_SUMS; k++) {
        scratch[k * WG + lid] = tap[k];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            for (int k = 0; k < WEIGHT_SUMS; k++) {
                scratch[k * WG + lid] += scratch[k * WG + lid + s];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < 9) {
        global float* out = dw + ((size_t)n * channels + c) * 9 + lid;
        *out = alpha * scratch[lid * WG] + (beta == 0.0f ? 0.0f : beta * *out);
    } else if (lid == 9 && hasDb && c == 0) {
        db[n] = alpha * scratch[9 * WG] + (beta == 0.0f ? 0.0f : beta * db[n]);
    }
}

// The mean of channel c (the work-group) over the batch and its positions, and the sum of squared
// deviations from it: two passes, as column_moments. Every work-item must call it.
inline void channel_moments(local float* scratch, const int batch, const int channels, const int positions,
                            const global float* x, float* mean, float* sqTotal)
{
    const int c = get_group_id(0);
    const int count = batch * positions;
    float sum = 0.0f;
    for (int t = get_local_id(0); t < count; t += WG) {
        sum += x[((size_t)(t / positions) * channels + c) * positions + t % positions];
    }
    const float total = group_sum(scratch, sum);
    const float m = count == 0 ? 0.0f : total / count;
    float sq = 0.0f;
    for (int t = get_local_id(0); t < count; t += WG) {
        const float d = x[((size_t)(t / positions) * channels + c) * positions + t % positions] - m;
        sq += d * d;
    }
    *mean = m;
    *sqTotal = group_sum(scratch, sq);
}

// batch_norm_train (batchnorm.cl) per channel of x[B × C·S]: one work-group per channel, its
// statistics over the B·S values of the channel.
kernel void batch_norm_2d_train(const int batch, const int channels, const int positions, const global float* x,
                                const global float* gamma, const int hasGamma,
                                const global float* beta, const int hasBeta,
                                global float* runningMean, global float* runningVar,
                                const float momentum, const float eps, const int relu,
                                global float* y, global float* mean, global float* invStd)
{
    local float scratch[WG];
    const int c = get_group_id(0);
    const int count = batch * positions;
    float m, sqTotal;
    channel_moments(scratch, batch, channels, positions, x, &m, &sqTotal);
    const float inv = keep_batch_statistics(count, m, sqTotal, momentum, eps, c, get_local_id(0) == 0,
                                            runningMean, runningVar, mean, invStd);
    const float g = hasGamma ? gamma[c] : 1.0f;
    const float b = hasBeta ? beta[c] : 0.0f;
    for (int t = get_local_id(0); t < count; t += WG) {
        const size_t at = ((size_t)(t / positions) * channels + c) * positions + t % positions;
        const float v = g * ((x[at] - m) * inv) + b;
        y[at] = relu ? relu_keep_nan(v) : v;
    }
}

// Eval mode: y = γ (x − running mean)/sqrt(running var + eps) + β, ReLU when asked, per channel of
// x[B × C·S] (BatchNorm1d's too: S = 1, a channel per column); one work-item per element.
kernel void batch_norm_2d_eval(const int count, const int channels, const int positions, const global float* x,
                               const global float* gamma, const int hasGamma,
                               const global float* beta, const int hasBeta,
                               const global float* runningMean, const global float* runningVar,
                               const float eps, const int relu, global float* y)
{
    const int at = get_global_id(0);
    if (at >= count) {
        return;
    }
    const int c = (at / positions) % channels;
    const float inv = 1.0f / sqrt(runningVar[c] + eps);
    const float g = hasGamma ? gamma[c] : 1.0f;
    const float b = hasBeta ? beta[c] : 0.0f;
    const float v = g * ((x[at] - runningMean[c]) * inv) + b;
    y[at] = relu ? relu_keep_nan(v) : v;
}

// batch_norm_backward per channel, one work-group per channel: every sum and mean over the B·S
// values of the channel.
kernel void batch_norm_2d_backward(const int batch, const int channels, const int positions,
                                   const global float* dy, const global float* x,
                                   const global float* gamma, const int hasGamma,
                                   const global float* mean, const global float* invStd,
                                   const global float* gate, const int hasGate, global float* dx,
                                   global float* dGamma, const int hasDGamma, global float* dBeta, const int hasDBeta)
{
    local float scratch[WG];
    const int c = get_group_id(0);
    const int count = batch * positions;
    const float m = mean[c];
    const float inv = invStd[c];
    float sumDy = 0.0f;
    float sumDyXhat = 0.0f;
    for (int t = get_local_id(0); t < count; t += WG) {
        const size_t at = ((size_t)(t / positions) * channels + c) * positions + t % positions;
        sumDy += dy[at];
        sumDyXhat += dy[at] * (x[at] - m) * inv;
    }
    const float totalDy = group_sum(scratch, sumDy);
    const float totalDyXhat = group_sum(scratch, sumDyXhat);
    const float3 k = norm_backward_terms(get_local_id(0) == 0, c, count, totalDy, totalDyXhat, inv, gamma, hasGamma,
                                         dGamma, hasDGamma, dBeta, hasDBeta);
    for (int t = get_local_id(0); t < count; t += WG) {
        const size_t at = ((size_t)(t / positions) * channels + c) * positions + t % positions;
        dx[at] = norm_dx(dy[at], x[at], m, inv, k, !hasGate || gate[at] > 0.0f);
    }
}

// y[b·S + s, c] = x[b, c·S + s]: one row per (sample, position), one column per channel; one
// work-item per element of y, so the writes are contiguous.
kernel void channels_to_rows(const int count, const int channels, const int positions, const global float* x,
                             global float* y)
{
    const int at = get_global_id(0);
    if (at >= count) {
        return;
    }
    const int c = at % channels;
    const int row = at / channels;
    y[at] = x[((size_t)(row / positions) * channels + c) * positions + row % positions];
}
