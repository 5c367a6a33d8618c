// Softmax cross-entropy of logits z[rows × cols] against the class each teacher row t ranks
// highest. Launched as 1-D work-groups of WG work-items (elementwise.cl's group_reduce); a group
// takes rows group, group + groups, …, its work-items striding along the row.

inline float group_max(local float* scratch, float value)
{
    return group_reduce(scratch, value, true);
}

// Whether (value, index) ranks above (best, bestIndex): larger, or equal and earlier, so that the
// first of equal maxima wins as in a left-to-right scan; a NaN ranks below every number.
inline bool ranks_above(float value, int index, float best, int bestIndex)
{
    return value > best || (value == best && index < bestIndex) || (isnan(best) && !isnan(value));
}

// The index of the first largest entry of the row t[0 .. cols), as the scan
// "target = t[j] > t[target] ? j : target" from target = 0 finds it: NaNs are skipped, and a NaN
// in t[0] keeps the target at 0. Every work-item gets the result and must call it.
inline int group_first_max(local float* values, local int* indices, const global float* t, const int cols)
{
    const int lid = get_local_id(0);
    float best = NAN;
    int bestIndex = INT_MAX;
    for (int j = lid; j < cols; j += WG) {
        if (ranks_above(t[j], j, best, bestIndex)) {
            best = t[j];
            bestIndex = j;
        }
    }
    values[lid] = best;
    indices[lid] = bestIndex;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s && ranks_above(values[lid + s], indices[lid + s], values[lid], indices[lid])) {
            values[lid] = values[lid + s];
            indices[lid] = indices[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int result = isnan(t[0]) ? 0 : indices[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

// Row i with target class c: loss_i = log Σ_j exp(z_ij − max_i) + max_i − z_ic and
// dz_ij = (softmax_ij − [j = c]) / rows. Each group writes the sum of its rows' losses to
// partial[group]; the host adds those up and divides by rows. Every read of a row comes before
// any write to it, so dz may be z itself.
kernel void cross_entropy(const int rows, const int cols, const global float* z, const global float* t,
                          global float* dz, global float* partial)
{
    local float scratch[WG];
    local int indices[WG];
    const int lid = get_local_id(0);
    float loss = 0.0f;
    for (int row = get_group_id(0); row < rows; row += get_num_groups(0)) {
        const global float* zr = z + (size_t)row * cols;
        global float* dr = dz + (size_t)row * cols;
        const int target = group_first_max(scratch, indices, t + (size_t)row * cols, cols);
        float m = -INFINITY;
        for (int j = lid; j < cols; j += WG) {
            if (zr[j] > m || isnan(zr[j])) {
                m = zr[j];
            }
        }
        const float max = group_max(scratch, m);
        const float zTarget = zr[target];
        float sum = 0.0f;
        for (int j = lid; j < cols; j += WG) {
            sum += exp(zr[j] - max);
        }
        const float total = group_sum(scratch, sum);
        barrier(CLK_LOCAL_MEM_FENCE);  // every work-item has read the total before the scratch is reused
        for (int j = lid; j < cols; j += WG) {
            dr[j] = (exp(zr[j] - max) / total - (j == target ? 1.0f : 0.0f)) / rows;
        }
        loss += log(total) + max - zTarget;
    }
    if (lid == 0) {
        partial[get_group_id(0)] = loss;
    }
}
