package org.relukit.matrix;

/**
 * What one evaluation of the {@code matrix} experiment measured, after iteration {@code iter}'s
 * update (0-based, as the seed counts).
 *
 * @param loss      the seed's batch loss {@code ||pred − pred*|| / N} on iteration iter's batch, before its update
 * @param evalLoss  the same loss on the fresh evaluation samples
 * @param maxCorrs  per hidden layer, the mean over teacher nodes of their best correlation with a student node
 * @param zeroCnt   per hidden layer, how many teacher nodes have a best correlation of exactly 0
 * @param wRowNorm  per layer, the L2 norm of every row of W (bias row last): a node's fan-out
 * @param seconds   wall time since training began
 */
public record MatrixReport(int iter, float loss, float evalLoss, float[] maxCorrs, int[] zeroCnt, float[][] wRowNorm,
                           double seconds) {}
