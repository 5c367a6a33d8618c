package org.relukit.nn;

import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * A deep ReLU network on a backend: hidden layers {@code h = relu(W h_prev + b)} and a linear
 * output layer. Its tensors live on the backend for the network's whole life.
 *
 * <p>Given an input {@link ImageShape}, every hidden layer is a 3 × 3 convolution instead
 * (stride 1, no padding: each map loses 2 rows and 2 columns), {@code h = relu(W * h_prev + b)}
 * with one filter row {@code W[n × C·9]} per output channel, and the output layer reads the last
 * stack of maps flattened channel-major (docs/math.md#convolutional-networks). A hidden layer's
 * {@link #nodes} are then its channels and its {@link #width} its channels times positions.
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
    /** Null for a fully connected network. */
    private final ImageShape image;
    /** Per conv hidden layer, the height and width of its input maps. */
    private final int[] mapHeight, mapWidth;

    public Network(Backend backend, List<Layer> layers) {
        this(backend, layers, List.of(), false);
    }

    public Network(Backend backend, List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu) {
        this(backend, layers, norms, bnBeforeRelu, null);
    }

    /**
     * @param norms one BatchNorm per hidden layer, or an empty list for none
     * @param bnBeforeRelu BatchNorm between the linear map and the ReLU instead of after the ReLU
     * @param image the input image of a convolutional network, or null for a fully connected one
     */
    public Network(Backend backend, List<Layer> layers, List<BatchNormLayer> norms, boolean bnBeforeRelu,
                   ImageShape image) {
        this.backend = backend;
        this.image = image;
        this.mapHeight = new int[layers.size() - 1];
        this.mapWidth = new int[layers.size() - 1];
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
        if (image != null && hidden > image.deepestConvStack()) {
            throw new IllegalArgumentException(hidden + " conv layers shrink a " + image + " image to nothing; at most "
                    + image.deepestConvStack() + " fit");
        }
        widths[0] = image != null ? image.size() : layers.getFirst().k();
        int channels = image != null ? image.channels() : 0, height = image != null ? image.height() : 0;
        int width = image != null ? image.width() : 0;
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            boolean conv = image != null && l < hidden;
            // A filter reads 3 x 3 positions of every channel below; the output layer reads every value below.
            int fanIn = conv ? channels * 9 : widths[l];
            if (layer.k() != fanIn) {
                throw new IllegalArgumentException("layer " + l + " has fan-in " + layer.k() + ", the layer below gives "
                        + fanIn + (conv ? " (" + channels + " channels x 3 x 3)" : ""));
            }
            if (conv) {
                mapHeight[l] = height;
                mapWidth[l] = width;
                height -= 2;
                width -= 2;
                channels = layer.n();
            }
            widths[l + 1] = conv ? layer.n() * height * width : layer.n();
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

    /** Input width, each hidden width, output width: the floats per sample of each layer's output. */
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

    /** Whether hidden layer l is a 3 × 3 convolution. */
    public boolean isConv(int layer) {
        return image != null && layer < hiddenCount();
    }

    /** The nodes of layer l, or for a conv layer its channels: what BatchNorm and the correlations run over. */
    public int nodes(int layer) {
        return weights[layer].rows();
    }

    /** The input image of a convolutional network; null for a fully connected one. */
    public ImageShape image() {
        return image;
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
        forward(backend, x, a, out, training, BN_MOMENTUM);
    }

    /** {@link #forward} on {@code on}, a half of this network's backend in a split step ({@link Backend#half}). */
    void forward(Backend on, Tensor x, Activations a, Tensor out, boolean training) {
        forward(on, x, a, out, training, BN_MOMENTUM);
    }

    private void forward(Backend on, Tensor x, Activations a, Tensor out, boolean training, float momentum) {
        Tensor in = x;
        for (int l = 0; l < hiddenCount(); l++) {
            if (!batchNorm) {
                affine(on, l, in, true, a.hidden[l]);
            } else {
                affine(on, l, in, !bnBeforeRelu, a.preNorm[l]);
                if (training) {
                    normTrain(on, l, a.preNorm[l], momentum, a.hidden[l], a.batchMean[l], a.batchInvStd[l]);
                } else {
                    normEval(on, l, a.preNorm[l], a.hidden[l]);
                }
            }
            in = a.hidden[l];
        }
        affine(on, hiddenCount(), in, false, out);
    }

    /** Layer l's map of its input, {@code W h + b} or {@code W * h + b}, ReLU'd when {@code relu}. */
    private void affine(Backend on, int l, Tensor in, boolean relu, Tensor out) {
        if (isConv(l)) {
            on.conv3x3(in, mapHeight[l], mapWidth[l], weights[l], biases[l], relu, out);
        } else if (relu) {
            on.reluMatmul(in, weights[l], biases[l], out);
        } else {
            on.linear(in, weights[l], biases[l], out);
        }
    }

    /** BatchNorm of hidden layer l in training mode: BatchNorm1d per node, or BatchNorm2d per channel; ReLU after it when before the ReLU. */
    private void normTrain(Backend on, int l, Tensor in, float momentum, Tensor out, Tensor batchMean,
                           Tensor batchInvStd) {
        if (isConv(l)) {
            on.batchNorm2dTrain(in, nodes(l), bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l],
                    momentum, BN_EPS, bnBeforeRelu, out, batchMean, batchInvStd);
        } else {
            on.batchNormTrain(in, bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l],
                    momentum, BN_EPS, bnBeforeRelu, out, batchMean, batchInvStd);
        }
    }

    private void normEval(Backend on, int l, Tensor in, Tensor out) {
        if (isConv(l)) {
            on.batchNorm2dEval(in, nodes(l), bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l],
                    BN_EPS, bnBeforeRelu, out);
        } else {
            on.batchNormEval(in, bnGamma[l], bnBeta[l], bnRunningMean[l], bnRunningVar[l], BN_EPS, bnBeforeRelu, out);
        }
    }

    /** Backward of hidden layer l's training-mode BatchNorm, from the batch statistics {@code a} kept. */
    void normBackward(int l, Tensor dy, Activations a, Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        if (isConv(l)) {
            backend.batchNorm2dBackward(dy, a.preNorm[l], nodes(l), bnGamma[l], a.batchMean[l], a.batchInvStd[l],
                    gate, dx, dGamma, dBeta);
        } else {
            backend.batchNormBackward(dy, a.preNorm[l], bnGamma[l], a.batchMean[l], a.batchInvStd[l], gate, dx, dGamma, dBeta);
        }
    }

    /** dL/d(input of layer l) from dL/dz of layer l, times {@code gate > 0} when a gate is given. */
    void backwardInput(int l, Tensor dz, Tensor gate, Tensor dx) {
        backwardInput(backend, l, dz, gate, dx);
    }

    /** {@link #backwardInput(int, Tensor, Tensor, Tensor)} on {@code on}, a half of this network's backend. */
    void backwardInput(Backend on, int l, Tensor dz, Tensor gate, Tensor dx) {
        if (isConv(l)) {
            on.conv3x3BackwardInput(dz, weights[l], mapHeight[l], mapWidth[l], gate, dx);
        } else {
            on.backwardInput(dz, weights[l], gate, dx);
        }
    }

    /** Layer l's weight and bias gradients from dL/dz and its input. */
    void weightGrad(int l, Tensor dz, Tensor input, Tensor dw, Tensor db) {
        weightGrad(backend, l, dz, input, dw, db);
    }

    /** {@link #weightGrad(int, Tensor, Tensor, Tensor, Tensor)} on {@code on}, a half of this network's backend. */
    void weightGrad(Backend on, int l, Tensor dz, Tensor input, Tensor dw, Tensor db) {
        if (isConv(l)) {
            on.conv3x3WeightGrad(dz, input, mapHeight[l], mapWidth[l], dw, db);
        } else {
            on.weightGrad(dz, input, dw, db);
        }
    }

    /** Plain SGD of layer l fused into its gradient. */
    void sgdFused(int l, Tensor dz, Tensor input, float lr) {
        if (isConv(l)) {
            backend.conv3x3SgdFused(dz, input, mapHeight[l], mapWidth[l], weights[l], biases[l], lr);
        } else {
            backend.sgdFused(dz, input, weights[l], biases[l], lr);
        }
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
            forward(backend, data, a, out, true, 1f);
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
            norms.add(new BatchNormLayer(nodes(l), read(bnGamma[l]), read(bnBeta[l]),
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
                    batchMean[l] = net.backend.allocate(1, net.nodes(l));
                    batchInvStd[l] = net.backend.allocate(1, net.nodes(l));
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
