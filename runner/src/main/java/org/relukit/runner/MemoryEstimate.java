package org.relukit.runner;

import org.relukit.nn.ImageShape;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import org.relukit.runner.report.InputFiles;

/**
 * The heap a {@code recon} run will take, counted from its widths and sizes before anything is
 * allocated, so a run that cannot fit is refused with one line that says how much it needs
 * instead of failing minutes later with an OutOfMemoryError. The count is of the arrays that grow
 * with the problem (data, weights, optimiser state, activations, statistics); it leaves out the
 * constant overhead, so it errs low.
 */
final class MemoryEstimate {
    /** Java arrays are indexed by int; one element fewer than this is the largest a JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private MemoryEstimate() {}

    /** @throws IllegalArgumentException when the run needs more than the heap can give, or an array beyond Java's limit */
    static void checkRecon(ReconConfig c) {
        long widest = (long) java.util.Collections.max(c.ks()) * (c.perturb() != null ? 1 : c.nodeMulti());
        if (widest > MAX_ARRAY) {
            throw new IllegalArgumentException("--ks " + c.ks() + " with --node_multi " + c.nodeMulti() + " makes a student layer of "
                    + widest + " nodes, beyond what any heap holds: lower the widths or --node_multi");
        }
        int[][] teacher = TeacherStudent.layerSizes(c, c.ks()), student = TeacherStudent.layerSizes(c, c.studentKs());
        ImageShape image = c.convInput();
        long floats = 0, largest = 0;
        long data = (long) c.trainSize() * c.inputSize();
        // the training set on the host, shuffled on the host, and both as tensors; the evaluation set twice
        floats += 4 * data + 2L * c.evalSize() * c.inputSize();
        largest = Math.max(largest, data);
        long evalRows = (long) c.evalBatches() * c.evalBatchsize();
        for (int l = 0; l < student.length; l++) {
            long ts = (long) teacher[l][0] * teacher[l][1], ss = (long) student[l][0] * student[l][1];
            // teacher: weights on host and device; student: weights, gradient, velocity, initial copy, download
            floats += 2 * ts + 5 * ss;
            largest = Math.max(largest, ss);
            boolean hidden = l + 1 < student.length;
            // a conv layer's nodes are channels, each a map of this many positions
            long positions = image != null && hidden
                    ? (long) (image.height() - 2 * (l + 1)) * (image.width() - 2 * (l + 1)) : 1;
            // activations and their gradients for a training batch (full and tail steps) and the evaluation rows
            floats += (4L * c.batchsize() + 2 * evalRows) * (student[l][0] + teacher[l][0]) * positions;
            if (hidden) {
                long correlations = (long) teacher[l][0] * student[l][0];
                // a conv layer's activations once more, one row per (sample, position), for its correlations
                floats += 2 * correlations + (positions > 1 ? evalRows * positions * (student[l][0] + teacher[l][0]) : 0);
                largest = Math.max(largest, correlations);
                if (c.statsH()) {
                    long square = (long) student[l][0] * student[l][0];
                    floats += 4 * correlations + 4 * square;
                    largest = Math.max(largest, square);
                }
            }
        }
        long bytes = 4 * floats, heap = Runtime.getRuntime().maxMemory();
        if (largest > MAX_ARRAY || bytes > heap) {
            throw new IllegalArgumentException("--ks " + c.ks() + " with --node_multi " + c.nodeMulti() + ", " + c.inputSize() + " inputs"
                    + " and --train_size " + c.trainSize() + " needs about " + InputFiles.megabytes(bytes) + " of memory"
                    + (largest > MAX_ARRAY ? " and an array of " + largest + " floats, beyond Java's limit of " + MAX_ARRAY : "")
                    + "; the heap may grow to " + InputFiles.megabytes(heap)
                    + ": lower the widths or sizes, or raise the heap (JAVA_TOOL_OPTIONS=-Xmx…)");
        }
    }
}
