package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.jocl.CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseProgram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;
import org.relukit.backend.BackendUnavailableException;

/**
 * The kernel sources compiled for one device, with that device's tiles and group sizes as
 * {@code -D} options, and the kernels made from them, each once; closing releases them all.
 */
final class OpenClProgram implements AutoCloseable {
    /** In this order: a later file uses helpers of an earlier one. */
    private static final String[] SOURCES = {"gemm.cl", "elementwise.cl", "columns.cl", "batchnorm.cl", "conv.cl", "cross_entropy.cl"};

    private cl_program program;
    private final List<Kernel> kernels = new ArrayList<>();

    /** Builds the sources for the device with the GEMM tiles and the launcher's group sizes. */
    OpenClProgram(cl_context context, OpenClDevice device, GemmTiles tiles, KernelLauncher launcher) {
        // Division and sqrt rounded as Java rounds them (the default allows a few ulp), where the device can.
        boolean exactDivide = (OpenClDevice.deviceLong(device.device(), CL_DEVICE_SINGLE_FP_CONFIG)
                & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
        program = build(context, device, sources(), tiles.buildOptions() + launcher.buildOptions()
                + (exactDivide ? " -cl-fp32-correctly-rounded-divide-sqrt" : ""));
    }

    /** The named kernel; call once per name and keep it, since each call makes a new kernel object. */
    Kernel kernel(String name) {
        Kernel kernel = new Kernel(clCreateKernel(program, name, null), name);
        kernels.add(kernel);
        return kernel;
    }

    /**
     * Compiles the sources for the device. On failure the compiler's log goes to a file, since it
     * may be long, and the exception names the file.
     */
    static cl_program build(cl_context context, OpenClDevice device, String[] sources, String options) {
        cl_program program = clCreateProgramWithSource(context, sources.length, sources, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device.device()}, options, null, null);
            return program;
        } catch (CLException e) {
            String log = buildLog(program, device.device());
            clReleaseProgram(program);
            Path file;
            try {
                file = Files.createTempFile("relukit-opencl-build-", ".log");
                Files.writeString(file, "device: " + device + "\noptions: " + options + "\n\n" + log);
            } catch (IOException io) {
                throw new BackendUnavailableException("the OpenCL kernels failed to build on " + device.name()
                        + " and the compiler log could not be saved (" + io.getMessage() + "): " + log.strip(), e);
            }
            throw new BackendUnavailableException("the OpenCL kernels failed to build on " + device.name()
                    + " (" + CL.stringFor_errorCode(e.getStatus()) + "): the compiler log is in " + file, e);
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            return new String(bytes, StandardCharsets.UTF_8).replace("\0", "");
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        kernels.forEach(k -> clReleaseKernel(k.id));
        kernels.clear();
        if (program != null) {
            clReleaseProgram(program);
            program = null;
        }
    }

    private static String[] sources() {
        String[] texts = new String[SOURCES.length];
        for (int i = 0; i < SOURCES.length; i++) {
            try (InputStream in = OpenClProgram.class.getResourceAsStream(SOURCES[i])) {
                if (in == null) {
                    throw new IllegalStateException("kernel source " + SOURCES[i] + " is missing from the jar");
                }
                texts[i] = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return texts;
    }
}
