package org.relukit.nn;

import java.util.List;

/**
 * A network's forward in float64 on the host, for tests: hidden layers {@code relu(W h + b)} with
 * an optional BatchNorm after the ReLU (or before it), in training mode (batch statistics) or eval
 * mode (running statistics), and a linear output layer. Row-major batches of {@code rows} samples.
 */
public final class Float64Network {
    private final List<Layer> layers;
    private final List<BatchNormLayer> norms;
    private final boolean bnBeforeRelu;
    /** After {@link #forward}: per hidden layer, the ReLU's output (its > 0 pattern is the gate) and the batch mean of the BatchNorm's input. */
    public double[][] reluOutput, batchMean, batchVarUnbiased;

    public Float64Network(List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu) {
        this.layers = layers;
        this.norms = norms;
        this.bnBeforeRelu = bnBeforeRelu;
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
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            int n = layer.n();
            double[] z = new double[rows * n];
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < n; j++) {
                    double sum = layer.bias() == null ? 0 : layer.bias()[j];
                    for (int p = 0; p < layer.k(); p++) {
                        sum += in[b * layer.k() + p] * layer.weight(j, p);
                    }
                    z[b * n + j] = sum;
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

    private double[] batchNorm(int l, double[] x, int rows, int n, boolean training) {
        BatchNormLayer bn = norms.get(l);
        double[] y = new double[x.length];
        batchMean[l] = new double[n];
        batchVarUnbiased[l] = new double[n];
        for (int j = 0; j < n; j++) {
            double mean = 0, var = 0;
            for (int b = 0; b < rows; b++) {
                mean += x[b * n + j];
            }
            mean /= rows;
            for (int b = 0; b < rows; b++) {
                var += (x[b * n + j] - mean) * (x[b * n + j] - mean);
            }
            batchMean[l][j] = mean;
            batchVarUnbiased[l][j] = var / (rows - 1);
            var /= rows;
            if (!training) {
                mean = bn.runningMean()[j];
                var = bn.runningVar()[j];
            }
            double inv = 1 / Math.sqrt(var + Network.BN_EPS);
            for (int b = 0; b < rows; b++) {
                double v = (x[b * n + j] - mean) * inv;
                y[b * n + j] = bn.affine() ? bn.gamma()[j] * v + bn.beta()[j] : v;
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
