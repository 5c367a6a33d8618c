package org.relukit.nn;

import java.util.List;

/**
 * A network's forward in float64 on the host, for tests: hidden layers {@code relu(W h + b)} with
 * an optional BatchNorm after the ReLU (or before it), in training mode (batch statistics) or eval
 * mode (running statistics), and a linear output layer. Row-major batches of {@code rows} samples.
 * Given an input image, the hidden layers are 3 × 3 convolutions without padding and a BatchNorm
 * normalises each channel over the batch and the positions of its map.
 */
public final class Float64Network {
    private final List<Layer> layers;
    private final List<BatchNormLayer> norms;
    private final boolean bnBeforeRelu;
    /** Null for a fully connected network. */
    private final ImageShape image;
    /** After {@link #forward}: per hidden layer, the ReLU's output (its > 0 pattern is the gate) and the batch mean of the BatchNorm's input. */
    public double[][] reluOutput, batchMean, batchVarUnbiased;

    public Float64Network(List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu) {
        this(layers, norms, bnBeforeRelu, null);
    }

    public Float64Network(List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu, ImageShape image) {
        this.layers = layers;
        this.norms = norms;
        this.bnBeforeRelu = bnBeforeRelu;
        this.image = image;
    }

    public Float64Network(List<Layer> layers) {
        this(layers, List.of(), false);
    }

    public double[] forward(float[] x, int rows, boolean training) {
        int hidden = layers.size() - 1;
        reluOutput = new double[hidden][];
        batchMean = new double[hidden][];
        batchVarUnbiased = new double[hidden][];
        double[] in = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            in[i] = x[i];
        }
        int height = image == null ? 1 : image.height(), width = image == null ? 1 : image.width();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            int n = layer.n();
            double[] z;
            if (image != null && l < hidden) {
                z = conv(layer, in, rows, height, width);
                height -= 2;
                width -= 2;
            } else {
                z = new double[rows * n];
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < n; j++) {
                        double sum = layer.bias() == null ? 0 : layer.bias()[j];
                        for (int p = 0; p < layer.k(); p++) {
                            sum += in[b * layer.k() + p] * layer.weight(j, p);
                        }
                        z[b * n + j] = sum;
                    }
                }
            }
            if (l == hidden) {
                return z;
            }
            if (norms.isEmpty()) {
                in = relu(z);
                reluOutput[l] = in;
            } else if (bnBeforeRelu) {
                in = relu(batchNorm(l, z, rows, n, training));
                reluOutput[l] = in;
            } else {
                reluOutput[l] = relu(z);
                in = batchNorm(l, reluOutput[l], rows, n, training);
            }
        }
        throw new AssertionError("a network has an output layer");
    }

    /** 3 × 3, stride 1, no padding: {@code z[b, n, i, j] = Σ x[b, c, i+u, j+v] w[n, c, u, v] + bias[n]}. */
    private static double[] conv(Layer layer, double[] x, int rows, int height, int width) {
        int channels = layer.k() / 9, outH = height - 2, outW = width - 2, n = layer.n();
        double[] z = new double[rows * n * outH * outW];
        for (int b = 0; b < rows; b++) {
            for (int f = 0; f < n; f++) {
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        double sum = layer.bias() == null ? 0 : layer.bias()[f];
                        for (int c = 0; c < channels; c++) {
                            for (int u = 0; u < 3; u++) {
                                for (int v = 0; v < 3; v++) {
                                    sum += x[((b * channels + c) * height + i + u) * width + j + v]
                                            * layer.weight(f, c * 9 + u * 3 + v);
                                }
                            }
                        }
                        z[((b * n + f) * outH + i) * outW + j] = sum;
                    }
                }
            }
        }
        return z;
    }

    /** Per channel j of {@code x[rows × n·S]}, over the rows and the S positions of its map (S = 1 for FC). */
    private double[] batchNorm(int l, double[] x, int rows, int n, boolean training) {
        BatchNormLayer bn = norms.get(l);
        int positions = x.length / (rows * n), count = rows * positions;
        double[] y = new double[x.length];
        batchMean[l] = new double[n];
        batchVarUnbiased[l] = new double[n];
        for (int j = 0; j < n; j++) {
            double mean = 0, var = 0;
            for (int b = 0; b < rows; b++) {
                for (int s = 0; s < positions; s++) {
                    mean += x[(b * n + j) * positions + s];
                }
            }
            mean /= count;
            for (int b = 0; b < rows; b++) {
                for (int s = 0; s < positions; s++) {
                    double d = x[(b * n + j) * positions + s] - mean;
                    var += d * d;
                }
            }
            batchMean[l][j] = mean;
            batchVarUnbiased[l][j] = var / (count - 1);
            var /= count;
            if (!training) {
                mean = bn.runningMean()[j];
                var = bn.runningVar()[j];
            }
            double inv = 1 / Math.sqrt(var + Network.BN_EPS);
            for (int b = 0; b < rows; b++) {
                for (int s = 0; s < positions; s++) {
                    int i = (b * n + j) * positions + s;
                    double v = (x[i] - mean) * inv;
                    y[i] = bn.affine() ? bn.gamma()[j] * v + bn.beta()[j] : v;
                }
            }
        }
        return y;
    }

    private static double[] relu(double[] z) {
        double[] h = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            h[i] = Math.max(z[i], 0);
        }
        return h;
    }
}
