package org.relukit.backend;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds backends by name through {@link ServiceLoader}, so a library user can add one. Every
 * backend it opens is behind the one shape check of {@link CheckedBackend}.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {}

    /**
     * A backend found on the class path (or module path) and whether it can run here.
     *
     * @param unavailableReason null when it can run; otherwise one sentence saying why not and how to fix it
     */
    public record Availability(String name, String unavailableReason) {
        public boolean usable() {
            return unavailableReason == null;
        }
    }

    /** Names of every backend on the class path, available here or not. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            names.add(provider.name());
        }
        return names;
    }

    /** Every backend found, each with the reason it cannot run here (null when it can). Creates none. */
    public static List<Availability> available() {
        List<Availability> found = new ArrayList<>();
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            found.add(new Availability(provider.name(), provider.unavailableReason()));
        }
        return found;
    }

    public static Backend best() {
        return best(BackendOptions.defaults());
    }

    /**
     * The fastest CPU backend that runs here: {@code simd}, else {@code scalar}. Logs, in one line,
     * which one it chose and, when it falls back, why {@code simd} cannot run (typically
     * {@code pass --add-modules jdk.incubator.vector}). Call it once at startup.
     */
    public static Backend best(BackendOptions options) {
        String simdReason = "no simd backend on the class path";
        for (Availability candidate : available()) {
            if (candidate.name().equals("simd")) {
                simdReason = candidate.unavailableReason();
            }
        }
        Backend backend = open(simdReason == null ? "simd" : "scalar", options);
        LOG.log(Level.INFO, "relukit backend " + backend.name() + ": " + backend.description()
                + (simdReason == null ? "" : " (simd cannot run: " + simdReason + ")"));
        return backend;
    }

    public static Backend open(String name) {
        return open(name, BackendOptions.defaults());
    }

    /**
     * Opens the named backend, behind the shape checks every backend shares.
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
                return CheckedBackend.wrap(provider.create(options));
            }
        }
        throw new BackendUnavailableException(
                "unknown backend '" + name + "': choose one of " + String.join(", ", names()));
    }
}
