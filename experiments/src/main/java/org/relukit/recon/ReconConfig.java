package org.relukit.recon;

import org.relukit.nn.Layer;
import org.relukit.nn.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameters of the {@code recon} experiment (docs/math.md#recon-experiment), under the original's
 * names, with its defaults (docs/departures.md lists where they differ). A plain mutable bag: set
 * what you change, then {@link #validate()}.
 */
public final class ReconConfig {
    public int dataD = 20;
    public double dataStd = 10.0;
    /** Teacher hidden widths, lowest first. */
    public List<Integer> ks = List.of(10, 15, 20, 25);
    public int nodeMulti = 10;
    public int dOutput = 100;
    public LrSchedule lr = LrSchedule.constant(0.05);
    public int numEpoch = 40;
    public int numTrial = 10;
    public int batchsize = 64;
    public int evalBatchsize = 64;
    /** Batches of each split the statistics are computed on. */
    public int evalBatches = 3;
    /**
     * Always evaluate on the first {@code evalBatches × evalBatchsize} rows of each set, instead of
     * the first batches of a fresh random order of it, as the original's shuffled loaders give.
     */
    public boolean fixedEvalSamples = false;
    public double momentum = 0;
    public double weightDecay = 0;
    public long seed = 1;
    public boolean noBias = false;
    public boolean normalize = false;
    /** Student = teacher + N(0, perturb²); null when off. Forces nodeMulti to 1, as sameDir and sameSign do. */
    public Double perturb = null;
    public boolean sameDir = false;
    public boolean sameSign = false;
    public boolean crossEntropy = false;
    public boolean regenDatasetEachEpoch = false;
    /** BatchNorm1d after every hidden layer of the student; with {@code bnAffine}, trained γ and β. */
    public boolean bn = false;
    public boolean bnAffine = false;
    /** BatchNorm between the linear map and the ReLU instead of after the ReLU (student and teacher). */
    public boolean bnBeforeRelu = false;
    /**
     * BatchNorm1d in the teacher too. The teacher is fixed: γ = 1, β = 0 (PyTorch's initial values,
     * also with {@code teacherBnAffine}); for its running statistics see {@code teacherBnFit}.
     */
    public boolean teacherBn = false;
    public boolean teacherBnAffine = false;
    /**
     * Set the teacher's BatchNorm running statistics from the training set. Without it they keep
     * PyTorch's initial mean 0 and variance 1, as in the original, and the BatchNorm is all but the identity.
     */
    public boolean teacherBnFit = false;
    /** Keep PyTorch's default init for the teacher instead of the "separate" rows (then normalise it). */
    public boolean noSep = false;
    /** Per layer, the student's weight norms and their drift from the initialisation, in every evaluation. */
    public boolean statsW = false;
    /** The H and β matrices relating student to teacher and student to itself, in every evaluation. */
    public boolean statsH = false;
    public int trainSize = 100_000;
    public int evalSize = 1_024;
    /** A teacher to train against instead of drawing one from {@code seed} ({@code --load_teacher}); null to draw. */
    public List<Layer> teacher = null;

    /** @throws IllegalArgumentException naming the first bad parameter and what it must be */
    public void validate() {
        positive("--data_d", dataD);
        if (teacher != null && ks != null) {
            int[] widths = TeacherStudent.widths(dataD, ks, dOutput);
            boolean fits = teacher.size() == widths.length - 1;
            for (int l = 0; fits && l < teacher.size(); l++) {
                fits = teacher.get(l).k() == widths[l] && teacher.get(l).n() == widths[l + 1];
            }
            if (!fits) {
                throw new IllegalArgumentException("--load_teacher: the teacher's layers do not fit --data_d " + dataD
                        + " --ks " + ks + " --d_output " + dOutput + ": pass the widths the teacher was made with");
            }
        }
        if (!(dataStd > 0) || Double.isInfinite(dataStd)) {
            throw new IllegalArgumentException("--data_std must be a positive number, got " + dataStd);
        }
        if (ks == null || ks.isEmpty()) {
            throw new IllegalArgumentException("--ks needs at least one hidden width, e.g. \"[10, 15, 20, 25]\"");
        }
        for (int k : ks) {
            positive("--ks entries", k);
        }
        positive("--node_multi", nodeMulti);
        positive("--d_output", dOutput);
        positive("--num_epoch", numEpoch, 0);
        positive("--num_trial", numTrial);
        positive("--batchsize", batchsize);
        positive("--eval_batchsize", evalBatchsize);
        positive("--train_size", trainSize);
        positive("--eval_size", evalSize);
        if (fixedEvalSamples && ((long) evalBatches * evalBatchsize > evalSize || (long) evalBatches * evalBatchsize > trainSize)) {
            throw new IllegalArgumentException("--fixed_eval_samples: --eval_batchsize " + evalBatchsize + " x " + evalBatches
                    + " batches needs that many samples in both sets: raise --eval_size/--train_size or lower --eval_batchsize");
        }
        if (batchsize > trainSize) {
            throw new IllegalArgumentException("--batchsize " + batchsize + " exceeds --train_size " + trainSize);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("--weight_decay must be >= 0, got " + weightDecay);
        }
        if (perturb != null && (!(perturb >= 0) || perturb.isInfinite())) {
            throw new IllegalArgumentException("--perturb must be a standard deviation >= 0, got " + perturb);
        }
        if (bnAffine && !bn) {
            throw new IllegalArgumentException("--bn_affine gives the student's BatchNorm its γ and β: add --bn");
        }
        if (teacherBnFit && !teacherBn) {
            throw new IllegalArgumentException("--teacher_bn_fit sets the statistics of the teacher's BatchNorm: add --teacher_bn");
        }
        if (teacherBnAffine && !teacherBn) {
            throw new IllegalArgumentException("--teacher_bn_affine gives the teacher's BatchNorm its γ and β: add --teacher_bn");
        }
        if (bnBeforeRelu && !bn && !teacherBn) {
            throw new IllegalArgumentException("--bn_before_relu places a BatchNorm: add --bn or --teacher_bn");
        }
        if (bn && (batchsize < 2 || trainSize % batchsize == 1)) {
            throw new IllegalArgumentException("--bn needs at least 2 samples in every batch (a batch variance), but --batchsize "
                    + batchsize + " with --train_size " + trainSize + " leaves a batch of 1: change either");
        }
    }

    private static void positive(String flag, long value) {
        positive(flag, value, 1);
    }

    private static void positive(String flag, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
        }
    }

    /** Whether the student starts from the teacher (--perturb, --same_dir, --same_sign), which forces nodeMulti to 1. */
    public boolean startsFromTeacher() {
        return perturb != null || sameDir || sameSign;
    }

    /** The student's hidden widths: the teacher's times {@code nodeMulti} (times 1 when it starts from the teacher). */
    public List<Integer> studentKs() {
        int multi = startsFromTeacher() ? 1 : nodeMulti;
        List<Integer> widths = new ArrayList<>();
        for (int k : ks) {
            widths.add(k * multi);
        }
        return widths;
    }

    /**
     * Samples an evaluation of {@code split} ("train" or "eval") measures on: the first
     * {@code evalBatches} batches of the split's loader, whose batch is {@code batchsize} for the
     * training set and {@code evalBatchsize} for the evaluation set, at most the whole set;
     * {@code evalBatches × evalBatchsize} of both with {@code fixedEvalSamples}.
     */
    public int evaluationSamples(String split) {
        if (fixedEvalSamples) {
            return evalBatches * evalBatchsize;
        }
        boolean train = split.equals("train");
        return (int) Math.min((long) evalBatches * (train ? batchsize : evalBatchsize), train ? trainSize : evalSize);
    }

    /** Steps in one epoch: the last batch holds what remains. */
    public int stepsPerEpoch() {
        return (trainSize + batchsize - 1) / batchsize;
    }
}
