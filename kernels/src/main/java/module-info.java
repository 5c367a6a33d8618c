/**
 * relukit's kernel library: the {@link org.relukit.backend.Backend} interface and its host
 * tensors are the API; the scalar and SIMD backends are found through {@code ServiceLoader} and
 * their packages stay closed.
 *
 * <p>The Vector API is a static dependency: without {@code --add-modules jdk.incubator.vector}
 * the module still loads, the scalar backend runs, and the SIMD provider says how to enable it.
 */
module org.relukit.kernels {
    requires static jdk.incubator.vector;
    // The SIMD provider asks HotSpot whether FMA is on.
    requires java.management;
    requires jdk.management;

    exports org.relukit.backend;

    uses org.relukit.backend.BackendProvider;

    provides org.relukit.backend.BackendProvider with
            org.relukit.scalar.ScalarProvider,
            org.relukit.simd.SimdProvider;
}
