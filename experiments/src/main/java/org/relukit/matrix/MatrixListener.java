package org.relukit.matrix;

/** Hears each evaluation of a {@code matrix} run as it is made: for printing, files, progress. */
public interface MatrixListener {
    default void onReport(MatrixReport report) {}
}
