// Element-wise kernels over count floats. Launched with WG work-items per group (a power of two,
// a build option) and a global size rounded up to WG, so every kernel checks its index.

// Σ over the work-group of each work-item's value or, when largest, the largest of them (NaN wins,
// as it does in Java's Math.max, so a student that diverged gives a NaN loss), by halving. Every
// work-item must call it and gets the result; the scratch may be reused as soon as it returns.
inline float group_reduce(local float* scratch, float value, const bool largest)
{
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            const float other = scratch[lid + s];
            if (!largest) {
                scratch[lid] += other;
            } else if (other > scratch[lid] || isnan(other)) {
                scratch[lid] = other;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

inline float group_sum(local float* scratch, float value)
{
    return group_reduce(scratch, value, false);
}

// dy = 2 (ys − yt) / count, and each work-group's share of Σ (ys − yt)² in partial[group]: the
// host adds the few partial sums, so the loss is the only thing that crosses to it.
kernel void mse_loss(const int count, const global float* ys, const global float* yt,
                     global float* dy, global float* partial)
{
    local float scratch[WG];
    const float scale = 2.0f / count;
    float sum = 0.0f;
    for (int i = get_global_id(0); i < count; i += get_global_size(0)) {
        const float d = ys[i] - yt[i];
        sum += d * d;
        dy[i] = scale * d;
    }
    const float total = group_sum(scratch, sum);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = total;
    }
}

// SGD with momentum and weight decay, as PyTorch's torch.optim.SGD does it.
kernel void sgd_update(const int count, global float* p, const global float* grad, global float* velocity,
                       const float lr, const float momentum, const float weightDecay)
{
    const int i = get_global_id(0);
    if (i < count) {
        const float g = grad[i] + weightDecay * p[i];
        const float v = momentum * velocity[i] + g;
        velocity[i] = v;
        p[i] -= lr * v;
    }
}

// c = alpha · Σ_s partial[s] + beta · c: the second half of a split-K GEMM (gemm.cl).
kernel void sum_slices(const int count, const int slices, const global float* partial, global float* c,
                       const float alpha, const float beta)
{
    const int i = get_global_id(0);
    if (i < count) {
        float sum = 0.0f;
        for (int s = 0; s < slices; s++) {
            sum += partial[(size_t)s * count + i];
        }
        c[i] = alpha * sum + (beta == 0.0f ? 0.0f : beta * c[i]);
    }
}

kernel void average(const int count, const global float* a, const global float* b, global float* c)
{
    const int i = get_global_id(0);
    if (i < count) {
        c[i] = (a[i] + b[i]) * 0.5f;
    }
}

kernel void hadamard(const int count, const global float* a, const global float* b, global float* c)
{
    const int i = get_global_id(0);
    if (i < count) {
        c[i] = a[i] * b[i];
    }
}

kernel void relu_gate(const int count, const global float* z, global float* g)
{
    const int i = get_global_id(0);
    if (i < count) {
        g[i] = z[i] > 0.0f ? 1.0f : 0.0f;
    }
}

// Each row of w[n × k] and its bias entry divided by (the row's L2 norm + 1e-5); one work-group
// per row.
kernel void normalize_rows(const int k, global float* w, global float* bias, const int hasBias)
{
    local float scratch[WG];
    const int row = get_group_id(0);
    global float* r = w + (size_t)row * k;
    float sq = 0.0f;
    for (int p = get_local_id(0); p < k; p += WG) {
        sq += r[p] * r[p];
    }
    const float scale = 1.0f / (sqrt(group_sum(scratch, sq)) + 1e-5f);
    for (int p = get_local_id(0); p < k; p += WG) {
        r[p] *= scale;
    }
    if (hasBias && get_local_id(0) == 0) {
        bias[row] *= scale;
    }
}
