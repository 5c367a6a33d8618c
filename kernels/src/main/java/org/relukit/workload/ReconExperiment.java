package org.relukit.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * The {@code recon} experiment (SPEC §1): a fixed teacher, a fresh over-realised student per
 * trial, plain SGD on MSE, and the teacher–student correlations before training and after every
 * epoch, on the first batches of the training and the evaluation sets.
 *
 * <p>Randomness: the teacher and the data sets come from {@code seed}; trial t's student init,
 * shuffles and regenerated data come from a stream of its own, so a trial does not depend on the
 * ones before it.
 */
public final class ReconExperiment {
    private final Backend backend;
    private final ReconConfig config;

    public ReconExperiment(Backend backend, ReconConfig config) {
        config.validate();
        this.backend = backend;
        this.config = config;
    }

    public List<TrialResult> run() {
        return run(new ReconListener() {});
    }

    public List<TrialResult> run(ReconListener listener) {
        SplittableRandom root = new SplittableRandom(config.seed);
        List<Layer> teacherLayers = TeacherStudent.teacher(config, root.split());
        SplittableRandom dataRng = root.split();
        int d = config.dataD;
        float[] train = Initialisation.gaussian(dataRng, config.trainSize * d, config.dataStd);
        float[] eval = Initialisation.gaussian(dataRng, config.evalSize * d, config.dataStd);
        List<TrialResult> results = new ArrayList<>();
        try (Network teacher = new Network(backend, teacherLayers);
             Tensor trainSet = backend.allocate(config.trainSize, d);
             Tensor shuffled = backend.allocate(config.trainSize, d);
             Tensor evalSet = backend.allocate(config.evalSize, d)) {
            backend.upload(eval, evalSet);
            for (int trial = 0; trial < config.numTrial; trial++) {
                backend.upload(train, trainSet);
                results.add(runTrial(trial, teacher, teacherLayers, train, trainSet, shuffled, evalSet, listener));
            }
        }
        return results;
    }

    private static SplittableRandom trialRandom(long seed, int trial) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + trial + 1);
    }

    private TrialResult runTrial(int trial, Network teacher, List<Layer> teacherLayers, float[] originalTrain,
                                 Tensor trainSet, Tensor shuffled, Tensor evalSet, ReconListener listener) {
        SplittableRandom rng = trialRandom(config.seed, trial);
        int batch = config.batchsize, d = config.dataD;
        int fullSteps = config.trainSize / batch, tailRows = config.trainSize % batch;
        List<Evaluation> evaluations = new ArrayList<>();
        float[] host = originalTrain.clone();
        float[] shuffledHost = new float[host.length];
        int[] order = new int[config.trainSize];
        try (Network student = new Network(backend, TeacherStudent.student(config, teacherLayers, rng));
             Sgd sgd = new Sgd(backend, student, config.momentum, config.weightDecay, config.normalize);
             TrainingStep full = new TrainingStep(backend, teacher, student, sgd, batch, config.crossEntropy);
             TrainingStep tail = tailRows == 0 ? null
                     : new TrainingStep(backend, teacher, student, sgd, tailRows, config.crossEntropy);
             Evaluator evaluator = new Evaluator(backend, teacher, student, config.evalBatches * config.evalBatchsize)) {
            evaluate(evaluator, trainSet, evalSet, trial, -1, 0, evaluations, listener);
            int steps = config.stepsPerEpoch();
            for (int epoch = 0; epoch < config.numEpoch; epoch++) {
                if (config.regenDatasetEachEpoch && epoch > 0) {
                    host = Initialisation.gaussian(rng, host.length, config.dataStd);
                    backend.upload(host, trainSet);
                }
                shuffle(host, shuffledHost, order, d, rng);
                backend.upload(shuffledHost, shuffled);
                float lr = (float) config.lr.at(epoch);
                long start = System.nanoTime();
                for (int step = 0; step < steps; step++) {
                    float loss = step < fullSteps
                            ? full.run(shuffled, step * batch, lr)
                            : tail.run(shuffled, step * batch, lr);
                    if (!Float.isFinite(loss)) {
                        listener.onDiverged(trial, epoch, step, loss);
                        return new TrialResult(trial, List.copyOf(evaluations), epoch);
                    }
                    if (step % 100 == 0 || step == steps - 1) {
                        listener.onProgress(trial, epoch, step + 1, steps, loss);
                    }
                }
                double stepsPerSecond = steps / ((System.nanoTime() - start) / 1e9);
                evaluate(evaluator, trainSet, evalSet, trial, epoch, stepsPerSecond, evaluations, listener);
            }
        }
        return new TrialResult(trial, List.copyOf(evaluations), -1);
    }

    private static void evaluate(Evaluator evaluator, Tensor trainSet, Tensor evalSet, int trial, int epoch,
                                 double stepsPerSecond, List<Evaluation> evaluations, ReconListener listener) {
        for (String split : new String[] {"train", "eval"}) {
            Evaluation e = evaluator.evaluate(split.equals("train") ? trainSet : evalSet, trial, epoch, split, stepsPerSecond);
            evaluations.add(e);
            listener.onEvaluation(e);
        }
    }

    /** Fisher–Yates over sample indices, then the rows gathered in that order. */
    private static void shuffle(float[] data, float[] out, int[] order, int d, SplittableRandom rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(data, order[i] * d, out, i * d, d);
        }
    }
}
