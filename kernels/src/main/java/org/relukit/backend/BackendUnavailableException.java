package org.relukit.backend;

/** A backend was asked for that is unknown or cannot run here; the message says what to do. */
public final class BackendUnavailableException extends RuntimeException {
    /** @param message what was asked for and how to make it run, in one sentence */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * @param message what was asked for and how to make it run, in one sentence
     * @param cause   the failure behind it (a native library that did not load, a device error)
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
