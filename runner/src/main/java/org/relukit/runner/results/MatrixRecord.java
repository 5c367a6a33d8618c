package org.relukit.runner.results;

/**
 * One line of a matrix run's {@code metrics.jsonl} (every report), shared by its writer and its
 * readers: the batch loss, the evaluation loss and, per hidden layer, the mean best correlation of
 * the teacher nodes and the count of teacher nodes whose best correlation is 0.
 */
public record MatrixRecord(int iter, float loss, float evalLoss, float[] maxCorrs, int[] zeroCnt) {}
