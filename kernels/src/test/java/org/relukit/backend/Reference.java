package org.relukit.backend;

/**
 * The float64 reference every backend is checked against: the math of docs/math.md#kernels written the
 * plainest way, over float32 inputs widened to double, so that the only error left in a
 * backend's result is its own float32 rounding. Independent of {@code ScalarKernels} on purpose:
 * the scalar backend is itself under test.
 *
 * <p>All matrices are row-major; sizes are passed explicitly, as the kernels take them.
 */
public final class Reference {
    private Reference() {}

    /** One term {@code z[zAt] += x[xAt]·w[wAt]} of a layer's or a convolution's product, by the flat indices of its factors. */
    private interface Term {
        void add(int zAt, int xAt, int wAt);
    }

    /**
     * Every term of a layer's product, {@code z[i, j] += x[i, p] w[j, p]} for z[B×N], x[B×K], w[N×K], in
     * the order the forward sums them: the forward and both gradients are sums over these same terms.
     */
    private static void forEachLayerTerm(int batch, int n, int k, Term term) {
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    term.add(i * n + j, i * k + p, j * k + p);
                }
            }
        }
    }

    /** {@code out[B×N] = x[B×K] wᵀ + b}, then ReLU when {@code relu}; {@code b} may be null. */
    public static double[] layer(float[] x, float[] w, float[] b, int batch, int n, int k, boolean relu) {
        double[] out = new double[batch * n];
        for (int at = 0; b != null && at < out.length; at++) {
            out[at] = b[at % n];
        }
        forEachLayerTerm(batch, n, k, (zAt, xAt, wAt) -> out[zAt] += (double) x[xAt] * w[wAt]);
        for (int at = 0; relu && at < out.length; at++) {
            out[at] = Math.max(out[at], 0);
        }
        return out;
    }

    /** Mean of {@code (ys − yt)²} over all entries. */
    public static double mseLoss(float[] ys, float[] yt) {
        double sum = 0;
        for (int i = 0; i < ys.length; i++) {
            double d = (double) ys[i] - yt[i];
            sum += d * d;
        }
        return sum / ys.length;
    }

    /** {@code dL/dys = 2 (ys − yt) / count}. */
    public static double[] mseGradient(float[] ys, float[] yt) {
        double[] dy = new double[ys.length];
        for (int i = 0; i < ys.length; i++) {
            dy[i] = 2 * ((double) ys[i] - yt[i]) / ys.length;
        }
        return dy;
    }

    /**
     * Softmax cross-entropy of {@code logits[rows × cols]} against the class each teacher row ranks
     * highest (the first of equals): returns {{mean loss}, dLogits} with
     * {@code loss_i = log Σ_j exp(z_ij) − z_i,target} and {@code dLogits = (softmax − onehot) / rows}.
     */
    public static double[][] crossEntropy(float[] logits, float[] teacher, int rows, int cols) {
        double[] dLogits = new double[rows * cols];
        double loss = 0;
        for (int i = 0; i < rows; i++) {
            int target = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                if (teacher[i * cols + j] > teacher[i * cols + target]) {
                    target = j;
                }
                max = Math.max(max, logits[i * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(logits[i * cols + j] - max);
            }
            double logSumExp = max + Math.log(sum);
            loss += logSumExp - logits[i * cols + target];
            for (int j = 0; j < cols; j++) {
                double softmax = Math.exp(logits[i * cols + j] - logSumExp);
                dLogits[i * cols + j] = (softmax - (j == target ? 1 : 0)) / rows;
            }
        }
        return new double[][] {{rows == 0 ? 0 : loss / rows}, dLogits};
    }

    /** {@code dx[B×K] = (dz[B×N] w[N×K]) ⊙ (h > 0)}; not gated when {@code h} is null. */
    public static double[] backwardInput(float[] dz, float[] w, float[] h, int batch, int n, int k) {
        double[] dx = new double[batch * k];
        forEachLayerTerm(batch, n, k, (zAt, xAt, wAt) -> dx[xAt] += (double) dz[zAt] * w[wAt]);
        for (int at = 0; h != null && at < dx.length; at++) {
            if (!(h[at] > 0)) {
                dx[at] = 0;
            }
        }
        return dx;
    }

    /** {@code dw[N×K] = dz[B×N]ᵀ x[B×K]}. */
    public static double[] weightGrad(float[] dz, float[] x, int batch, int n, int k) {
        double[] dw = new double[n * k];
        forEachLayerTerm(batch, n, k, (zAt, xAt, wAt) -> dw[wAt] += (double) dz[zAt] * x[xAt]);
        return dw;
    }

    /** {@code db[N] = Σ_rows dz[B×N]}. */
    public static double[] columnSums(float[] dz, int batch, int n) {
        double[] db = new double[n];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < n; j++) {
                db[j] += dz[i * n + j];
            }
        }
        return db;
    }

    /** {@code p − lr·g}, element-wise. */
    public static double[] step(float[] p, double[] g, double lr) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i] - lr * g[i];
        }
        return out;
    }

    /** PyTorch SGD: {@code g = grad + wd·p; v = momentum·v + g; p −= lr·v}. Returns {p, v}. */
    public static double[][] sgdUpdate(float[] p, float[] grad, float[] velocity,
                                       double lr, double momentum, double weightDecay) {
        double[] pOut = new double[p.length];
        double[] vOut = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + weightDecay * p[i];
            vOut[i] = momentum * velocity[i] + g;
            pOut[i] = p[i] - lr * vOut[i];
        }
        return new double[][] {pOut, vOut};
    }

    /** Each row of {@code w[N×K]} and its bias divided by (row L2 norm + 1e-5). Returns {w, b}. */
    public static double[][] normalizeRows(float[] w, float[] b, int n, int k) {
        double[] wOut = new double[n * k];
        double[] bOut = b == null ? null : new double[n];
        for (int j = 0; j < n; j++) {
            double sq = 0;
            for (int p = 0; p < k; p++) {
                sq += (double) w[j * k + p] * w[j * k + p];
            }
            double divisor = Math.sqrt(sq) + 1e-5;
            for (int p = 0; p < k; p++) {
                wOut[j * k + p] = w[j * k + p] / divisor;
            }
            if (b != null) {
                bOut[j] = b[j] / divisor;
            }
        }
        return new double[][] {wOut, bOut};
    }

    /**
     * docs/math.md#evaluation-and-correlation: {@code c[Kt×Ks] = Tcᵀ Sc · rsqrt(Σ Tc² + 1e-10) · rsqrt(Σ Sc² + 1e-10)}
     * with every column of {@code t[n×Kt]} and {@code s[n×Ks]} centred over the n samples.
     */
    public static double[] correlation(float[] t, float[] s, int samples, int kt, int ks) {
        double[] tc = centred(t, samples, kt);
        double[] sc = centred(s, samples, ks);
        double[] tInv = inverseNorms(tc, samples, kt);
        double[] sInv = inverseNorms(sc, samples, ks);
        double[] c = new double[kt * ks];
        for (int i = 0; i < samples; i++) {
            for (int a = 0; a < kt; a++) {
                double ta = tc[i * kt + a];
                for (int q = 0; q < ks; q++) {
                    c[a * ks + q] += ta * sc[i * ks + q];
                }
            }
        }
        for (int a = 0; a < kt; a++) {
            for (int q = 0; q < ks; q++) {
                c[a * ks + q] *= tInv[a] * sInv[q];
            }
        }
        return c;
    }

    private static double[] centred(float[] x, int rows, int cols) {
        double[] sums = columnSums(x, rows, cols);
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = x[i * cols + j] - sums[j] / rows;
            }
        }
        return out;
    }

    private static double[] inverseNorms(double[] x, int rows, int cols) {
        double[] inv = new double[cols];
        for (int j = 0; j < cols; j++) {
            double sq = 0;
            for (int i = 0; i < rows; i++) {
                sq += x[i * cols + j] * x[i * cols + j];
            }
            inv[j] = 1 / Math.sqrt(sq + 1e-10);
        }
        return inv;
    }

    /**
     * {@code alpha · op(a) · op(b) + beta · c} with {@code a} stored {@code [rowsA × colsA]},
     * {@code b} stored {@code [rowsB × colsB]}. When {@code beta == 0} the old {@code c} is not
     * read (BLAS convention), so a NaN there does not survive.
     */
    public static double[] matmul(float[] a, int rowsA, int colsA, boolean transposeA,
                                  float[] b, int rowsB, int colsB, boolean transposeB,
                                  float[] c, double alpha, double beta) {
        int m = transposeA ? colsA : rowsA;
        int k = transposeA ? rowsA : colsA;
        int n = transposeB ? rowsB : colsB;
        // op(a) as [m×k] and op(b)ᵀ as [n×k], so the inner loop runs over contiguous memory.
        double[] opA = new double[m * k];
        double[] opBt = new double[n * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                opA[i * k + p] = transposeA ? a[p * colsA + i] : a[i * colsA + p];
            }
        }
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                opBt[j * k + p] = transposeB ? b[j * colsB + p] : b[p * colsB + j];
            }
        }
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += opA[i * k + p] * opBt[j * k + p];
                }
                out[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
        }
        return out;
    }

    public static double[] hadamard(float[] a, float[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = (double) a[i] * b[i];
        }
        return c;
    }

    public static double[] average(float[] a, float[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = ((double) a[i] + b[i]) / 2;
        }
        return c;
    }

    public static double[] gate(float[] z) {
        double[] g = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            g[i] = z[i] > 0 ? 1 : 0;
        }
        return g;
    }

    /** Every column of {@code w[rows×cols]} scaled to unit L2 norm; zero columns unchanged. */
    public static double[] normalizeColumns(float[] w, int rows, int cols) {
        double[] out = new double[rows * cols];
        for (int j = 0; j < cols; j++) {
            double sq = 0;
            for (int i = 0; i < rows; i++) {
                sq += (double) w[i * cols + j] * w[i * cols + j];
            }
            double scale = sq > 0 ? 1 / Math.sqrt(sq) : 1;
            for (int i = 0; i < rows; i++) {
                out[i * cols + j] = w[i * cols + j] * scale;
            }
        }
        return out;
    }

    /**
     * {@code ||out − ref|| / ||ref||} in the L2 norm; when {@code ref} is all zeros, the absolute
     * {@code ||out||}. NaN when {@code out} holds a NaN or an infinity (a comparison with it fails).
     */
    public static double relativeError(float[] out, double[] ref) {
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = out[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(out[i])) {
                return Double.NaN;
            }
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    public static double[] widen(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    /**
     * BatchNorm1d in training mode over the columns of {@code x[B×N]}: returns {y, batch mean,
     * 1/sqrt(biased var + eps), running mean, running var} with the running statistics moved by
     * {@code momentum} using the unbiased variance (the biased one, 0, for one sample; unchanged
     * for none). {@code gamma}/{@code beta} may be null; ReLU after the affine step when {@code relu}.
     */
    public static double[][] batchNormTrain(float[] x, float[] gamma, float[] beta, float[] runningMean,
                                            float[] runningVar, double momentum, double eps, boolean relu,
                                            int batch, int n) {
        double[] mean = new double[n], invStd = new double[n];
        double[] rm = widen(runningMean), rv = widen(runningVar);
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (int i = 0; i < batch; i++) {
                sum += x[i * n + j];
            }
            mean[j] = batch == 0 ? 0 : sum / batch;
            double sq = 0;
            for (int i = 0; i < batch; i++) {
                sq += (x[i * n + j] - mean[j]) * (x[i * n + j] - mean[j]);
            }
            double var = batch == 0 ? 0 : sq / batch;
            invStd[j] = 1 / Math.sqrt(var + eps);
            if (batch > 0) {
                rm[j] = (1 - momentum) * rm[j] + momentum * mean[j];
                rv[j] = (1 - momentum) * rv[j] + momentum * (batch > 1 ? sq / (batch - 1) : var);
            }
        }
        return new double[][] {batchNormApply(x, gamma, beta, mean, invStd, relu, batch, n), mean, invStd, rm, rv};
    }

    /** BatchNorm1d in eval mode: {@code γ (x − runningMean) / sqrt(runningVar + eps) + β}, ReLU when asked. */
    public static double[] batchNormEval(float[] x, float[] gamma, float[] beta, float[] runningMean,
                                         float[] runningVar, double eps, boolean relu, int batch, int n) {
        double[] invStd = new double[n];
        for (int j = 0; j < n; j++) {
            invStd[j] = 1 / Math.sqrt(runningVar[j] + eps);
        }
        return batchNormApply(x, gamma, beta, widen(runningMean), invStd, relu, batch, n);
    }

    private static double[] batchNormApply(float[] x, float[] gamma, float[] beta, double[] mean, double[] invStd,
                                           boolean relu, int batch, int n) {
        double[] y = new double[batch * n];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < n; j++) {
                double v = (x[i * n + j] - mean[j]) * invStd[j] * (gamma == null ? 1 : gamma[j])
                        + (beta == null ? 0 : beta[j]);
                y[i * n + j] = relu ? Math.max(v, 0) : v;
            }
        }
        return y;
    }

    /**
     * Backward of BatchNorm1d in training mode, written from the chain rule through the batch
     * mean and variance (not the kernels' folded form): with {@code x̂ = (x − mean)·invStd},
     * {@code dx̂ = γ dy}, {@code dvar = Σ dx̂ (x − mean) · (−½) invStd³},
     * {@code dmean = −invStd Σ dx̂ − 2 dvar Σ(x − mean)/B},
     * {@code dx = dx̂ invStd + 2 dvar (x − mean)/B + dmean/B}, gated by {@code gate > 0} when given.
     * Returns {dx, dGamma, dBeta}.
     */
    public static double[][] batchNormBackward(float[] dy, float[] x, float[] gamma, float[] mean, float[] invStd,
                                               float[] gate, int batch, int n) {
        double[] dx = new double[batch * n], dGamma = new double[n], dBeta = new double[n];
        for (int j = 0; j < n; j++) {
            double g = gamma == null ? 1 : gamma[j], inv = invStd[j], m = mean[j];
            double dVar = 0, sumDxhat = 0, sumCentred = 0;
            for (int i = 0; i < batch; i++) {
                double centred = x[i * n + j] - m, dxhat = g * dy[i * n + j];
                dBeta[j] += dy[i * n + j];
                dGamma[j] += dy[i * n + j] * centred * inv;
                dVar += dxhat * centred * -0.5 * inv * inv * inv;
                sumDxhat += dxhat;
                sumCentred += centred;
            }
            double dMean = -inv * sumDxhat - 2 * dVar * sumCentred / batch;
            for (int i = 0; i < batch; i++) {
                double centred = x[i * n + j] - m;
                double v = g * dy[i * n + j] * inv + 2 * dVar * centred / batch + dMean / batch;
                dx[i * n + j] = gate == null || gate[i * n + j] > 0 ? v : 0;
            }
        }
        return new double[][] {dx, dGamma, dBeta};
    }

    /*
     * Convolutions: a batch of images x[B × C·H·W] in NCHW order, filters w[N × C·9] as PyTorch's
     * (N, C, 3, 3); 3 × 3, stride 1, no padding, so an H × W map gives an (H − 2) × (W − 2) one.
     */

    /**
     * Every term of a 3 × 3 convolution, {@code y[b, n, i, j] += x[b, c, i+u, j+v] w[n, c, u, v]}, in
     * the order the forward sums them: the forward and both gradients are sums over these same terms.
     */
    private static void forEachConvTerm(int batch, int channels, int height, int width, int filters, Term term) {
        int oh = height - 2, ow = width - 2;
        for (int s = 0; s < batch; s++) {
            for (int n = 0; n < filters; n++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yAt = ((s * filters + n) * oh + i) * ow + j;
                        for (int c = 0; c < channels; c++) {
                            for (int u = 0; u < 3; u++) {
                                for (int v = 0; v < 3; v++) {
                                    term.add(yAt, ((s * channels + c) * height + i + u) * width + j + v,
                                            (n * channels + c) * 9 + u * 3 + v);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code y[b, n, i, j] = Σ_{c,u,v} x[b, c, i+u, j+v] w[n, c, u, v] + b[n]}, ReLU when asked; {@code b} may be null. */
    public static double[] conv3x3(float[] x, float[] w, float[] b, int batch, int channels, int height, int width,
                                   int filters, boolean relu) {
        int positions = (height - 2) * (width - 2);
        double[] y = new double[batch * filters * positions];
        for (int at = 0; b != null && at < y.length; at++) {
            y[at] = b[at / positions % filters];
        }
        forEachConvTerm(batch, channels, height, width, filters, (yAt, xAt, wAt) -> y[yAt] += (double) x[xAt] * w[wAt]);
        for (int at = 0; relu && at < y.length; at++) {
            y[at] = Math.max(y[at], 0);
        }
        return y;
    }

    /**
     * The input gradient of {@link #conv3x3}, scattered from each output position to the nine
     * inputs it read: {@code dx[b, c, i+u, j+v] += dy[b, n, i, j] w[n, c, u, v]}, then zero where
     * {@code gate ≤ 0} when a gate is given.
     */
    public static double[] conv3x3BackwardInput(float[] dy, float[] w, float[] gate, int batch, int channels,
                                                int height, int width, int filters) {
        double[] dx = new double[batch * channels * height * width];
        forEachConvTerm(batch, channels, height, width, filters, (yAt, xAt, wAt) -> dx[xAt] += (double) dy[yAt] * w[wAt]);
        if (gate != null) {
            for (int i = 0; i < dx.length; i++) {
                if (!(gate[i] > 0)) {
                    dx[i] = 0;
                }
            }
        }
        return dx;
    }

    /** {@code dw[n, c, u, v] = Σ_{b,i,j} dy[b, n, i, j] x[b, c, i+u, j+v]}, as {@code [N × C·9]}. */
    public static double[] conv3x3WeightGrad(float[] dy, float[] x, int batch, int channels, int height, int width,
                                             int filters) {
        double[] dw = new double[filters * channels * 9];
        forEachConvTerm(batch, channels, height, width, filters, (yAt, xAt, wAt) -> dw[wAt] += (double) dy[yAt] * x[xAt]);
        return dw;
    }

    /** {@code db[n] = Σ_{b,s} dy[b, n·S + s]}: the bias gradient of a conv layer whose maps have S positions. */
    public static double[] channelSums(float[] dy, int batch, int channels, int positions) {
        double[] db = new double[channels];
        for (int s = 0; s < batch; s++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < positions; p++) {
                    db[c] += dy[(s * channels + c) * positions + p];
                }
            }
        }
        return db;
    }

    /** {@code y[b·S + s, c] = x[b, c·S + s]}: one row per (sample, position), one column per channel. */
    public static float[] channelsToRows(float[] x, int batch, int channels, int positions) {
        float[] y = new float[batch * positions * channels];
        for (int s = 0; s < batch; s++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < positions; p++) {
                    y[(s * positions + p) * channels + c] = x[(s * channels + c) * positions + p];
                }
            }
        }
        return y;
    }

    /** The inverse of {@link #channelsToRows}: {@code x[b, c·S + s] = y[b·S + s, c]}. */
    public static double[] rowsToChannels(double[] y, int batch, int channels, int positions) {
        double[] x = new double[y.length];
        for (int s = 0; s < batch; s++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < positions; p++) {
                    x[(s * channels + c) * positions + p] = y[(s * positions + p) * channels + c];
                }
            }
        }
        return x;
    }

    /**
     * BatchNorm2d in training mode over {@code x[B × C·S]}: {@link #batchNormTrain} on the
     * {@code B·S × C} matrix of {@link #channelsToRows}, whose columns are exactly the channels'
     * B·S values. Returns {y (in x's layout), batch mean, 1/std, running mean, running var}.
     */
    public static double[][] batchNorm2dTrain(float[] x, float[] gamma, float[] beta, float[] runningMean,
                                              float[] runningVar, double momentum, double eps, boolean relu,
                                              int batch, int channels, int positions) {
        double[][] rows = batchNormTrain(channelsToRows(x, batch, channels, positions), gamma, beta, runningMean,
                runningVar, momentum, eps, relu, batch * positions, channels);
        rows[0] = rowsToChannels(rows[0], batch, channels, positions);
        return rows;
    }

    /** BatchNorm2d in eval mode: {@link #batchNormEval} per channel, through {@link #channelsToRows}. */
    public static double[] batchNorm2dEval(float[] x, float[] gamma, float[] beta, float[] runningMean,
                                           float[] runningVar, double eps, boolean relu,
                                           int batch, int channels, int positions) {
        double[] rows = batchNormEval(channelsToRows(x, batch, channels, positions), gamma, beta, runningMean,
                runningVar, eps, relu, batch * positions, channels);
        return rowsToChannels(rows, batch, channels, positions);
    }

    /** BatchNorm2d backward: {@link #batchNormBackward} per channel, through {@link #channelsToRows}. Returns {dx, dGamma, dBeta}. */
    public static double[][] batchNorm2dBackward(float[] dy, float[] x, float[] gamma, float[] mean, float[] invStd,
                                                 float[] gate, int batch, int channels, int positions) {
        double[][] rows = batchNormBackward(channelsToRows(dy, batch, channels, positions),
                channelsToRows(x, batch, channels, positions), gamma, mean, invStd,
                gate == null ? null : channelsToRows(gate, batch, channels, positions),
                batch * positions, channels);
        rows[0] = rowsToChannels(rows[0], batch, channels, positions);
        return rows;
    }
}
