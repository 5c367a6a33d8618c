package org.relukit.backend;

/**
 * What a user may choose about a backend at startup.
 *
 * @param threads CPU threads a kernel may use (1 = the calling thread only)
 * @param device  for device backends, an index or a name substring; null for the default
 */
public record BackendOptions(int threads, String device) {
    /** @throws IllegalArgumentException when {@code threads} is below 1 */
    public BackendOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /** One thread, the default device. */
    public static BackendOptions defaults() {
        return new BackendOptions(1, null);
    }
}
