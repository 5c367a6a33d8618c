/**
 * The OpenCL backend through JOCL, for GPUs and for PoCL on CPUs. It exports nothing: programs
 * reach it as the backend named {@code opencl} through {@code Backends.open}, which finds the
 * provider with {@link java.util.ServiceLoader}.
 */
module org.relukit.opencl {
    requires org.relukit.kernels;
    // JOCL 2.0.5 has no module descriptor and no Automatic-Module-Name: its name comes from the jar's file name.
    requires jocl;

    provides org.relukit.backend.BackendProvider with org.relukit.opencl.OpenClProvider;
}
