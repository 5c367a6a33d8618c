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
     * BatchNorm in training mode (see {@code Backend.batchNormTrain} and {@code batchNorm2dTrain}):
     * element s of channel j in sample i is {@code x[(i·channels + j)·positions + s]}, so BatchNorm1d
     * is {@code positions = 1} and BatchNorm2d has one position per pixel of the map. Per channel,
     * over its {@code batch·positions} values: the mean, the biased variance (two passes, so a large
     * mean does not cancel the variance away), {@code y = γ x̂ + β} and ReLU when asked, the running
     * statistics moved by {@code momentum} with the unbiased variance. {@code gamma}/{@code beta}
     * may be null.
     */
    public static void batchNormTrain(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                      float momentum, float eps, boolean relu, float[] y, float[] mean, float[] invStd,
                                      int batch, int channels, int positions) {
        int count = batch * positions, stride = channels * positions;
        for (int j = 0; j < channels; j++) {
            float sum = 0f;
            for (int i = 0; i < batch; i++) {
                for (int s = i * stride + j * positions, end = s + positions; s < end; s++) {
                    sum += x[s];
                }
            }
            float m = count == 0 ? 0f : sum / count;
            float sq = 0f;
            for (int i = 0; i < batch; i++) {
                for (int s = i * stride + j * positions, end = s + positions; s < end; s++) {
                    float d = x[s] - m;
                    sq += d * d;
                }
            }
            float var = count == 0 ? 0f : sq / count;
            mean[j] = m;
            invStd[j] = (float) (1 / Math.sqrt(var + eps));
            if (count > 0) {
                // PyTorch keeps the unbiased variance; one value has none, so its biased one (0) is kept.
                float unbiased = count > 1 ? sq / (count - 1) : var;
                runningMean[j] = (1 - momentum) * runningMean[j] + momentum * m;
                runningVar[j] = (1 - momentum) * runningVar[j] + momentum * unbiased;
            }
            batchNormChannel(x, gamma, beta, m, invStd[j], relu, y, batch, channels, positions, j);
        }
    }

    /** BatchNorm in eval mode: {@code y = γ (x − running mean) / sqrt(running var + eps) + β}, ReLU when asked. */
    public static void batchNormEval(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                     float eps, boolean relu, float[] y, int batch, int channels, int positions) {
        for (int j = 0; j < channels; j++) {
            float invStd = (float) (1 / Math.sqrt(runningVar[j] + eps));
            batchNormChannel(x, gamma, beta, runningMean[j], invStd, relu, y, batch, channels, positions, j);
        }
    }

    /** Channel j: {@code y = γ (x − mean)·invStd + β}, ReLU when asked. */
    private static void batchNormChannel(float[] x, float[] gamma, float[] beta, float mean, float invStd,
                                         boolean relu, float[] y, int batch, int channels, int positions, int j) {
        float g = gamma == null ? 1f : gamma[j], b = beta == null ? 0f : beta[j];
        for (int i = 0; i < batch; i++) {
            for (int s = (i * channels + j) * positions, end = s + positions; s < end; s++) {
                float v = g * ((x[s] - mean) * invStd) + b;
                y[s] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /**
     * BatchNorm backward in training mode, from the batch statistics of the forward, per channel
     * over its {@code batch·positions} values (layout as {@link #batchNormTrain}):
     * {@code x̂ = (x − mean)·invStd}, {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂},
     * {@code dx = γ·invStd·(dy − Σdy/n − x̂·Σ(dy·x̂)/n)}, then {@code dx ⊙ (gate > 0)} when a gate is given.
     * {@code gamma}, {@code gate}, {@code dGamma} and {@code dBeta} may be null.
     */
    public static void batchNormBackward(float[] dy, float[] x, float[] gamma, float[] mean, float[] invStd,
                                         float[] gate, float[] dx, float[] dGamma, float[] dBeta,
                                         int batch, int channels, int positions) {
        int count = batch * positions, stride = channels * positions;
        for (int j = 0; j < channels; j++) {
            float m = mean[j], inv = invStd[j];
            float sumDy = 0f, sumDyXhat = 0f;
            for (int i = 0; i < batch; i++) {
                for (int s = i * stride + j * positions, end = s + positions; s < end; s++) {
                    float g = dy[s];
                    sumDy += g;
                    sumDyXhat += g * (x[s] - m) * inv;
                }
            }
            if (dGamma != null) {
                dGamma[j] = sumDyXhat;
            }
            if (dBeta != null) {
                dBeta[j] = sumDy;
            }
            float scale = (gamma == null ? 1f : gamma[j]) * inv;
            float meanDy = count == 0 ? 0f : sumDy / count, meanDyXhat = count == 0 ? 0f : sumDyXhat / count;
            for (int i = 0; i < batch; i++) {
                for (int s = i * stride + j * positions, end = s + positions; s < end; s++) {
                    float xhat = (x[s] - m) * inv;
                    float v = scale * (dy[s] - meanDy - xhat * meanDyXhat);
                    dx[s] = gate == null || gate[s] > 0f ? v : 0f;
                }
            }
        }
    }

    /*
     * 3 × 3 convolutions, stride 1, no padding, over NCHW images x[B × C·H·W] and filters
     * w[N × C·9] (PyTorch's (N, C, 3, 3)); the output maps are (H − 2) × (W − 2).
     */

    /** {@code y[b, n, i, j] = Σ_{c,u,v} x[b, c, i+u, j+v] w[n, c, u, v] + bias[n]}, then ReLU when {@code relu}. */
    public static void conv3x3(float[] x, float[] w, float[] bias, float[] y, int batch, int channels,
                               int height, int width, int filters, boolean relu) {
        int oh = height - 2, ow = width - 2, map = height * width;
        for (int b = 0; b < batch; b++) {
            int xb = b * channels * map;
            for (int n = 0; n < filters; n++) {
                int yo = (b * filters + n) * oh * ow;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        float sum = bias == null ? 0f : bias[n];
                        for (int c = 0; c < channels; c++) {
                            int xo = xb + c * map + i * width + j, wo = (n * channels + c) * 9;
                            for (int u = 0; u < 3; u++) {
                                for (int v = 0; v < 3; v++) {
                                    sum += x[xo + u * width + v] * w[wo + u * 3 + v];
                                }
                            }
                        }
                        y[yo + i * ow + j] = relu ? Math.max(sum, 0f) : sum;
                    }
                }
            }
        }
    }

    /**
     * {@code dx[b, c, p, q] = Σ_{n,u,v} dy[b, n, p−u, q−v] w[n, c, u, v]} over the output positions
     * that exist, then 0 where {@code gate ≤ 0} when a gate is given. Gathered per input element,
     * so each is written once and nothing needs clearing first.
     */
    public static void conv3x3BackwardInput(float[] dy, float[] w, float[] gate, float[] dx, int batch, int channels,
                                            int height, int width, int filters) {
        int oh = height - 2, ow = width - 2, map = height * width;
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < height; p++) {
                    for (int q = 0; q < width; q++) {
                        float sum = 0f;
                        for (int n = 0; n < filters; n++) {
                            int dyo = (b * filters + n) * oh * ow, wo = (n * channels + c) * 9;
                            for (int u = Math.max(0, p - oh + 1); u <= Math.min(2, p); u++) {
                                for (int v = Math.max(0, q - ow + 1); v <= Math.min(2, q); v++) {
                                    sum += dy[dyo + (p - u) * ow + q - v] * w[wo + u * 3 + v];
                                }
                            }
                        }
                        int at = (b * channels + c) * map + p * width + q;
                        dx[at] = gate == null || gate[at] > 0f ? sum : 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code w = wScale·w + gScale·dw} with {@code dw[n, c, u, v] = Σ_{b,i,j} dy[b, n, i, j] x[b, c, i+u, j+v]},
     * and {@code bias} likewise with {@code Σ_{b,i,j} dy[b, n, i, j]} (may be null): the gradient when
     * wScale = 0 (the old w is then not read, so a NaN in the buffer does not survive), SGD when 1.
     */
    public static void conv3x3WeightGrad(float[] dy, float[] x, float[] w, float[] bias, int batch, int channels,
                                         int height, int width, int filters, float wScale, float gScale) {
        int oh = height - 2, ow = width - 2, map = height * width;
        for (int n = 0; n < filters; n++) {
            for (int c = 0; c < channels; c++) {
                for (int u = 0; u < 3; u++) {
                    for (int v = 0; v < 3; v++) {
                        float sum = 0f;
                        for (int b = 0; b < batch; b++) {
                            int dyo = (b * filters + n) * oh * ow, xo = (b * channels + c) * map + u * width + v;
                            for (int i = 0; i < oh; i++) {
                                for (int j = 0; j < ow; j++) {
                                    sum += dy[dyo + i * ow + j] * x[xo + i * width + j];
                                }
                            }
                        }
                        int at = (n * channels + c) * 9 + u * 3 + v;
                        w[at] = (wScale == 0f ? 0f : wScale * w[at]) + gScale * sum;
                    }
                }
            }
            if (bias != null) {
                float sum = 0f;
                for (int b = 0; b < batch; b++) {
                    for (int s = (b * filters + n) * oh * ow, end = s + oh * ow; s < end; s++) {
                        sum += dy[s];
                    }
                }
                bias[n] = (wScale == 0f ? 0f : wScale * bias[n]) + gScale * sum;
            }
        }
    }

    /** {@code y[b·S + s, c] = x[b, c·S + s]} for {@code x[batch × channels·positions]}. */
    public static void channelsToRows(float[] x, float[] y, int batch, int channels, int positions) {
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int s = 0; s < positions; s++) {
                    y[(b * positions + s) * channels + c] = x[(b * channels + c) * positions + s];
                }
            }
        }
    }
}
