package org.relukit.matrix;

import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * {@code --use_accurate_grad}: the closed form evaluated on one sample at a time and summed, so L
 * and H come from the same sample instead of being averaged separately over the batch. Per sample
 * it is backpropagation of {@code ||y − y*||² / 2} through a linear output, less the terms of the
 * biases into the layers above the first, which the matrix form (docs/math.md#the-gradient) drops with the bias rows and columns of H.
 */
final class PerSampleGradient implements AutoCloseable {
    private final Backend backend;
    private final MatrixGradient single;
    private final Tensor row;

    PerSampleGradient(Backend backend, FoldedNetwork student, FoldedNetwork teacher) {
        this.backend = backend;
        this.single = new MatrixGradient(backend, student, teacher, 1);
        this.row = backend.allocate(1, student.width(0) + 1);
    }

    /**
     * {@code targets[l] = Σ_rows scale · ΔW_l(row)}, overwriting what the targets held. With
     * {@code withLoss}, returns the original's loss for this mode: the sum over the rows of each
     * row's {@code ||pred − pred*||}; else NaN.
     */
    float accumulate(Tensor x, Tensor[] targets, float scale, boolean withLoss) {
        double loss = 0;
        for (int j = 0; j < x.rows(); j++) {
            backend.copyRows(x, j, row, 0, 1);
            single.forward(row);
            if (withLoss) {
                loss += single.loss();
            }
            single.computeTerms();
            single.accumulate(targets, scale, j == 0);
        }
        return withLoss ? (float) loss : Float.NaN;
    }

    @Override
    public void close() {
        single.close();
        row.close();
    }
}
