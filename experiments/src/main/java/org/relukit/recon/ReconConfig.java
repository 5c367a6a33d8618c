package org.relukit.recon;

import java.util.ArrayList;
import java.util.List;
import org.relukit.nn.ImageShape;
import org.relukit.nn.LrSchedule;

/**
 * Parameters of the {@code recon} experiment (docs/math.md#recon-experiment), under the seed's
 * names. A record, so that it is one definition: the runner serialises it to {@code config.json}
 * as it is. It is valid once built: the canonical constructor checks every component. Build one
 * from the seed's defaults with {@link #builder()}.
 */
public record ReconConfig(
        int dataD,
        double dataStd,
        List<Integer> ks,
        int nodeMulti,
        int dOutput,
        LrSchedule lr,
        int numEpoch,
        int numTrial,
        int batchsize,
        int evalBatchsize,
        int evalBatches,
        boolean fixedEvalSamples,
        double momentum,
        double weightDecay,
        long seed,
        boolean noBias,
        boolean normalize,
        Double perturb,
        boolean sameDir,
        boolean sameSign,
        boolean crossEntropy,
        boolean regenDatasetEachEpoch,
        boolean bn,
        boolean bnAffine,
        boolean bnBeforeRelu,
        boolean teacherBn,
        boolean teacherBnAffine,
        boolean teacherBnFit,
        boolean noSep,
        boolean statsW,
        boolean statsH,
        int trainSize,
        int evalSize,
        boolean useCnn,
        String dataset,
        String dataDir) {

    /** The input distributions {@code --dataset} names. */
    public static final List<String> DATASETS = List.of("gaussian", "mnist", "cifar10");

    public ReconConfig {
        positive("--data_d", dataD);
        if (!DATASETS.contains(dataset)) {
            throw new IllegalArgumentException("--dataset " + dataset + " is not one of " + String.join(", ", DATASETS));
        }
        if (!dataset.equals("gaussian") && (dataDir == null || dataDir.isBlank())) {
            throw new IllegalArgumentException("--dataset " + dataset + " reads the standard " + dataset
                    + " files from a directory: pass --data_dir DIR (README, \"Image data\", lists the files)");
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
        ks = List.copyOf(ks);
        if (regenDatasetEachEpoch && !dataset.equals("gaussian")) {
            throw new IllegalArgumentException("--regen_dataset_each_epoch draws new gaussian inputs: drop it for --dataset " + dataset);
        }
        if (useCnn) {
            ImageShape image = imageShape(dataset);
            if (ks.size() > image.deepestConvStack()) {
                throw new IllegalArgumentException("--ks " + ks + " asks for " + ks.size() + " conv layers, but each takes 2 rows"
                        + " and columns off the " + image + " " + dataset + " input: at most " + image.deepestConvStack()
                        + " fit; drop layers from --ks");
            }
            if (statsH) {
                throw new IllegalArgumentException("--stats_H is for fully connected networks (as in the original): drop it or --use_cnn");
            }
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

    /** A builder holding the seed's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The seed's defaults, mutable; {@link #build()} checks them. */
    public static final class Builder {
        public int dataD = 20;
        public double dataStd = 10.0;
        /** Teacher hidden widths, lowest first. */
        public List<Integer> ks = List.of(10, 15, 20, 25);
        public int nodeMulti = 10;
        /** Null: 100 for gaussian inputs, 10 for the image datasets (their classes). */
        public Integer dOutput = null;
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
        /** Convolutional teacher and student (3 × 3 filters, no padding) instead of fully connected ones. */
        public boolean useCnn = false;
        /** gaussian, mnist or cifar10. */
        public String dataset = "gaussian";
        /** Where mnist and cifar10 read their standard files; null for gaussian. Their sets' sizes are then trainSize and evalSize. */
        public String dataDir = null;

            public ReconConfig build() {
                int output = dOutput != null ? dOutput : dataset.equals("gaussian") ? 100 : 10;
                return new ReconConfig(dataD, dataStd, ks, nodeMulti, output, lr, numEpoch, numTrial, batchsize,
                    evalBatchsize, evalBatches, fixedEvalSamples, momentum, weightDecay, seed, noBias, normalize, perturb,
                    sameDir, sameSign, crossEntropy, regenDatasetEachEpoch, bn, bnAffine, bnBeforeRelu, teacherBn,
                    teacherBnAffine, teacherBnFit, noSep, statsW,
                    statsH, trainSize, evalSize, useCnn, dataset, dataDir);
            }
        }

    /** @throws IllegalArgumentException naming the first bad parameter and what it must be */
    private static void positive(String flag, long value) {
        positive(flag, value, 1);
    }

    private static void positive(String flag, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
        }
    }

    /**
     * One sample of {@code dataset} as an image: gaussian inputs of a conv net are 1 × 16 × 16, as
     * the original draws them (then {@code --data_d} is not used), MNIST 1 × 28 × 28, CIFAR-10 3 × 32 × 32.
     */
    public static ImageShape imageShape(String dataset) {
        return switch (dataset) {
            case "mnist" -> new ImageShape(1, 28, 28);
            case "cifar10" -> new ImageShape(3, 32, 32);
            default -> new ImageShape(1, 16, 16);
        };
    }

    /** The input image of the conv networks; null without {@code --use_cnn}. */
    public ImageShape convInput() {
        return useCnn ? imageShape(dataset) : null;
    }

    /** Floats per input sample: {@code --data_d} for fully connected nets on gaussian inputs, else the image flattened. */
    public int inputSize() {
        return useCnn || !dataset.equals("gaussian") ? imageShape(dataset).size() : dataD;
    }

    /**
     * Whether the student's BatchNorm trains γ and β: with {@code --bn_affine}, and always for conv
     * nets, whose BatchNorm2d the original builds with PyTorch's default {@code affine=True}.
     */
    public boolean studentBnAffine() {
        return bnAffine || useCnn;
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
