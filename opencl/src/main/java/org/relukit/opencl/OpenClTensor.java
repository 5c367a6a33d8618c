package org.relukit.opencl;

import org.relukit.backend.Tensor;

/** A tensor in one device buffer of its {@link OpenClBackend}; an empty tensor has no buffer. */
public final class OpenClTensor extends Tensor {
    final OpenClBackend owner;
    private final DeviceBuffer buffer;
    private boolean open = true;

    OpenClTensor(OpenClBackend owner, int rows, int cols, DeviceBuffer buffer) {
        super(rows, cols);
        this.owner = owner;
        this.buffer = buffer;
    }

    /** The buffer, or null for an empty tensor. */
    DeviceBuffer buffer() {
        if (!open) {
            throw new IllegalStateException("tensor " + this + " is used after close()");
        }
        return buffer;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            owner.release(this, buffer);
        }
    }
}
