package org.relukit.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of the convolutional layers, around {@link SimdKernels#gemm}: a 3 × 3
 * convolution of one image is a product with its patch matrix (im2col), and its input gradient a
 * product scattered back onto the image (col2im); BatchNorm2d over NCHW maps, whose channel runs
 * are contiguous. Images are rows of {@code x[B × C·H·W]}; a patch matrix is
 * {@code cols[C·9 × P]}, row {@code c·9 + u·3 + v} holding {@code x[c, i+u, j+v]} at column
 * {@code i·ow + j} for the {@code P = oh·ow} output positions; several images' patch matrices lie
 * side by side in one wider array, so one product serves them all.
 */
final class ConvKernels {
    private static final VectorSpecies<Float> S = SimdSpecies.FLOAT;
    private static final int V = S.length();

    private ConvKernels() {}

    /**
     * The rows of channels {@code [firstChannel, firstChannel + channels)} of the patch matrices of
     * {@code images} consecutive images, the first at {@code x[xOff]}, side by side in
     * {@code cols[channels·9 × ld]}: image g's columns are {@code [g·P, (g+1)·P)} of every row.
     * Runs of a map row are copied whole vectors at a time: a run's overshoot lands where the next
     * run (or the array's slack) is written next, since the writes go in address order (row, then
     * image, then map row), and its loads stay within the image tensor's slack.
     */
    static void im2col(float[] x, int xOff, int imageStride, int images, int firstChannel, int channels,
                       int height, int width, float[] cols, int ld) {
        int oh = height - 2, ow = width - 2, positions = oh * ow, map = height * width;
        int row = 0;
        for (int c = firstChannel; c < firstChannel + channels; c++) {
            for (int u = 0; u < 3; u++) {
                for (int v = 0; v < 3; v++, row += ld) {
                    for (int g = 0; g < images; g++) {
                        int from = xOff + g * imageStride + c * map + u * width + v, to = row + g * positions;
                        for (int i = 0; i < oh; i++) {
                            int src = from + i * width, dst = to + i * ow;
                            for (int q = 0; q < ow; q += V) {
                                FloatVector.fromArray(S, x, src + q).intoArray(cols, dst + q);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The input gradient of {@code channels} maps of one image, the first at {@code dx[dxOff]}, from
     * its columns {@code [colOff, colOff + P)} of their patch-matrix gradient {@code dcols[channels·9 × ld]}:
     * clears the maps, adds every patch entry back where it was read from, then zeroes where
     * {@code gate ≤ 0} when a gate (shaped like dx) is given.
     */
    static void col2im(float[] dcols, int ld, int colOff, int channels, int height, int width, float[] gate,
                       float[] dx, int dxOff) {
        int oh = height - 2, ow = width - 2, map = height * width;
        Arrays.fill(dx, dxOff, dxOff + channels * map, 0f);
        int row = colOff;
        for (int c = 0; c < channels; c++) {
            for (int u = 0; u < 3; u++) {
                for (int v = 0; v < 3; v++, row += ld) {
                    int to = dxOff + c * map + u * width + v;
                    for (int i = 0; i < oh; i++) {
                        addRun(dcols, row + i * ow, dx, to + i * width, ow);
                    }
                }
            }
        }
        if (gate != null) {
            applyGate(dx, gate, dxOff, channels * map);
        }
    }

    /**
     * The {@code maps[N × P]} of {@code images} consecutive images, the first at {@code y[yOff]},
     * side by side in {@code out[N × ld]}, as {@link #im2col} lays out their patches.
     */
    static void sideBySide(float[] y, int yOff, int imageStride, int images, int filters, int positions,
                           float[] out, int ld) {
        for (int g = 0; g < images; g++) {
            for (int n = 0; n < filters; n++) {
                System.arraycopy(y, yOff + g * imageStride + n * positions, out, n * ld + g * positions, positions);
            }
        }
    }

    /**
     * Columns {@code [from, from + count)} of the row-major {@code w[rows × k]} into {@code out[rows × count]},
     * returned: a block of filters' weights for a product, which reads its operands from index 0.
     */
    static float[] columnBlock(float[] w, int rows, int k, int from, int count, float[] out) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(w, r * k + from, out, r * count, count);
        }
        return out;
    }

    /** {@code dst[to + q] += src[from + q]} for q < length; the last partial vector's store is masked. */
    private static void addRun(float[] src, int from, float[] dst, int to, int length) {
        int q = 0;
        for (; q + V <= length; q += V) {
            FloatVector.fromArray(S, src, from + q).add(FloatVector.fromArray(S, dst, to + q)).intoArray(dst, to + q);
        }
        if (q < length) {
            FloatVector.fromArray(S, src, from + q).add(FloatVector.fromArray(S, dst, to + q))
                    .intoArray(dst, to + q, S.indexInRange(q, length));
        }
    }

    /** {@code x[i] = 0} where {@code gate[i] ≤ 0}, for i in [from, from + count). */
    static void applyGate(float[] x, float[] gate, int from, int count) {
        int i = from, end = from + count;
        for (; i + V <= end; i += V) {
            FloatVector.fromArray(S, x, i).blend(0f, FloatVector.fromArray(S, gate, i).compare(VectorOperators.LE, 0f))
                    .intoArray(x, i);
        }
        for (; i < end; i++) {
            x[i] = gate[i] > 0f ? x[i] : 0f;
        }
    }

    /**
     * {@code y[yOff + r·cols + q] = src[r·ld + srcOff + q] + bias[r]} (bias may be null), then ReLU
     * when asked: one image's conv output from its columns of a product, with one bias per filter
     * (per row, where the product's own epilogue adds one per column).
     */
    static void addRowBias(float[] src, int ld, int srcOff, int rows, int cols, float[] bias, boolean relu,
                           float[] y, int yOff) {
        for (int r = 0; r < rows; r++) {
            float b = bias == null ? 0f : bias[r];
            int from = r * ld + srcOff, to = yOff + r * cols, q = 0;
            for (; q + V <= cols; q += V) {
                FloatVector v = FloatVector.fromArray(S, src, from + q).add(b);
                (relu ? v.max(0f) : v).intoArray(y, to + q);
            }
            for (; q < cols; q++) {
                float v = src[from + q] + b;
                y[to + q] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /**
     * {@code w[n·k + p] = beta·w[n·k + p] + alpha·t[p·filters + n]}: a weight gradient accumulated
     * transposed ({@code t[k × filters]}), applied to {@code w[filters × k]}; with beta = 0 the old w
     * is not read.
     */
    static void addTransposed(float[] t, int k, int filters, float[] w, float alpha, float beta) {
        for (int n = 0; n < filters; n++) {
            for (int p = 0; p < k; p++) {
                float g = alpha * t[p * filters + n];
                w[n * k + p] = beta == 0f ? g : beta * w[n * k + p] + g;
            }
        }
    }

    /** {@code out[n] = beta·out[n] + alpha·Σ_{b,s} dy[(b·filters + n)·positions + s]}: a conv bias gradient. */
    static void channelSums(float[] dy, int batch, int filters, int positions, float[] out, float alpha, float beta) {
        for (int n = 0; n < filters; n++) {
            float g = alpha * channelSum(dy, batch, filters, positions, n);
            out[n] = beta == 0f ? g : beta * out[n] + g;
        }
    }

    /*
     * BatchNorm2d over x[B × C·S]: channel j of sample b is the run x[(b·C + j)·S, +S). The same
     * math as the scalar kernels (two passes for the variance), with each channel's sums taken over
     * vectors of its runs; the lanes are added in a fixed order, not by reduceLanes, whose order may
     * change once C2 compiles it, so a run gives the same bits every time.
     */

    static void batchNormTrain(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                               float momentum, float eps, boolean relu, float[] y, float[] mean, float[] invStd,
                               int batch, int channels, int positions) {
        int count = batch * positions;
        for (int j = 0; j < channels; j++) {
            float m = count == 0 ? 0f : channelSum(x, batch, channels, positions, j) / count;
            float sq = channelDot(x, m, x, m, batch, channels, positions, j);
            float var = count == 0 ? 0f : sq / count;
            float inv = (float) (1 / Math.sqrt(var + eps));
            mean[j] = m;
            invStd[j] = inv;
            if (count > 0) {
                // PyTorch keeps the unbiased variance; one value has none, so its biased one (0) is kept.
                float unbiased = count > 1 ? sq / (count - 1) : var;
                runningMean[j] = (1 - momentum) * runningMean[j] + momentum * m;
                runningVar[j] = (1 - momentum) * runningVar[j] + momentum * unbiased;
            }
            normalizeChannel(x, m, (gamma == null ? 1f : gamma[j]) * inv, beta == null ? 0f : beta[j], relu, y,
                    batch, channels, positions, j);
        }
    }

    static void batchNormEval(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                              float eps, boolean relu, float[] y, int batch, int channels, int positions) {
        for (int j = 0; j < channels; j++) {
            float inv = (float) (1 / Math.sqrt(runningVar[j] + eps));
            normalizeChannel(x, runningMean[j], (gamma == null ? 1f : gamma[j]) * inv, beta == null ? 0f : beta[j],
                    relu, y, batch, channels, positions, j);
        }
    }

    /**
     * As the scalar kernel: {@code dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))}, written as
     * {@code dy·scale + (x − mean)·slope + shift} so each element is two FMAs.
     */
    static void batchNormBackward(float[] dy, float[] x, float[] gamma, float[] mean, float[] invStd, float[] gate,
                                  float[] dx, float[] dGamma, float[] dBeta, int batch, int channels, int positions) {
        int count = batch * positions, stride = channels * positions;
        for (int j = 0; j < channels; j++) {
            float m = mean[j], inv = invStd[j];
            float sumDy = channelSum(dy, batch, channels, positions, j);
            float sumDyXhat = channelDot(dy, 0f, x, m, batch, channels, positions, j) * inv;
            if (dGamma != null) {
                dGamma[j] = sumDyXhat;
            }
            if (dBeta != null) {
                dBeta[j] = sumDy;
            }
            float scale = (gamma == null ? 1f : gamma[j]) * inv;
            float meanDy = count == 0 ? 0f : sumDy / count, meanDyXhat = count == 0 ? 0f : sumDyXhat / count;
            float slope = -scale * inv * meanDyXhat, shift = -scale * meanDy;
            for (int b = 0; b < batch; b++) {
                int off = b * stride + j * positions, s = 0;
                for (; s < S.loopBound(positions); s += V) {
                    FloatVector v = FloatVector.fromArray(S, x, off + s).sub(m).mul(slope)
                            .add(FloatVector.fromArray(S, dy, off + s).mul(scale)).add(shift);
                    if (gate != null) {
                        v = v.blend(0f, FloatVector.fromArray(S, gate, off + s).compare(VectorOperators.LE, 0f));
                    }
                    v.intoArray(dx, off + s);
                }
                for (; s < positions; s++) {
                    float v = (x[off + s] - m) * slope + dy[off + s] * scale + shift;
                    dx[off + s] = gate == null || gate[off + s] > 0f ? v : 0f;
                }
            }
        }
    }

    /** {@code y = (x − mean)·scale + shift} over channel j, then ReLU when asked. */
    private static void normalizeChannel(float[] x, float mean, float scale, float shift, boolean relu, float[] y,
                                         int batch, int channels, int positions, int j) {
        for (int b = 0; b < batch; b++) {
            int off = (b * channels + j) * positions, s = 0;
            for (; s < S.loopBound(positions); s += V) {
                FloatVector v = FloatVector.fromArray(S, x, off + s).sub(mean).mul(scale).add(shift);
                (relu ? v.max(0f) : v).intoArray(y, off + s);
            }
            for (; s < positions; s++) {
                float v = (x[off + s] - mean) * scale + shift;
                y[off + s] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /** Σ of channel j's values over the batch and the map. */
    private static float channelSum(float[] a, int batch, int channels, int positions, int j) {
        FloatVector acc = FloatVector.zero(S);
        float tail = 0f;
        for (int b = 0; b < batch; b++) {
            int off = (b * channels + j) * positions, s = 0;
            for (; s < S.loopBound(positions); s += V) {
                acc = acc.add(FloatVector.fromArray(S, a, off + s));
            }
            for (; s < positions; s++) {
                tail += a[off + s];
            }
        }
        // Lanes summed in a fixed order (reduceLanes' order is the CPU's). Here, not in a helper:
        // a vector passed to a call that C2 leaves un-inlined is boxed (entry 36 of jmh/PERFORMANCE.md).
        float sum = 0f;
        for (int lane = 0; lane < V; lane++) {
            sum += acc.lane(lane);
        }
        return sum + tail;
    }

    /** Σ (a − aCentre)·(b − bCentre) over channel j: the squared deviations, or dy against x's. */
    private static float channelDot(float[] a, float aCentre, float[] b, float bCentre,
                                    int batch, int channels, int positions, int j) {
        FloatVector acc = FloatVector.zero(S);
        float tail = 0f;
        for (int i = 0; i < batch; i++) {
            int off = (i * channels + j) * positions, s = 0;
            for (; s < S.loopBound(positions); s += V) {
                FloatVector da = FloatVector.fromArray(S, a, off + s).sub(aCentre);
                acc = da.fma(FloatVector.fromArray(S, b, off + s).sub(bCentre), acc);
            }
            for (; s < positions; s++) {
                tail += (a[off + s] - aCentre) * (b[off + s] - bCentre);
            }
        }
        // As in channelSum.
        float sum = 0f;
        for (int lane = 0; lane < V; lane++) {
            sum += acc.lane(lane);
        }
        return sum + tail;
    }
}
