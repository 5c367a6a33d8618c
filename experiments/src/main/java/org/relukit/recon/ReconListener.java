package org.relukit.recon;

import org.relukit.stats.Evaluation;


/** Hears what a {@code recon} run does as it does it: for printing, files, progress. */
public interface ReconListener {
    default void onEvaluation(Evaluation evaluation) {}

    /** Called every 100 steps within an epoch, and at its last step. */
    default void onProgress(int trial, int epoch, int step, int stepsPerEpoch, float loss) {}

    default void onDiverged(int trial, int epoch, int step, float loss) {}

    /**
     * A state to resume from: after every epoch (the last one ends the trial), and where a run stopped on
     * {@link ReconExperiment#requestStop()}.
     */
    default void onCheckpoint(Checkpoint checkpoint) {}
}
