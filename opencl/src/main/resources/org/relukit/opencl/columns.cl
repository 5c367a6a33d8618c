// Reductions down the columns of a row-major rows × cols matrix. A work-group is COL_X columns
// (neighbouring work-items read neighbouring floats) by COL_Y work-items that stride down the rows;
// COL_X and COL_Y are build options, COL_Y a power of two. The launch has one group along rows.

// Σ down the column of each work-item's value; every work-item of the group gets its column's
// total, and every work-item must call it.
inline float column_total(local float* scratch, float value)
{
    const int x = get_local_id(0);
    const int y = get_local_id(1);
    scratch[y * COL_X + x] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = COL_Y / 2; s > 0; s >>= 1) {
        if (y < s) {
            scratch[y * COL_X + x] += scratch[(y + s) * COL_X + x];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float total = scratch[x];
    barrier(CLK_LOCAL_MEM_FENCE);  // the scratch may be reused by the next call
    return total;
}

// This work-item's share of Σ_i x[i, j]: its rows of column j, every COL_Y-th from get_local_id(1);
// 0 beyond the last column. column_total adds the shares up.
inline float column_share(const int rows, const int cols, const global float* x, const int j)
{
    float sum = 0.0f;
    if (j < cols) {
        for (int i = get_local_id(1); i < rows; i += COL_Y) {
            sum += x[(size_t)i * cols + j];
        }
    }
    return sum;
}

// The mean of column j (get_global_id(0)) over its rows, and the sum of squared deviations from
// that mean: the two passes that column statistics and BatchNorm share. Every work-item must call it.
inline void column_moments(local float* scratch, const int rows, const int cols, const global float* x,
                           float* mean, float* sqTotal)
{
    const int j = get_global_id(0);
    const float total = column_total(scratch, column_share(rows, cols, x, j));
    const float m = rows == 0 ? 0.0f : total / rows;
    float sq = 0.0f;
    if (j < cols) {
        for (int i = get_local_id(1); i < rows; i += COL_Y) {
            const float d = x[(size_t)i * cols + j] - m;
            sq += d * d;
        }
    }
    *mean = m;
    *sqTotal = column_total(scratch, sq);
}

// out[j] = alpha · Σ_i x[i, j] + beta · out[j]: the bias gradient, or its SGD step.
kernel void column_sums(const int rows, const int cols, const global float* x, global float* out,
                        const float alpha, const float beta)
{
    local float scratch[COL_X * COL_Y];
    const int j = get_global_id(0);
    const float total = column_total(scratch, column_share(rows, cols, x, j));
    if (j < cols && get_local_id(1) == 0) {
        out[j] = alpha * total + (beta == 0.0f ? 0.0f : beta * out[j]);
    }
}

// The column means and rsqrt(Σ (x − mean)² + 1e-10) that centre and scale a correlation (docs/math.md#recon-experiment).
kernel void column_stats(const int rows, const int cols, const global float* x,
                         global float* mean, global float* invNorm)
{
    local float scratch[COL_X * COL_Y];
    const int j = get_global_id(0);
    float m, sqTotal;
    column_moments(scratch, rows, cols, x, &m, &sqTotal);
    if (j < cols && get_local_id(1) == 0) {
        mean[j] = m;
        invNorm[j] = 1.0f / sqrt(sqTotal + 1e-10f);
    }
}

// Scales every column to unit L2 norm; a column of norm 0 is left as it is.
kernel void normalize_columns(const int rows, const int cols, global float* w)
{
    local float scratch[COL_X * COL_Y];
    const int j = get_global_id(0);
    float sq = 0.0f;
    if (j < cols) {
        for (int i = get_local_id(1); i < rows; i += COL_Y) {
            sq += w[(size_t)i * cols + j] * w[(size_t)i * cols + j];
        }
    }
    const float total = column_total(scratch, sq);
    if (j < cols && total > 0.0f) {
        const float scale = 1.0f / sqrt(total);
        for (int i = get_local_id(1); i < rows; i += COL_Y) {
            w[(size_t)i * cols + j] *= scale;
        }
    }
}
