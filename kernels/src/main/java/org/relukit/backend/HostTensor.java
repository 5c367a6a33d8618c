package org.relukit.backend;

/** A tensor in a Java array, used by the CPU backends. */
public final class HostTensor extends Tensor {
    public final float[] data;

    public HostTensor(int rows, int cols) {
        super(rows, cols);
        this.data = new float[Math.multiplyExact(rows, cols)];
    }

    /** CPU tensors are garbage-collected; closing has nothing to free. */
    @Override
    public void close() {}

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
