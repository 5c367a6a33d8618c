package org.relukit.workload;

import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * A deep ReLU network on a backend: hidden layers {@code h = relu(W h_prev + b)} and a linear
 * output layer. Its tensors live on the backend for the network's whole life.
 */
public final class Network implements AutoCloseable {
    private final Backend backend;
    private final int[] widths;
    final Tensor[] weights;
    /** Entries are null for a network without biases. */
    final Tensor[] biases;

    public Network(Backend backend, List<Layer> layers) {
        this.backend = backend;
        this.widths = new int[layers.size() + 1];
        this.weights = new Tensor[layers.size()];
        this.biases = new Tensor[layers.size()];
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
        }
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

    /** Forward pass: {@code hidden[l]} receives layer l's post-ReLU output, {@code out} the linear output. */
    public void forward(Tensor x, Tensor[] hidden, Tensor out) {
        Tensor in = x;
        for (int l = 0; l < hiddenCount(); l++) {
            backend.reluMatmul(in, weights[l], biases[l], hidden[l]);
            in = hidden[l];
        }
        backend.linear(in, weights[hiddenCount()], biases[hiddenCount()], out);
    }

    /** Activations for a batch of {@code rows} samples: one tensor per hidden layer. */
    public Tensor[] allocateHidden(int rows) {
        Tensor[] hidden = new Tensor[hiddenCount()];
        for (int l = 0; l < hidden.length; l++) {
            hidden[l] = backend.allocate(rows, width(l));
        }
        return hidden;
    }

    /** Copies the weights back to the host, e.g. for a checkpoint or a test. */
    public List<Layer> download() {
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < weights.length; l++) {
            float[] w = new float[weights[l].size()];
            backend.download(weights[l], w);
            float[] b = null;
            if (biases[l] != null) {
                b = new float[biases[l].size()];
                backend.download(biases[l], b);
            }
            layers.add(new Layer(weights[l].rows(), weights[l].cols(), w, b));
        }
        return layers;
    }

    @Override
    public void close() {
        for (int l = 0; l < weights.length; l++) {
            weights[l].close();
            if (biases[l] != null) {
                biases[l].close();
            }
        }
    }
}
