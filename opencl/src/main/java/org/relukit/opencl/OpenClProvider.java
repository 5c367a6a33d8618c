package org.relukit.opencl;

import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.BackendProvider;

/**
 * Finds out whether OpenCL can run here. Constructing it touches nothing native; JOCL loads its
 * library and {@code libOpenCL.so} only when {@link #unavailableReason} or {@link #create} asks.
 */
public final class OpenClProvider implements BackendProvider {
    /** The fix every "cannot run" sentence ends with. */
    static final String FIX = "apt-get install ocl-icd-opencl-dev pocl-opencl-icd (or a GPU driver)";

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String unavailableReason() {
        List<OpenClDevice> devices;
        try {
            devices = OpenClDevice.list();
        } catch (LinkageError e) {
            // JOCL throws UnsatisfiedLinkError when dlopen("libOpenCL.so") fails, and every later
            // use of its CL class then fails with NoClassDefFoundError.
            return "the OpenCL library libOpenCL.so cannot be loaded: " + FIX;
        } catch (RuntimeException e) {
            return "OpenCL could not list its platforms (" + e.getMessage() + "): " + FIX;
        }
        return devices.isEmpty() ? "no OpenCL platform or device found: " + FIX : null;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new OpenClBackend(OpenClDevice.choose(OpenClDevice.list(), options.device()));
    }
}
