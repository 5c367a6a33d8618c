package org.relukit.matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * Parameters of the {@code matrix} experiment (docs/math.md#matrix-experiment), under the seed's
 * names ({@code test_multilayer.py}). A record, serialised to {@code config.json} as it is; valid
 * once built (the canonical constructor checks it). {@link #builder()} starts from the seed's defaults.
 */
public record MatrixConfig(
        List<Integer> ks,
        int nodeMulti,
        double lr,
        double initStd,
        int numIter,
        int batchsize,
        int evalBatchsize,
        double bias,
        boolean perturb,
        boolean initNegTeacher,
        boolean useGd,
        boolean useAccurateGrad,
        boolean accurateGradMean,
        long seed,
        Long seedInit,
        Long seedX,
        boolean verbose) {

    /** Evaluations (and report lines) come every this many iterations, as in the seed. */
    public static final int REPORT_EVERY = 100;

    public MatrixConfig {
        if (ks == null || ks.size() < 2) {
            throw new IllegalArgumentException("--ks needs an input and an output width at least, e.g. \"[10, 20, 30]\", got " + ks);
        }
        for (int k : ks) {
            atLeast("--ks entries", k, 1);
        }
        for (int i = 0; i + 1 < ks.size(); i++) {
            // The "separate" init draws distinct, non-zero rows over 5 values: at most 5^n_in - 1 exist.
            int nIn = ks.get(i), nOut = ks.get(i + 1);
            if (nIn < 14 && nOut > Math.pow(5, nIn) - 1) {
                throw new IllegalArgumentException("--ks " + ks + ": a teacher layer of " + nOut + " nodes over "
                        + nIn + " inputs cannot have distinct fan-in rows (at most " + (long) (Math.pow(5, nIn) - 1)
                        + " exist): widen the layer below or narrow this one");
            }
        }
        atLeast("--node_multi", nodeMulti, 1);
        if (accurateGradMean && !useAccurateGrad) {
            throw new IllegalArgumentException("--accurate_grad_mean averages the per-sample gradients: add --use_accurate_grad");
        }
        finite("--lr", lr);
        if (lr <= 0) {
            throw new IllegalArgumentException("--lr must be positive, got " + lr);
        }
        if ((float) lr == 0f) {
            // The update runs in float32: a rate that rounds to 0 there would train nothing, silently.
            throw new IllegalArgumentException("--lr " + lr + " rounds to 0 in float32 (the smallest positive float is "
                    + Float.MIN_VALUE + "): give a larger rate");
        }
        finite("--init_std", initStd);
        if (initStd < 0) {
            throw new IllegalArgumentException("--init_std must be >= 0, got " + initStd);
        }
        finite("--bias", bias);
        atLeast("--num_iter", numIter, 1);
        atLeast("--batchsize", batchsize, 1);
        // A correlation over fewer than two samples is 0 by construction: nothing to measure.
        atLeast("--eval_batchsize", evalBatchsize, 2);
        for (int width : studentWidths(ks, nodeMulti)) {
            long widest = (long) width + 1;
            if (widest * Math.max(batchsize, evalBatchsize) > Integer.MAX_VALUE || widest * widest > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--ks " + ks + " with --node_multi " + nodeMulti + " and a batch of "
                        + Math.max(batchsize, evalBatchsize) + " makes a matrix beyond 2^31 floats: use smaller widths or batches");
            }
        }
        ks = List.copyOf(ks);
    }

    /** A builder holding the seed's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The seed's defaults, mutable; {@link #build()} checks them. */
    public static final class Builder {
        /** Widths of every layer from input to output; hidden ones are multiplied by {@link #nodeMulti}. */
        public List<Integer> ks = List.of(10, 20, 30);
        public int nodeMulti = 5;
        public double lr = 0.01;
        /** Std of the student's gaussian init, before its columns are scaled to unit norm. */
        public double initStd = 0.3;
        public int numIter = 20_000;
        /** The seed's default is 1: plain per-sample SGD. */
        public int batchsize = 1;
        /** Fresh samples each evaluation draws. */
        public int evalBatchsize = 1_024;
        /** The teacher's bias row is {@code -bias} before its columns are normalised. */
        public double bias = 0.0;
        /** Add the teacher into the student's first columns (and bias row) before normalising. */
        public boolean perturb = false;
        /** Push every student node beyond the teacher's count away from a random teacher node. */
        public boolean initNegTeacher = false;
        /** One fixed batch for every step (gradient descent) instead of a fresh batch per step. */
        public boolean useGd = false;
        /** The gradient one sample at a time, the per-sample ΔW added together as the original does (slow; a check of the batched form). */
        public boolean useAccurateGrad = false;
        /** With {@code useAccurateGrad}: the mean of the per-sample ΔW instead of their sum, the batched step's scale. */
        public boolean accurateGradMean = false;
        /** Seeds the teacher, and the student and the data unless they are given their own seeds. */
        public long seed = 1;
        /** Seeds the student's init; null = {@link #seed}. */
        public Long seedInit = null;
        /** Seeds the training batches and the evaluation samples; null = {@link #seed}. */
        public Long seedX = null;
        public boolean verbose = false;

        public MatrixConfig build() {
            return new MatrixConfig(ks, nodeMulti, lr, initStd, numIter, batchsize, evalBatchsize, bias, perturb, initNegTeacher, useGd, useAccurateGrad,
                    accurateGradMean, seed, seedInit, seedX, verbose);
        }
    }

    private static void atLeast(String flag, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
        }
    }

    private static void finite(String flag, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(flag + " must be a finite number, got " + value);
        }
    }

    /** Every layer's width in the student: hidden widths times {@link #nodeMulti}, not the input, not the output. */
    public List<Integer> studentWidths() {
        return studentWidths(ks, nodeMulti);
    }

    private static List<Integer> studentWidths(List<Integer> ks, int nodeMulti) {
        List<Integer> widths = new ArrayList<>(ks);
        for (int i = 1; i + 1 < widths.size(); i++) {
            widths.set(i, (int) Math.min(Integer.MAX_VALUE - 1, (long) widths.get(i) * nodeMulti));
        }
        return widths;
    }

    public long studentSeed() {
        return seedInit != null ? seedInit : seed;
    }

    public long dataSeed() {
        return seedX != null ? seedX : seed;
    }
}
