package org.relukit.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends by name through {@link ServiceLoader}, so a library user can add one. */
public final class Backends {
    private Backends() {}

    /** Names of every backend on the class path, available here or not. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            names.add(provider.name());
        }
        return names;
    }

    public static Backend open(String name) {
        return open(name, BackendOptions.defaults());
    }

    /**
     * Opens the named backend.
     *
     * @throws BackendUnavailableException when the name is unknown or the backend cannot run
     *     here; the message says which names exist or how to make it run
     */
    public static Backend open(String name, BackendOptions options) {
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            if (provider.name().equals(name)) {
                String reason = provider.unavailableReason();
                if (reason != null) {
                    throw new BackendUnavailableException("backend '" + name + "' cannot run here: " + reason);
                }
                return provider.create(options);
            }
        }
        throw new BackendUnavailableException(
                "unknown backend '" + name + "': choose one of " + String.join(", ", names()));
    }
}
