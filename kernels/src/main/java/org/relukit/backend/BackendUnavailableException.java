package org.relukit.backend;

/** A backend was asked for that is unknown or cannot run here; the message says what to do. */
public final class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
