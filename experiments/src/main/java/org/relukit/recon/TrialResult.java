package org.relukit.recon;

import org.relukit.stats.Evaluation;
import java.util.List;

/**
 * One trial: its evaluations in order, and whether the loss became NaN or infinite.
 *
 * @param divergedAtEpoch the epoch in which the loss stopped being finite, or -1
 */
public record TrialResult(int trial, List<Evaluation> evaluations, int divergedAtEpoch) {
    public boolean diverged() {
        return divergedAtEpoch >= 0;
    }

    /** The last evaluation of a split ("train" or "eval"). */
    public Evaluation last(String split) {
        for (int i = evaluations.size() - 1; i >= 0; i--) {
            if (evaluations.get(i).split().equals(split)) {
                return evaluations.get(i);
            }
        }
        throw new IllegalStateException("trial " + trial + " has no " + split + " evaluation");
    }
}
