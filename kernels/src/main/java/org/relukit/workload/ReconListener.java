package org.relukit.workload;

/** Hears what a {@code recon} run does as it does it: for printing, files, progress. */
public interface ReconListener {
    default void onEvaluation(Evaluation evaluation) {}

    /** Called every {@code stepsBetweenProgress} steps within an epoch, and once at its end. */
    default void onProgress(int trial, int epoch, int step, int stepsPerEpoch, float loss) {}

    default void onDiverged(int trial, int epoch, int step, float loss) {}
}
