package org.relukit.backend;

/** A tensor in a Java array, used by the CPU backends: {@code data[0, rows·cols)} row-major. */
public final class HostTensor extends Tensor {
    /** The matrix, row-major, followed by {@link #SLACK} floats that belong to no element. */
    public final float[] data;

    /**
     * Floats past the end of the matrix: a 512-bit vector's worth, so a vector load that runs past
     * the end of the last row stays inside the array (the SIMD kernels load the partial vector at
     * the end of a row whole and store only its valid lanes).
     */
    public static final int SLACK = 16;

    /**
     * A zero-filled {@code rows × cols} matrix.
     *
     * @throws ArithmeticException when it would not fit in one Java array
     */
    public HostTensor(int rows, int cols) {
        super(rows, cols);
        this.data = new float[Math.addExact(Math.multiplyExact(rows, cols), SLACK)];
    }

    /** CPU tensors are garbage-collected; closing has nothing to free. */
    @Override
    public void close() {}

    /**
     * The tensor itself, seen as a host tensor.
     *
     * @throws IllegalArgumentException when {@code t} was allocated by a device backend
     */
    public static HostTensor of(Tensor t) {
        if (t instanceof HostTensor host) {
            return host;
        }
        throw new IllegalArgumentException("tensor " + t + " belongs to another backend (" + t.getClass().getSimpleName() + ")");
    }

    /** The array of a tensor that may be absent (a bias with --no_bias). */
    public static float[] dataOrNull(Tensor t) {
        return t == null ? null : of(t).data;
    }
}
