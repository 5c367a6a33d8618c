package org.relukit.runner;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;

/** The backend instances of one run: one per trial running at once, all of the same kind, closed together. */
final class Kernels implements AutoCloseable {
    private final List<Backend> backends;

    private Kernels(List<Backend> backends) {
        this.backends = backends;
    }

    /** Opens {@code count} instances of the chosen backend on {@code threads} threads each; the choice is logged once, in one line. */
    static Kernels open(BackendChoice choice, int count, int threads, PrintWriter err) {
        List<Backend> opened = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                opened.add(choice.open(threads, null));
            }
        } catch (RuntimeException e) {
            opened.forEach(Backend::close);
            throw e;
        }
        Backend first = opened.getFirst();
        err.println("backend: " + first.name() + " (" + first.description() + ")"
                + (count > 1 ? "; " + count + " trials at once, each on an instance of its own" : ""));
        return new Kernels(List.copyOf(opened));
    }

    Backend first() {
        return backends.getFirst();
    }

    List<Backend> all() {
        return backends;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Backend b : backends) {
            try {
                b.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
