package org.relukit.nn;

import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * A deep ReLU network on a backend: hidden layers {@code h = relu(W h_prev + b)} and a linear
 * output layer. Its tensors live on the backend for the network's whole life.
 *
 * <p>With BatchNorm ({@code --bn}, {@code --teacher_bn}) every hidden layer gets a BatchNorm1d,
 * by default after its ReLU, {@code h = BN(relu(W h_prev + b))}, as the seed's model does (its
 * {@code bn_before_relu=False}); with {@code bnBeforeRelu}, {@code h = relu(BN(W h_prev + b))}.
 * Either way {@code h} is what the layer above reads and what the correlations are measured on.
 */
public final class Network implements AutoCloseable {
    /** PyTorch's BatchNorm1d defaults. */
    static final float BN_EPS = 1e-5f, BN_MOMENTUM = 0.1f;

    private final Backend backend;
    private final int[] widths;
    final Tensor[] weights;
    /** Entries are null for a network without biases. */
    final Tensor[] biases;
    /** Per hidden layer; all null without BatchNorm, gamma and beta null without its affine parameters. */
    final Tensor[] bnGamma, bnBeta, bnRunningMean, bnRunningVar;
    private final boolean batchNorm;
    private final boolean bnBeforeRelu;

    public Network(Backend backend, List<Layer> layers) {
        this(backend, layers, List.of(), false);
    }

    /**
     * @param norms one BatchNorm per hidden layer, or an empty list for none
     * @param bnBeforeRelu BatchNorm between the linear map and the ReLU instead of after the ReLU
     */
    public Network(Backend backend, List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu) {
        this.backend = backend;
        this.widths = new int[layers.size() + 1];
        this.weights = new Tensor[layers.size()];
        this.biases = new Tensor[layers.size()];
        int hidden = layers.size() - 1;
        if (!norms.isEmpty() && norms.size() != hidden) {
            throw new IllegalArgumentException(norms.size() + " BatchNorm layers for " + hidden + " hidden layers");
        }
        this.batchNorm = !norms.isEmpty();
        this.bnBeforeRelu = bnBeforeRelu;
        this.bnGamma = new Tensor[hidden];
        this.bnBeta = new Tensor[hidden];
        this.bnRunningMean = new Tensor[hidden];
        this.bnRunningVar = new Tensor[hidden];
        widths[0] = layers.getFirst().k();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            if (layer.k() != widths[l]) {
                throw new IllegalArgumentException("layer " + l + " has fan-in " + layer.k() + ", the layer below has " + widths[l] + " nodes");
            }
            widths[l + 1] = layer.n();
            weights[l] = backend.allocate(layer.n(), layer.k());
            backend.upload(layer.weights(), weights[l]);
            if (layer.bias() != null) {
                biases[l] = backend.allocate(1, layer.n());
                backend.upload(layer.bias(), biases[l]);
            }
            if (batchNorm && l < hidden) {
                BatchNormLayer norm = norms.get(l);
                if (norm.n() != layer.n()) {
                    throw new IllegalArgumentException("BatchNorm " + l + " has " + norm.n() + " nodes, its layer " + layer.n());
                }
                bnGamma[l] = vector(norm.gamma());
                bnBeta[l] = vector(norm.beta());
                bnRunningMean[l] = vector(norm.runningMean());
                bnRunningVar[l] = vector(norm.runningVar());
            }
        }
    }

    private Tensor vector(float[] values) {
        if (values == null) {
            return null;
        }
        Tensor t = backend.allocate(1, values.length);
        backend.upload(values, t);
        return t;
    }

    /** Input width, each hidden width, output width. */
    public int[] widths() {
        return widths.clone();
    }

    public int layerCount() {
        return weights.length;
    }

    public int hiddenCount() {
        return weights.length - 1;
    }

    public int width(int layer) {
        return widths[layer + 1];
    }

    public boolean batchNorm() {
        return batchNorm;
    }

    public boolean bnBeforeRelu() {
        return bnBeforeRelu;
    }

    /**
     * Forward pass: {@code a.hidden[l]} receives hidden layer l's output, {@code out} the linear
     * output. BatchNorm runs in training mode (batch statistics, kept in {@code a} for the backward,
     * and the running statistics moved) when {@code training}, else in eval mode (running statistics).
     */
    public void forward(Tensor x, Activations a, Tensor out, boolean training) {
        forward(x, a, out, training, BN_MOMENTUM);
    }

    private void forward(Tensor x, Activations a, Tensor out, boolean training, float momentum) {
        Tensor in = x;
        for (int l = 0; l < hiddenCount(); l++) {
            if (!batchNorm) {
                backend.reluMatmul(in, weights[l], biases[l], a.hidden[l]);
            } else {
                if (bnBeforeRelu) {
                    backend.linear(in, weights[l], biases[l], a.preNorm[l]);
                } else {
                    backend.reluMatmul(in, weights[l], biases[l], a.preNorm[l]);
                }
                if (training) {
                    backend.batchNormTrain(a.preNorm[l], bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l],
                            momentum, BN_EPS, bnBeforeRelu, a.hidden[l], a.batchMean[l], a.batchInvStd[l]);
                } else {
                    backend.batchNormEval(a.preNorm[l], bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l],
                            BN_EPS, bnBeforeRelu, a.hidden[l]);
                }
            }
            in = a.hidden[l];
        }
        backend.linear(in, weights[hiddenCount()], biases[hiddenCount()], out);
    }

    /**
     * Sets every BatchNorm's running statistics to the mean and (unbiased) variance of its input
     * over all of {@code data}, layer by layer (each layer's input normalised by the statistics just
     * set below it): a training-mode pass over the whole set with momentum 1. For a fixed teacher.
     */
    public void fitRunningStatistics(Tensor data) {
        if (!batchNorm) {
            return;
        }
        try (Activations a = allocateActivations(data.rows());
             Tensor out = backend.allocate(data.rows(), width(hiddenCount()))) {
            forward(data, a, out, true, 1f);
        }
    }

    /** Activations for a batch of {@code rows} samples. */
    public Activations allocateActivations(int rows) {
        return new Activations(this, rows);
    }

    /** Copies the weights back to the host, e.g. for a checkpoint or a test. */
    public List<Layer> download() {
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < weights.length; l++) {
            layers.add(new Layer(weights[l].rows(), weights[l].cols(), read(weights[l]), read(biases[l])));
        }
        return layers;
    }

    /** Copies every BatchNorm's parameters and running statistics back to the host; empty without BatchNorm. */
    public List<BatchNormLayer> downloadNorms() {
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; l < hiddenCount() && batchNorm; l++) {
            norms.add(new BatchNormLayer(width(l), read(bnGamma[l]), read(bnBeta[l]),
                    read(bnRunningMean[l]), read(bnRunningVar[l])));
        }
        return norms;
    }

    private float[] read(Tensor t) {
        if (t == null) {
            return null;
        }
        float[] host = new float[t.size()];
        backend.download(t, host);
        return host;
    }

    @Override
    public void close() {
        for (Tensor[] group : new Tensor[][] {weights, biases, bnGamma, bnBeta, bnRunningMean, bnRunningVar}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /**
     * One batch's activations, per hidden layer: its output {@code hidden} and, with BatchNorm,
     * the BatchNorm's input {@code preNorm} (the ReLU's output, or the linear output with
     * BatchNorm before the ReLU) and the batch statistics a training-mode forward kept.
     */
    public static final class Activations implements AutoCloseable {
        final Tensor[] hidden;
        /** Null entries without BatchNorm. */
        final Tensor[] preNorm, batchMean, batchInvStd;
        private final boolean reluBeforeNorm;

        private Activations(Network net, int rows) {
            int count = net.hiddenCount();
            hidden = new Tensor[count];
            preNorm = new Tensor[count];
            batchMean = new Tensor[count];
            batchInvStd = new Tensor[count];
            reluBeforeNorm = net.batchNorm && !net.bnBeforeRelu;
            for (int l = 0; l < count; l++) {
                hidden[l] = net.backend.allocate(rows, net.width(l));
                if (net.batchNorm) {
                    preNorm[l] = net.backend.allocate(rows, net.width(l));
                    batchMean[l] = net.backend.allocate(1, net.width(l));
                    batchInvStd[l] = net.backend.allocate(1, net.width(l));
                }
            }
        }

        /** Hidden layer l's output, the input of layer l + 1. */
        public Tensor hidden(int l) {
            return hidden[l];
        }

        /** The ReLU's output of hidden layer l, whose {@code > 0} pattern is the layer's gate. */
        public Tensor reluOutput(int l) {
            return reluBeforeNorm ? preNorm[l] : hidden[l];
        }

        @Override
        public void close() {
            for (Tensor[] group : new Tensor[][] {hidden, preNorm, batchMean, batchInvStd}) {
                for (Tensor t : group) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }
}
