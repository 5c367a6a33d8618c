package org.relukit.backend;

/**
 * A backend as {@link java.util.ServiceLoader} finds it. A provider must be cheap to construct
 * and must not touch the classes that may fail to load (vector species, native libraries)
 * until {@link #create} is called.
 */
public interface BackendProvider {

    String name();

    /**
     * Null when the backend can run here; otherwise one sentence that says why not and how to
     * fix it, e.g. {@code "the JVM lacks jdk.incubator.vector: pass --add-modules jdk.incubator.vector"}.
     * A backend that runs on every JVM keeps this default.
     */
    default String unavailableReason() {
        return null;
    }

    Backend create(BackendOptions options);
}
