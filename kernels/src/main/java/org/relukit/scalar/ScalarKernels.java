package org.relukit.scalar;

/**
 * The reference kernels: plain loops in the order the math is written, over row-major arrays
 * with explicit sizes. Every other backend is tested against these and against float64.
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /** out[B×N] = x[B×K] w[N×K]ᵀ + b, then ReLU when {@code relu}. */
    public static void layer(float[] x, float[] w, float[] b, float[] out, int batch, int n, int k, boolean relu) {
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < n; j++) {
                float sum = b == null ? 0f : b[j];
                for (int p = 0; p < k; p++) {
                    sum += x[i * k + p] * w[j * k + p];
                }
                out[i * n + j] = relu ? Math.max(sum, 0f) : sum;
            }
        }
    }

    /** {@link org.relukit.backend.Backend#mseLoss} over the first {@code count} floats; the loss is summed in double. */
    public static float mseLoss(float[] ys, float[] yt, float[] dy, int count) {
        double sum = 0;
        float scale = 2f / count;
        for (int i = 0; i < count; i++) {
            float d = ys[i] - yt[i];
            sum += d * d;
            dy[i] = scale * d;
        }
        return count == 0 ? 0f : (float) (sum / count);
    }

    /**
     * Softmax cross-entropy of {@code logits[rows × cols]} against each teacher row's highest class
     * (the first on a tie): writes {@code dLogits = (softmax − onehot) / rows} and returns the mean
     * loss. The softmax is shifted by the row's maximum, so large logits do not overflow; sums and
     * exponentials are in double, and each exponential is computed again for the gradient rather
     * than kept, so the kernel needs no buffer. {@code dLogits} may be {@code logits}.
     */
    public static float crossEntropyLoss(float[] logits, float[] teacher, float[] dLogits, int rows, int cols) {
        double loss = 0;
        for (int i = 0; i < rows; i++) {
            int o = i * cols, target = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, logits[o + j]);
                target = teacher[o + j] > teacher[o + target] ? j : target;
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(logits[o + j] - max);
            }
            loss += Math.log(sum) + max - logits[o + target];
            for (int j = 0; j < cols; j++) {
                dLogits[o + j] = (float) ((Math.exp(logits[o + j] - max) / sum - (j == target ? 1 : 0)) / rows);
            }
        }
        return rows == 0 ? 0f : (float) (loss / rows);
    }

    /** dx[B×K] = (dz[B×N] w[N×K]) ⊙ (h > 0). */
    public static void backwardInput(float[] dz, float[] w, float[] h, float[] dx, int batch, int n, int k) {
        for (int i = 0; i < batch; i++) {
            for (int p = 0; p < k; p++) {
                float sum = 0f;
                for (int j = 0; j < n; j++) {
                    sum += dz[i * n + j] * w[j * k + p];
                }
                dx[i * k + p] = h == null || h[i * k + p] > 0f ? sum : 0f;
            }
        }
    }

    /**
     * w = wScale·w + gScale·(dzᵀ x); b likewise with Σ dz. Gradient when wScale = 0, SGD when 1.
     * With wScale = 0 the old w is not read, so a NaN left in a gradient buffer does not survive (0·NaN = NaN).
     */
    public static void weightGrad(float[] dz, float[] x, float[] w, float[] b, int batch, int n, int k,
                                  float wScale, float gScale) {
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                float sum = 0f;
                for (int i = 0; i < batch; i++) {
                    sum += dz[i * n + j] * x[i * k + p];
                }
                w[j * k + p] = (wScale == 0f ? 0f : wScale * w[j * k + p]) + gScale * sum;
            }
            if (b != null) {
                float sum = 0f;
                for (int i = 0; i < batch; i++) {
                    sum += dz[i * n + j];
                }
                b[j] = (wScale == 0f ? 0f : wScale * b[j]) + gScale * sum;
            }
        }
    }

    /** {@link org.relukit.backend.Backend#sgdUpdate} over the first {@code count} floats. */
    public static void sgdUpdate(float[] p, float[] grad, float[] velocity, int count,
                                 float lr, float momentum, float weightDecay) {
        for (int i = 0; i < count; i++) {
            float g = grad[i] + weightDecay * p[i];
            float v = momentum * velocity[i] + g;
            velocity[i] = v;
            p[i] -= lr * v;
        }
    }

    /** docs/math.md#evaluation-and-correlation: centred, normalised cross product of the columns. */
    public static void correlation(float[] t, float[] s, float[] c, int samples, int kt, int ks) {
        float[] tMean = columnMeans(t, samples, kt);
        float[] sMean = columnMeans(s, samples, ks);
        float[] tInvNorm = inverseCentredNorms(t, tMean, samples, kt);
        float[] sInvNorm = inverseCentredNorms(s, sMean, samples, ks);
        for (int a = 0; a < kt; a++) {
            for (int q = 0; q < ks; q++) {
                float sum = 0f;
                for (int i = 0; i < samples; i++) {
                    sum += (t[i * kt + a] - tMean[a]) * (s[i * ks + q] - sMean[q]);
                }
                c[a * ks + q] = sum * tInvNorm[a] * sInvNorm[q];
            }
        }
    }

    static float[] columnMeans(float[] x, int rows, int cols) {
        float[] mean = new float[cols];
        for (int j = 0; j < cols; j++) {
            float sum = 0f;
            for (int i = 0; i < rows; i++) {
                sum += x[i * cols + j];
            }
            mean[j] = rows == 0 ? 0f : sum / rows;
        }
        return mean;
    }

    static float[] inverseCentredNorms(float[] x, float[] mean, int rows, int cols) {
        float[] inv = new float[cols];
        for (int j = 0; j < cols; j++) {
            float sq = 0f;
            for (int i = 0; i < rows; i++) {
                float d = x[i * cols + j] - mean[j];
                sq += d * d;
            }
            inv[j] = (float) (1 / Math.sqrt(sq + 1e-10));
        }
        return inv;
    }

    /** c[M×N] = alpha op(a) op(b) + beta c, with a stored [rowsA × colsA] and b [rowsB × colsB]. */
    public static void matmul(float[] a, int rowsA, int colsA, boolean ta,
                              float[] b, int rowsB, int colsB, boolean tb,
                              float[] c, float alpha, float beta) {
        int m = ta ? colsA : rowsA;
        int k = ta ? rowsA : colsA;
        int n = tb ? rowsB : colsB;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[p * colsA + i] : a[i * colsA + p];
                    float bv = tb ? b[j * colsB + p] : b[p * colsB + j];
                    sum += av * bv;
                }
                c[i * n + j] = alpha * sum + (beta == 0f ? 0f : beta * c[i * n + j]);
            }
        }
    }

    /**
     * BatchNorm1d in training mode over the columns of {@code x[B×N]} (see
     * {@code Backend.batchNormTrain}): batch mean, biased variance (two passes, so a large mean
     * does not cancel the variance away), {@code y = γ x̂ + β} and ReLU when asked, the running
     * statistics moved by {@code momentum} with the unbiased variance. {@code gamma}/{@code beta}
     * may be null.
     */
    public static void batchNormTrain(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                      float momentum, float eps, boolean relu, float[] y, float[] mean, float[] invStd,
                                      int batch, int n) {
        for (int j = 0; j < n; j++) {
            float sum = 0f;
            for (int i = 0; i < batch; i++) {
                sum += x[i * n + j];
            }
            float m = batch == 0 ? 0f : sum / batch;
            float sq = 0f;
            for (int i = 0; i < batch; i++) {
                float d = x[i * n + j] - m;
                sq += d * d;
            }
            float var = batch == 0 ? 0f : sq / batch;
            mean[j] = m;
            invStd[j] = (float) (1 / Math.sqrt(var + eps));
            if (batch > 0) {
                // PyTorch keeps the unbiased variance; one sample has none, so its biased one (0) is kept.
                float unbiased = batch > 1 ? sq / (batch - 1) : var;
                runningMean[j] = (1 - momentum) * runningMean[j] + momentum * m;
                runningVar[j] = (1 - momentum) * runningVar[j] + momentum * unbiased;
            }
            batchNormColumn(x, gamma, beta, m, invStd[j], relu, y, batch, n, j);
        }
    }

    /** BatchNorm1d in eval mode: {@code y = γ (x − running mean) / sqrt(running var + eps) + β}, ReLU when asked. */
    public static void batchNormEval(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                     float eps, boolean relu, float[] y, int batch, int n) {
        for (int j = 0; j < n; j++) {
            float invStd = (float) (1 / Math.sqrt(runningVar[j] + eps));
            batchNormColumn(x, gamma, beta, runningMean[j], invStd, relu, y, batch, n, j);
        }
    }

    /** Column j: {@code y = γ (x − mean)·invStd + β}, ReLU when asked. */
    private static void batchNormColumn(float[] x, float[] gamma, float[] beta, float mean, float invStd,
                                        boolean relu, float[] y, int batch, int n, int j) {
        float g = gamma == null ? 1f : gamma[j], b = beta == null ? 0f : beta[j];
        for (int i = 0; i < batch; i++) {
            float v = g * ((x[i * n + j] - mean) * invStd) + b;
            y[i * n + j] = relu ? Math.max(v, 0f) : v;
        }
    }

    /**
     * BatchNorm1d backward in training mode, from the batch statistics of the forward:
     * {@code x̂ = (x − mean)·invStd}, {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂},
     * {@code dx = γ·invStd·(dy − Σdy/B − x̂·Σ(dy·x̂)/B)}, then {@code dx ⊙ (gate > 0)} when a gate is given.
     * {@code gamma}, {@code gate}, {@code dGamma} and {@code dBeta} may be null.
     */
    public static void batchNormBackward(float[] dy, float[] x, float[] gamma, float[] mean, float[] invStd,
                                         float[] gate, float[] dx, float[] dGamma, float[] dBeta, int batch, int n) {
        for (int j = 0; j < n; j++) {
            float m = mean[j], inv = invStd[j];
            float sumDy = 0f, sumDyXhat = 0f;
            for (int i = 0; i < batch; i++) {
                float g = dy[i * n + j];
                sumDy += g;
                sumDyXhat += g * (x[i * n + j] - m) * inv;
            }
            if (dGamma != null) {
                dGamma[j] = sumDyXhat;
            }
            if (dBeta != null) {
                dBeta[j] = sumDy;
            }
            float scale = (gamma == null ? 1f : gamma[j]) * inv;
            float meanDy = batch == 0 ? 0f : sumDy / batch, meanDyXhat = batch == 0 ? 0f : sumDyXhat / batch;
            for (int i = 0; i < batch; i++) {
                float xhat = (x[i * n + j] - m) * inv;
                float v = scale * (dy[i * n + j] - meanDy - xhat * meanDyXhat);
                dx[i * n + j] = gate == null || gate[i * n + j] > 0f ? v : 0f;
            }
        }
    }
}
