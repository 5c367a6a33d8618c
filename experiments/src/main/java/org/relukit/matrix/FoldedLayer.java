package org.relukit.matrix;

/**
 * One layer of the matrix form with its bias folded in (docs/math.md#matrix-experiment): {@code w[(inputs + 1) × outputs]},
 * row-major, column j = fan-in of node j, last row = the biases.
 */
public record FoldedLayer(int inputs, int outputs, float[] w) {
    public FoldedLayer {
        if (w.length != (inputs + 1) * outputs) {
            throw new IllegalArgumentException("a folded layer of " + inputs + " inputs and " + outputs
                    + " outputs needs " + (inputs + 1) * outputs + " weights, got " + w.length);
        }
    }

    public int rows() {
        return inputs + 1;
    }

    public float get(int row, int col) {
        return w[row * outputs + col];
    }

    /** L2 norm of each row, bias row last: the seed's {@code W_row_norm}, a node's fan-out. */
    public float[] rowNorms() {
        float[] norms = new float[rows()];
        for (int i = 0; i < norms.length; i++) {
            double sq = 0;
            for (int j = 0; j < outputs; j++) {
                sq += (double) get(i, j) * get(i, j);
            }
            norms[i] = (float) Math.sqrt(sq);
        }
        return norms;
    }
}
