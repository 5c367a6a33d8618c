package org.relukit.runner;

import java.io.PrintWriter;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendOptions;
import org.relukit.backend.Backends;
import picocli.CommandLine.Option;

/** The backend flags every experiment shares; the choice is made once and logged in one line. */
final class BackendChoice {
    @Option(names = "--backend", defaultValue = "simd", paramLabel = "NAME",
            description = "Kernel backend: simd, scalar or opencl (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads for the kernels (default: 1; recon: the cores its trials at once leave, at most 2).")
    Integer threads;

    @Option(names = "--device", paramLabel = "INDEX|NAME",
            description = "OpenCL device: an index or part of its name (default: first GPU, else first CPU).")
    String device;

    /** --threads, or {@code otherwise} where it was not given. */
    int threads(int otherwise) {
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024, got " + threads);
        }
        return threads != null ? threads : otherwise;
    }

    /** Opens the chosen backend on {@code threads} threads and says which in one line on {@code err} (null: says nothing). */
    Backend open(int threads, PrintWriter err) {
        Backend backend = Backends.open(name, new BackendOptions(threads, device));
        if (err != null) {
            err.println("backend: " + backend.name() + " (" + backend.description() + ")");
        }
        return backend;
    }
}
