package org.relukit.runner.results;

/**
 * A matrix run's {@code summary.json}: how the run ended and its last report, exactly as the last
 * line of metrics.jsonl (null when the run ended before its first report).
 *
 * @param status the run's ending, as config.json's {@code run.status}
 */
public record MatrixRunSummary(String experiment, String status, int numIter, MatrixRecord last) {}
