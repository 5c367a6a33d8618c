package org.relukit.backend;

/**
 * A row-major float32 matrix owned by one {@link Backend}. Its storage lives wherever the backend
 * computes (a Java array, a device buffer); it is read and written only through that backend's
 * {@code upload}/{@code download} and kernels. A vector (a bias, a column sum) is a 1 × n tensor.
 */
public abstract class Tensor implements AutoCloseable {
    private final int rows;
    private final int cols;

    /** @throws IllegalArgumentException when either dimension is negative */
    protected Tensor(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("tensor shape must be non-negative, got " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
    }

    /** The number of rows (the batch, for activations). */
    public final int rows() {
        return rows;
    }

    /** The number of columns (the width, for activations). */
    public final int cols() {
        return cols;
    }

    /** {@code rows × cols}: the floats that {@code upload} and {@code download} move. */
    public final int size() {
        return rows * cols;
    }

    /** Frees the storage; the tensor must not be used afterwards. Closing twice is harmless. */
    @Override
    public abstract void close();

    @Override
    public String toString() {
        return rows + "x" + cols;
    }
}
