package org.relukit.data;

/**
 * A data directory or file that cannot be read as the dataset it should hold: missing, of the
 * wrong format, truncated, or inconsistent. A user's mistake, not a fault, so it is an
 * {@link IllegalArgumentException} (the CLI prints its one-line message and exits with 2). The
 * message names the file, or lists the files expected and where to get them.
 */
public final class DataFileException extends IllegalArgumentException {
    public DataFileException(String message) {
        super(message);
    }
}
