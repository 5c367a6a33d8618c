package org.relukit.scalar;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.BackendProvider;

/** The plain-Java reference backend: it runs on every JVM, so it is never unavailable. */
public final class ScalarProvider implements BackendProvider {
    @Override
    public String name() {
        return "scalar";
    }

    /** The reference runs on one thread whatever is asked: its job is to be obviously right. */
    @Override
    public Backend create(BackendOptions options) {
        return new ScalarBackend();
    }
}
