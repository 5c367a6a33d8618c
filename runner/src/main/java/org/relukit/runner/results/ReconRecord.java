package org.relukit.runner.results;

import com.google.gson.annotations.SerializedName;

/**
 * One line of a recon run's {@code metrics.jsonl}: the one definition that the run writes and
 * that the report, the plots and {@code collect} read. Components that are null are left out of
 * the line.
 *
 * <p>Two kinds of line share it. An evaluation: {@code trial}, {@code epoch} (-1 before training),
 * {@code split}, {@code loss}, for {@code --dataset mnist|cifar10} the student's {@code accuracy} on
 * the real labels of the whole split (a fraction), and, per hidden layer (lowest first), the min/mean/max over teacher
 * nodes of their best correlation with a student node; with {@code --stats_w} the {@code w_*}
 * arrays (one entry per student layer, the output layer last); with {@code --stats_H} the
 * relation-matrix summaries. Nothing timed is in it, so that the same run gives the same bytes
 * on any machine and with any {@code --jobs}. A divergence: {@code trial}, {@code epoch}, {@code step} and
 * {@code exit} ("nan" or "inf").
 */
public record ReconRecord(int trial, int epoch, Integer step, String exit, String split, Float loss, Double accuracy,
                          float[] bestCorrMin, float[] bestCorrMean, float[] bestCorrMax,
                          double[] wNorm, double[] wRms, double[] wDriftRms, double[] wDriftRel,
                          double[] wDriftRelColMin, double[] wDriftRelColMean, double[] wDriftRelColMax,
                          @SerializedName("H_st") RelationSummary hSt, @SerializedName("H_ss") RelationSummary hSs,
                          @SerializedName("beta_st") RelationSummary betaSt,
                          @SerializedName("beta_ss") RelationSummary betaSs) {

    /** Per hidden layer, one summary of an H or β matrix; the diagonal ones only for square matrices. */
    public record RelationSummary(double[] fro, double[] meanAbs, double[] maxAbs, double[] diagMean,
                                  double[] offdiagMeanAbs) {}

    public static ReconRecord diverged(int trial, int epoch, int step, float loss) {
        return new ReconRecord(trial, epoch, step, Float.isNaN(loss) ? "nan" : "inf", null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null);
    }

    public boolean isDivergence() {
        return exit != null;
    }

    /** The best-correlation statistic named {@code min}, {@code mean} or {@code max}, per hidden layer. */
    public float[] bestCorr(String stat) {
        return switch (stat) {
            case "min" -> bestCorrMin;
            case "mean" -> bestCorrMean;
            case "max" -> bestCorrMax;
            default -> throw new IllegalArgumentException("no best-correlation statistic " + stat);
        };
    }
}
