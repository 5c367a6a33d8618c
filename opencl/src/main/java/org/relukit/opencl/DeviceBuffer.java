package org.relukit.opencl;

import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * One device buffer and the pointer to its handle that {@code clSetKernelArg} takes, made once
 * with the buffer so that setting it as a kernel argument allocates nothing.
 */
record DeviceBuffer(cl_mem mem, Pointer argument) {
    DeviceBuffer(cl_mem mem) {
        this(mem, Pointer.to(mem));
    }
}
