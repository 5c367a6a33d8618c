package org.relukit.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Tensor;
import org.relukit.nn.Initialisation;

/**
 * A kernel suite's backend and its tensors, made once per trial and closed together. A device
 * backend's kernels may return before the device is done, and {@link Backend} has no barrier, so
 * {@link #finished} reads a device tensor back, which waits for it; a CPU tensor is returned as it is.
 */
final class SuiteTensors implements AutoCloseable {
    private final Backend kernels;
    private final List<Tensor> tensors = new ArrayList<>();
    /** Null while every tensor is a CPU one; else as large as the largest tensor. */
    private float[] readBack;

    SuiteTensors(Backend kernels) {
        this.kernels = kernels;
    }

    Tensor allocate(int rows, int cols) {
        Tensor t = kernels.allocate(rows, cols);
        tensors.add(t);
        if (!(t instanceof HostTensor) && (readBack == null || readBack.length < t.size())) {
            readBack = new float[t.size()];
        }
        return t;
    }

    Tensor upload(int rows, int cols, float[] values) {
        Tensor t = allocate(rows, cols);
        kernels.upload(values, t);
        return t;
    }

    /** Post-ReLU activations, N(0, 1) clipped at 0: about half of them zero, as in training. */
    Tensor uploadActivations(int rows, int cols, SplittableRandom rng) {
        float[] values = Initialisation.gaussian(rng, rows * cols, 1);
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.max(values[i], 0);
        }
        return upload(rows, cols, values);
    }

    /** The output of a benchmark, once the backend is done with it. */
    Object finished(Tensor result) {
        if (readBack == null) {
            return result;
        }
        kernels.download(result, readBack);
        return readBack;
    }

    @Override
    public void close() {
        tensors.forEach(Tensor::close);
        kernels.close();
    }
}
