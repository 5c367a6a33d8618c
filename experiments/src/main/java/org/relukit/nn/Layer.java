package org.relukit.nn;

/**
 * One fully connected layer on the host: {@code weights[n × k]} (row j = fan-in of node j) and
 * {@code bias[n]}, or {@code bias == null} without biases.
 */
public record Layer(int n, int k, float[] weights, float[] bias) {
    public Layer {
        if (weights.length != n * k) {
            throw new IllegalArgumentException("weights hold " + weights.length + " floats, not " + n + " x " + k);
        }
        if (bias != null && bias.length != n) {
            throw new IllegalArgumentException("bias holds " + bias.length + " floats, not " + n);
        }
    }

    public float weight(int row, int col) {
        return weights[row * k + col];
    }
}
