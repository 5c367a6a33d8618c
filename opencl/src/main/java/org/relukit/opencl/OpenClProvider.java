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
    /** The fix every "cannot run" sentence about the OpenCL install ends with. */
    static final String FIX = "apt-get install ocl-icd-opencl-dev pocl-opencl-icd (or a GPU driver)";

    /** The message of JOCL's UnsatisfiedLinkError when no library of the candidates (libOpenCL.so) loads. */
    private static final String NO_OPENCL_LIBRARY = "Could not initialize native OpenCL library";

    @Override
    public String name() {
        return "opencl";
    }

    /**
     * One sentence for each way OpenCL can be missing: JOCL's classes (a class path without
     * relukit-opencl's dependencies), JOCL's own native library, {@code libOpenCL.so}, or any
     * platform with a device.
     */
    @Override
    public String unavailableReason() {
        String missing = joclMissing(OpenClProvider.class.getClassLoader());
        if (missing != null) {
            return missing;
        }
        List<OpenClDevice> devices;
        try {
            devices = OpenClDevice.list();
        } catch (LinkageError e) {
            return reasonFor(e);
        } catch (RuntimeException e) {
            return "OpenCL could not list its platforms (" + e.getMessage() + "): " + FIX;
        }
        return devices.isEmpty() ? "no OpenCL platform or device found: " + FIX : null;
    }

    /** A sentence saying what to add when the loader cannot see JOCL's classes; null when it can. */
    static String joclMissing(ClassLoader loader) {
        try {
            Class.forName("org.jocl.CL", false, loader);
            return null;
        } catch (ClassNotFoundException e) {
            return "JOCL is missing (class org.jocl.CL not found): add relukit-opencl's dependencies (org.jocl:jocl)"
                    + " to the class path";
        }
    }

    /**
     * JOCL throws UnsatisfiedLinkError the first time its CL class fails to load a native library,
     * and NoClassDefFoundError ("Could not initialize class org.jocl.CL", caused by the first error)
     * at every later use; either way the first error's message says which library it was.
     */
    static String reasonFor(LinkageError error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains(NO_OPENCL_LIBRARY)) {
                break;
            }
            if (message.contains("JOCL_")) {
                return "JOCL's native library cannot be loaded on " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch") + ": JOCL ships it for Linux, macOS and Windows on x86-64 and"
                        + " arm64, and unpacks it into java.io.tmpdir, which must be writable";
            }
        }
        return "the OpenCL library libOpenCL.so cannot be loaded: " + FIX;
    }

    @Override
    public Backend create(BackendOptions options) {
        return new OpenClBackend(OpenClDevice.choose(OpenClDevice.list(), options.device()));
    }
}
