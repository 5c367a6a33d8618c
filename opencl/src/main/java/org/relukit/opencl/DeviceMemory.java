package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_INVALID_BUFFER_SIZE;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clReleaseMemObject;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_mem;
import org.relukit.backend.BackendUnavailableException;

/**
 * The device buffers of one backend: the tensors', the grow-only scratch kept until close, and
 * the placeholder; it counts them so that a test can see a leak.
 */
final class DeviceMemory {
    // The scratch slots: the column means and inverse norms of a correlation's t and s, the partial
    // products of a split-K GEMM, and the per-work-group partial sums of a loss.
    static final int T_MEAN = 0;
    static final int T_INV = 1;
    static final int S_MEAN = 2;
    static final int S_INV = 3;
    static final int SLICES = 4;
    static final int LOSS_PARTIALS = 5;
    private static final int SLOTS = 6;

    private final OpenClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final long maxAllocBytes;
    private final Pointer zero = Pointer.to(new float[] {0f});

    private final DeviceBuffer[] scratch = new DeviceBuffer[SLOTS];
    private final long[] scratchCapacity = new long[SLOTS];
    /** Stands for an empty tensor and for an absent argument, since a kernel argument cannot be null. */
    private DeviceBuffer placeholder;
    private final Set<OpenClTensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
    private int liveBuffers;

    DeviceMemory(OpenClDevice device, cl_context context, cl_command_queue queue) {
        this.device = device;
        this.context = context;
        this.queue = queue;
        this.maxAllocBytes = OpenClDevice.deviceLong(device.device(), CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.placeholder = create(1, 1);
    }

    /** Device buffers alive now: the tensors' and the backend's own. */
    int liveBuffers() {
        return liveBuffers;
    }

    DeviceBuffer placeholder() {
        return placeholder;
    }

    /**
     * A zero-filled buffer of rows × cols floats, like a fresh Java array. The fill also makes the
     * device commit the memory now, so running out of it is reported here and not by a later kernel.
     */
    DeviceBuffer create(int rows, int cols) {
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw outOfMemory(rows, cols, " (a tensor holds at most 2^31 - 1 floats)");
        }
        long bytes = (long) rows * cols * Float.BYTES;
        if (bytes > maxAllocBytes) {
            throw outOfMemory(rows, cols, " (its largest buffer is " + (maxAllocBytes >> 20) + " MiB)");
        }
        cl_mem buffer = null;
        try {
            buffer = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            liveBuffers++;
            clEnqueueFillBuffer(queue, buffer, zero, Float.BYTES, 0, bytes, 0, null, null);
            return new DeviceBuffer(buffer);
        } catch (CLException e) {
            if (buffer != null) {
                release(buffer);
            }
            if (isOutOfMemory(e.getStatus())) {
                throw outOfMemory(rows, cols, "");
            }
            throw e;
        }
    }

    void release(DeviceBuffer buffer) {
        release(buffer.mem());
    }

    private void release(cl_mem buffer) {
        // The device frees it once the commands already queued on it have finished.
        clReleaseMemObject(buffer);
        liveBuffers--;
    }

    /** The scratch buffer of a slot, grown (never shrunk) to hold at least {@code floats}. */
    DeviceBuffer scratch(int slot, long floats) {
        if (scratchCapacity[slot] < floats) {
            if (scratch[slot] != null) {
                release(scratch[slot]);
                scratch[slot] = null;
            }
            scratch[slot] = create(1, Math.toIntExact(floats));
            scratchCapacity[slot] = floats;
        }
        return scratch[slot];
    }

    void track(OpenClTensor tensor) {
        tensors.add(tensor);
    }

    void forget(OpenClTensor tensor) {
        tensors.remove(tensor);
    }

    BackendUnavailableException outOfMemory(int rows, int cols, String detail) {
        return new BackendUnavailableException("out of device memory allocating " + rows + "x" + cols + " floats on "
                + device.name() + detail + ": use a smaller --batchsize");
    }

    static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
                || status == CL_OUT_OF_HOST_MEMORY || status == CL_INVALID_BUFFER_SIZE;
    }

    /** Releases every tensor still open, the scratch and the placeholder; the queue must be finished. */
    void close() {
        for (OpenClTensor tensor : List.copyOf(tensors)) {
            tensor.close();
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            if (scratch[slot] != null) {
                release(scratch[slot]);
                scratch[slot] = null;
                scratchCapacity[slot] = 0;
            }
        }
        if (placeholder != null) {
            release(placeholder);
            placeholder = null;
        }
    }
}
