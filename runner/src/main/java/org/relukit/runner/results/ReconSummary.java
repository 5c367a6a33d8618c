package org.relukit.runner.results;

import java.util.List;

/**
 * A recon run's {@code summary.json}: how the run ended and each trial's final statistics, the last
 * evaluation of each split exactly as metrics.jsonl holds it. Written at the end of a run (and of
 * one stopped by a signal or resumed) from metrics.jsonl, so it always agrees with it.
 *
 * @param status the run's ending, as config.json's {@code run.status}
 */
public record ReconSummary(String experiment, String status, int numTrial, int numEpoch, List<Trial> trials) {
    /** The trial reached its last epoch. */
    public static final String FINISHED = "finished";
    /** The run ended (a signal, a fault) before the trial's last epoch; {@code --resume} continues it. */
    public static final String STOPPED = "stopped";
    /** The run ended before the trial began. */
    public static final String NOT_STARTED = "not_started";

    public ReconSummary {
        trials = List.copyOf(trials);
    }

    /**
     * One trial.
     *
     * @param exit           {@link #FINISHED}, {@link #STOPPED}, {@link #NOT_STARTED}, or the divergence
     *                       line's {@code exit}: "nan" or "inf"
     * @param divergedAt     the epoch and step whose loss stopped being finite; null unless diverged
     * @param train          the last evaluation on the training set; null before the first
     * @param eval           the last evaluation on the evaluation set; null before the first
     */
    public record Trial(int trial, String exit, Step divergedAt, Final train, Final eval) {}

    /** Where a trial's loss stopped being finite. */
    public record Step(int epoch, int step) {}

    /** One evaluation: its epoch (-1 before training), loss and, per hidden layer, the best-correlation min, mean and max. */
    public record Final(int epoch, float loss, float[] bestCorrMin, float[] bestCorrMean, float[] bestCorrMax) {
        public static Final of(ReconRecord evaluation) {
            return new Final(evaluation.epoch(), evaluation.loss(), evaluation.bestCorrMin(), evaluation.bestCorrMean(),
                    evaluation.bestCorrMax());
        }
    }
}
