package org.relukit.matrix;

import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * A network of {@link FoldedLayer}s on a backend, laid out so that docs/math.md#matrix-experiment's
 * {@code forward(X, W) = [relu(X W), 1]} is a plain product: layer l is stored as
 * {@code [(n_l + 1) × (n_{l+1} + 1)]}, its last column the unit vector on the bias row. Since
 * every activation's last column is ones, that column copies the ones into the next activation
 * ({@code relu(1) = 1}, gate 1) with no concatenation kernel.
 *
 * <p>The gradient never moves that column: every H the matrix form multiplies by has its bias row
 * and column dropped (zero here), so the column of ΔW it would touch is zero, and the column keeps
 * unit norm through the normalisation.
 */
final class FoldedNetwork implements AutoCloseable {
    private final Backend backend;
    private final int[] widths;
    private final Tensor[] weights;
    private final float[][] host;

    FoldedNetwork(Backend backend, List<FoldedLayer> layers) {
        this.backend = backend;
        this.widths = new int[layers.size() + 1];
        this.weights = new Tensor[layers.size()];
        this.host = new float[layers.size()][];
        for (int l = 0; l < layers.size(); l++) {
            FoldedLayer layer = layers.get(l);
            if (l > 0 && layer.inputs() != widths[l]) {
                throw new IllegalArgumentException("layer " + l + " takes " + layer.inputs() + " inputs but the layer below has "
                        + widths[l] + " outputs");
            }
            widths[l] = layer.inputs();
            widths[l + 1] = layer.outputs();
            host[l] = new float[(layer.inputs() + 1) * (layer.outputs() + 1)];
            weights[l] = backend.allocate(layer.inputs() + 1, layer.outputs() + 1);
        }
        upload(layers);
    }

    private void upload(List<FoldedLayer> layers) {
        for (int l = 0; l < weights.length; l++) {
            FoldedLayer layer = layers.get(l);
            int cols = layer.outputs() + 1;
            float[] a = host[l];
            for (int i = 0; i <= layer.inputs(); i++) {
                System.arraycopy(layer.w(), i * layer.outputs(), a, i * cols, layer.outputs());
                a[i * cols + layer.outputs()] = i == layer.inputs() ? 1f : 0f;
            }
            backend.upload(a, weights[l]);
        }
    }

    /** The weights in the seed's layout: the ones-carrying column left out. */
    List<FoldedLayer> download() {
        List<FoldedLayer> layers = new ArrayList<>();
        for (int l = 0; l < weights.length; l++) {
            backend.download(weights[l], host[l]);
            int rows = widths[l] + 1, outputs = widths[l + 1];
            float[] w = new float[rows * outputs];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(host[l], i * (outputs + 1), w, i * outputs, outputs);
            }
            layers.add(new FoldedLayer(widths[l], outputs, w));
        }
        return layers;
    }

    int layerCount() {
        return weights.length;
    }

    /** Width of layer l's input (l = 0 is the data), without the ones column. */
    int width(int l) {
        return widths[l];
    }

    Tensor weights(int l) {
        return weights[l];
    }

    /** Activations of every layer for a batch: {@code [batch × (n_{l+1} + 1)]}, l = 0 … layerCount-1. */
    Tensor[] allocateOutputs(int batch) {
        Tensor[] out = new Tensor[weights.length];
        for (int l = 0; l < out.length; l++) {
            out[l] = backend.allocate(batch, widths[l + 1] + 1);
        }
        return out;
    }

    /**
     * Runs the first {@code layers} layers on {@code x} (ones in its last column):
     * {@code pre[l] = in_l W_l}, {@code gate[l] = (pre[l] > 0)}, {@code out[l] = gate[l] ⊙ pre[l]},
     * with {@code in_0 = x} and {@code in_{l+1} = out[l]}. The seed applies the ReLU to the output
     * layer too, so {@code out[layerCount - 1]} is its {@code pred}.
     */
    void forward(Tensor x, int layers, Tensor[] pre, Tensor[] gate, Tensor[] out) {
        Tensor in = x;
        for (int l = 0; l < layers; l++) {
            backend.matmul(in, false, weights[l], false, pre[l], 1f, 0f);
            backend.gate(pre[l], gate[l]);
            backend.hadamard(gate[l], pre[l], out[l]);
            in = out[l];
        }
    }

    @Override
    public void close() {
        for (Tensor t : weights) {
            t.close();
        }
    }
}
