package org.relukit.runner.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.MatrixRunSummary;
import org.relukit.runner.results.ReconRecord;
import org.relukit.runner.results.ReconSummary;

/**
 * What a run writes when it ends, from its own metrics.jsonl: {@code summary.json} (each trial's
 * final statistics, or matrix's last report) and {@code metrics.csv}, the long format that
 * {@code relukit collect} writes, by the same code. A resumed run rewrites both at its end.
 */
public final class RunSummary {
    public static final String SUMMARY = "summary.json", METRICS_CSV = SweepReport.METRICS;

    private RunSummary() {}

    /**
     * Writes both files into the results directory {@code dir}, each whole or not at all.
     *
     * @param status how the run ended, as config.json's {@code run.status}
     * @throws IllegalArgumentException if {@code dir} is not a recon or matrix results directory
     */
    public static void write(Path dir, String status) {
        RunResults run = RunResults.read(dir);
        boolean recon = run.experiment().equals("recon");
        Record summary = recon ? recon(run, status) : matrix(run, status);
        Path file = dir.resolve(SUMMARY);
        try {
            Report.writeAtomically(file, (Json.PRETTY.toJson(summary) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        if (recon) {
            SweepReport.writeMetrics(Collected.read(List.of(dir)), dir.resolve(METRICS_CSV));
        } else {
            SweepReport.writeMatrixMetrics(run, dir.resolve(METRICS_CSV));
        }
    }

    /** Each trial of the config, from its lines: the last evaluation per split and how it ended. */
    static ReconSummary recon(RunResults run, String status) {
        int numTrial = run.config().get("num_trial").getAsInt(), numEpoch = run.config().get("num_epoch").getAsInt();
        ReconRecord[] train = new ReconRecord[numTrial], eval = new ReconRecord[numTrial], diverged = new ReconRecord[numTrial];
        for (ReconRecord m : run.recon()) {
            if (m.trial() < 0 || m.trial() >= numTrial) {
                continue;
            }
            if (m.isDivergence()) {
                diverged[m.trial()] = m;
            } else if ("train".equals(m.split())) {
                train[m.trial()] = m;
            } else if ("eval".equals(m.split())) {
                eval[m.trial()] = m;
            }
        }
        List<ReconSummary.Trial> trials = new ArrayList<>();
        for (int t = 0; t < numTrial; t++) {
            String exit;
            if (diverged[t] != null) {
                exit = diverged[t].exit();
            } else if (eval[t] != null && eval[t].epoch() == numEpoch - 1) {
                exit = ReconSummary.FINISHED;
            } else {
                exit = train[t] == null && eval[t] == null ? ReconSummary.NOT_STARTED : ReconSummary.STOPPED;
            }
            trials.add(new ReconSummary.Trial(t, exit,
                    diverged[t] == null ? null : new ReconSummary.Step(diverged[t].epoch(), diverged[t].step()),
                    train[t] == null ? null : ReconSummary.Final.of(train[t]),
                    eval[t] == null ? null : ReconSummary.Final.of(eval[t])));
        }
        return new ReconSummary("recon", status, numTrial, numEpoch, trials);
    }

    private static MatrixRunSummary matrix(RunResults run, String status) {
        List<MatrixRecord> lines = run.matrix();
        return new MatrixRunSummary("matrix", status, run.config().get("num_iter").getAsInt(),
                lines.isEmpty() ? null : lines.getLast());
    }
}
