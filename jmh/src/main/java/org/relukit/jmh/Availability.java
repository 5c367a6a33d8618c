package org.relukit.jmh;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.Backends;

/**
 * What this machine can run, so that a suite leaves a backend or a baseline out with one line
 * saying why instead of failing on it. {@code main} prints the JMH options that keep only those,
 * e.g. {@code -p backend=scalar,simd -p impl=naive,VectorBLAS,JNIBLAS}.
 */
public final class Availability {
    static final List<String> BACKENDS = List.of("scalar", "simd", "opencl");
    static final List<String> BASELINES = List.of("naive", "VectorBLAS", "JNIBLAS");

    private Availability() {}

    public static void main(String[] args) {
        PrintStream err = System.err;
        List<String> backends = new ArrayList<>();
        for (String name : BACKENDS) {
            try {
                openBackend(name).close();
                backends.add(name);
            } catch (IllegalStateException e) {
                err.println(e.getMessage());
            }
        }
        List<String> baselines = new ArrayList<>();
        for (String impl : BASELINES) {
            try {
                Baselines.open(impl);
                baselines.add(impl);
            } catch (IllegalStateException e) {
                err.println(e.getMessage());
            }
        }
        if (backends.isEmpty()) {
            err.println("no backend can run here; see the reasons above");
            System.exit(1);
        }
        System.out.println("-p backend=" + String.join(",", backends)
                + (baselines.isEmpty() ? "" : " -p impl=" + String.join(",", baselines)));
    }

    /**
     * Opens a backend for a benchmark on one thread, like the baselines.
     *
     * @throws IllegalStateException saying why it cannot run here and how to leave it out
     */
    static Backend openBackend(String name) {
        return openBackend(name, 1);
    }

    static Backend openBackend(String name, int threads) {
        try {
            return Backends.open(name, new BackendOptions(threads, null));
        } catch (RuntimeException | ServiceConfigurationError e) {
            throw new IllegalStateException("backend " + name + " skipped: " + e.getMessage()
                    + " (leave it out with -p backend=" + others(BACKENDS, name) + ")", e);
        }
    }

    static String others(List<String> names, String left) {
        return String.join(",", names.stream().filter(n -> !n.equals(left)).toList());
    }
}
