package org.relukit.opencl;

import static org.jocl.CL.CL_KERNEL_NUM_ARGS;
import static org.jocl.CL.clGetKernelInfo;
import static org.jocl.CL.clSetKernelArg;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * One kernel of the program and its arguments, set in order: {@code args()} starts over, each
 * {@code arg} sets the next one. Every scalar argument has its own one-element array and pointer,
 * made here once, because OpenCL copies an argument's value when it is set: a launch then
 * allocates nothing on the Java heap, where boxing and {@code Pointer.to} allocated on every call.
 */
final class Kernel {
    final cl_kernel id;
    final String name;
    private final int[][] ints;
    private final float[][] floats;
    private final Pointer[] intPointers;
    private final Pointer[] floatPointers;
    private int next;

    Kernel(cl_kernel id, String name) {
        this.id = id;
        this.name = name;
        int[] count = new int[1];
        clGetKernelInfo(id, CL_KERNEL_NUM_ARGS, Sizeof.cl_uint, Pointer.to(count), null);
        ints = new int[count[0]][1];
        floats = new float[count[0]][1];
        intPointers = new Pointer[count[0]];
        floatPointers = new Pointer[count[0]];
        for (int i = 0; i < count[0]; i++) {
            intPointers[i] = Pointer.to(ints[i]);
            floatPointers[i] = Pointer.to(floats[i]);
        }
    }

    Kernel args() {
        next = 0;
        return this;
    }

    Kernel arg(int value) {
        int index = next++;
        ints[index][0] = value;
        clSetKernelArg(id, index, Sizeof.cl_int, intPointers[index]);
        return this;
    }

    Kernel arg(float value) {
        int index = next++;
        floats[index][0] = value;
        clSetKernelArg(id, index, Sizeof.cl_float, floatPointers[index]);
        return this;
    }

    Kernel arg(DeviceBuffer buffer) {
        clSetKernelArg(id, next++, Sizeof.cl_mem, buffer.argument());
        return this;
    }

    /** Whether every argument has been set since {@link #args()}; a launch asserts it. */
    boolean argumentsSet() {
        return next == ints.length;
    }
}
