package org.relukit.opencl;

import static org.jocl.CL.clEnqueueNDRangeKernel;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_command_queue;
import org.relukit.backend.BackendUnavailableException;

/**
 * Enqueues kernels on the backend's in-order queue, in the launch shapes the kernel sources
 * assume. The work sizes go through two arrays kept here, so a launch allocates nothing.
 */
final class KernelLauncher {
    private final cl_command_queue queue;
    private final OpenClDevice device;
    /** Work-items of an element-wise group (a power of two), and of a column group as colX × colY. */
    final int groupSize;
    final int colX;
    final int colY;
    private final long[] global = new long[3];
    private final long[] local = new long[3];

    KernelLauncher(cl_command_queue queue, OpenClDevice device, long maxWorkGroupSize) {
        this.queue = queue;
        this.device = device;
        this.groupSize = Integer.highestOneBit((int) Math.min(256, maxWorkGroupSize));
        this.colX = Math.min(16, groupSize);
        this.colY = groupSize / colX;
    }

    /** The sizes the sources are compiled with ({@code WG}, {@code COL_X}, {@code COL_Y}). */
    String buildOptions() {
        return " -DWG=" + groupSize + " -DCOL_X=" + colX + " -DCOL_Y=" + colY;
    }

    /** One work-item per element, in groups of {@link #groupSize}. */
    void elementwise(Kernel kernel, int count) {
        if (count > 0) {
            run(kernel, 1, (long) Math.ceilDiv(count, groupSize) * groupSize, 1, 1, groupSize, 1, 1);
        }
    }

    /** {@code groups} work-groups of {@link #groupSize} work-items, for kernels that reduce in a group. */
    void groups(Kernel kernel, int groups) {
        if (groups > 0) {
            run(kernel, 1, (long) groups * groupSize, 1, 1, groupSize, 1, 1);
        }
    }

    /** One group along the rows, enough along the columns. */
    void columns(Kernel kernel, int cols) {
        if (cols > 0) {
            run(kernel, 2, (long) Math.ceilDiv(cols, colX) * colX, colY, 1, colX, colY, 1);
        }
    }

    void run(Kernel kernel, int dimensions, long global0, long global1, long global2, long local0, long local1, long local2) {
        assert kernel.argumentsSet() : kernel.name + " is launched with arguments missing";
        global[0] = global0;
        global[1] = global1;
        global[2] = global2;
        local[0] = local0;
        local[1] = local1;
        local[2] = local2;
        try {
            clEnqueueNDRangeKernel(queue, kernel.id, dimensions, null, global, local, 0, null, null);
        } catch (CLException e) {
            if (DeviceMemory.isOutOfMemory(e.getStatus())) {
                throw new BackendUnavailableException("out of device memory running a kernel on " + device.name()
                        + " (" + CL.stringFor_errorCode(e.getStatus()) + "): use a smaller --batchsize", e);
            }
            throw e;
        }
    }
}
