package org.relukit.recon;

import org.relukit.backend.HostNorms;
import org.relukit.nn.BatchNormLayer;
import org.relukit.stats.Evaluation;
import org.relukit.stats.Evaluator;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.nn.Sgd;
import org.relukit.nn.TrainingStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;
import org.relukit.data.RandomCropFlip;

/**
 * The {@code recon} experiment (docs/math.md#recon-experiment): a fixed teacher, a fresh
 * over-realised student per trial, SGD on the output loss, and the teacher–student correlations
 * before training and after every epoch, on the first batches of a fresh random order of the
 * training and the evaluation sets (of their first rows with {@code --fixed_eval_samples}).
 *
 * <p>Randomness: the teacher and the data sets come from {@code seed}; trial t's student comes
 * from a stream of (seed, t), epoch e's shuffle (and regenerated data) from (seed, t, e), and the
 * order an evaluation after epoch e takes its samples in from one of (seed, t, e, split). So a
 * trial does not depend on the ones before it, and a run resumed from a {@link Checkpoint}
 * continues exactly as it would have.
 */
public final class ReconExperiment {
    /** One backend per trial running at once: trials never share tensors or a device queue. */
    private final List<Backend> backends;
    private final ReconConfig config;
    /** The teacher to train against, or null to draw one from the config's seed. */
    private final List<Layer> loadedTeacher;
    /** The images of --dataset mnist|cifar10; null for gaussian inputs. */
    private final ImageInputs images;
    private volatile boolean stopRequested;
    private volatile boolean stopped;

    public ReconExperiment(Backend backend, ReconConfig config) {
        this(backend, config, null);
    }

    /**
     * Trains against {@code teacher} (e.g. one loaded from a checkpoint) instead of drawing one.
     *
     * @throws IllegalArgumentException if the teacher's layers do not fit the config's widths
     */
    public ReconExperiment(Backend backend, ReconConfig config, List<Layer> teacher) {
        this(List.of(backend), config, teacher);
    }

    /**
     * Runs {@code backends.size()} trials at once, one per backend, each on a thread of its own; the
     * caller keeps ownership of the backends. The trials' results are the same as one after another:
     * every trial draws from its own random streams and runs on a backend of the same kind.
     * A listener then hears from several threads at once and must be thread-safe.
     */
    public ReconExperiment(List<? extends Backend> backends, ReconConfig config, List<Layer> teacher) {
        this(backends, config, teacher, null);
    }

    /**
     * As {@link #ReconExperiment(List, ReconConfig, List)}, on the images of {@code --dataset
     * mnist|cifar10} ({@link ImageInputs#read}), whose sizes must be the config's training and
     * evaluation sizes; null for gaussian inputs.
     */
    public ReconExperiment(List<? extends Backend> backends, ReconConfig config, List<Layer> teacher, ImageInputs images) {
        if ((images == null) != config.dataset().equals("gaussian")) {
            throw new IllegalArgumentException("--dataset " + config.dataset() + (images == null ? " needs its images" : " has no image files"));
        }
        if (images != null && (images.train().size() != config.trainSize() || images.eval().size() != config.evalSize()
                || images.train().sampleLength() != config.inputSize())) {
            throw new IllegalArgumentException("the " + config.dataset() + " images are not the config's: train on "
                    + images.train().size() + " and evaluate on " + images.eval().size() + " samples of " + images.train().sampleLength());
        }
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is needed to run trials on");
        }
        if (teacher != null) {
            TeacherStudent.requireFits(config, teacher);
        }
        this.backends = List.copyOf(backends);
        this.config = config;
        this.loadedTeacher = teacher;
        this.images = images;
    }

    /** Asks a running experiment to stop at the next step boundary; safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether the last run ended on {@link #requestStop()} rather than by finishing. */
    public boolean stopped() {
        return stopped;
    }

    public List<TrialResult> run() {
        return run(new ReconListener() {});
    }

    public List<TrialResult> run(ReconListener listener) {
        return resume(List.of(), listener);
    }

    /**
     * Continues a run that was stopped one trial at a time ({@code null}: from the start): the
     * trials before the checkpoint's are done, its own continues from it.
     */
    public List<TrialResult> resume(Checkpoint from, ReconListener listener) {
        if (from == null) {
            return run(listener);
        }
        List<Integer> done = new ArrayList<>();
        for (int trial = 0; trial < from.trial(); trial++) {
            done.add(trial);
        }
        return run(done, List.of(from), listener);
    }

    /**
     * Continues from each trial's latest checkpoint: a trial whose checkpoint is finished is
     * skipped, one with an unfinished checkpoint continues from it, and a trial without one starts
     * afresh. Returns the trials run by this call, in trial order; a trial resumed mid-way holds
     * only its later evaluations.
     */
    public List<TrialResult> resume(Collection<Checkpoint> latest, ReconListener listener) {
        return run(List.of(), latest, listener);
    }

    private List<TrialResult> run(List<Integer> done, Collection<Checkpoint> latest, ReconListener listener) {
        stopped = false;
        SplittableRandom root = new SplittableRandom(config.seed());
        // The teacher's stream is drawn even when a teacher is loaded, so the data sets stay the same.
        SplittableRandom teacherRng = root.split();
        List<Layer> teacherLayers = loadedTeacher != null ? loadedTeacher : TeacherStudent.teacher(config, teacherRng);
        Map<Integer, Checkpoint> partial = new TreeMap<>();
        Set<Integer> skip = new TreeSet<>(done);
        for (Checkpoint c : latest) {
            if (!sameShapes(c.teacher(), teacherLayers)) {
                throw new IllegalArgumentException("the checkpoint was made with other widths than this config");
            }
            if (c.trialFinished(config)) {
                skip.add(c.trial());
            } else {
                partial.put(c.trial(), c);
            }
        }
        SplittableRandom dataRng = root.split();
        int d = config.inputSize();
        float[] train = images != null ? images.train().pixels() : Initialisation.gaussian(dataRng, config.trainSize() * d, config.dataStd());
        float[] eval = images != null ? images.eval().pixels() : Initialisation.gaussian(dataRng, config.evalSize() * d, config.dataStd());
        List<Integer> todo = new ArrayList<>();
        for (int trial = 0; trial < config.numTrial(); trial++) {
            if (!skip.contains(trial)) {
                todo.add(trial);
            }
        }
        TrialResult[] results = new TrialResult[config.numTrial()];
        // Shared read-only by every worker: the augmentation keeps no state.
        RandomCropFlip augmentation = images != null ? images.augmentation() : null;
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(backends.size(), todo.size());
        Runnable[] work = new Runnable[workers];
        for (int w = 0; w < workers; w++) {
            Backend backend = backends.get(w);
            work[w] = () -> runTrials(backend, teacherLayers, train, eval, augmentation, todo, next, partial, results, listener);
        }
        runAll(work);
        List<TrialResult> ran = new ArrayList<>();
        for (TrialResult r : results) {
            if (r != null) {
                ran.add(r);
            }
        }
        return ran;
    }

    /** One worker: its own copy of the teacher and the data sets on its backend, then trials until none is left. */
    private void runTrials(Backend backend, List<Layer> teacherLayers, float[] train, float[] eval,
                           RandomCropFlip augmentation, List<Integer> todo, AtomicInteger next,
                           Map<Integer, Checkpoint> partial, TrialResult[] results, ReconListener listener) {
        int d = config.inputSize();
        try (Network teacher = new Network(backend, teacherLayers, norms(teacherLayers, config.teacherBn(),
                     config.teacherBnAffine()), config.bnBeforeRelu(), config.convInput());
             Tensor trainSet = backend.allocate(config.trainSize(), d);
             Tensor shuffled = backend.allocate(config.trainSize(), d);
             Tensor evalSet = backend.allocate(config.evalSize(), d)) {
            backend.upload(eval, evalSet);
            backend.upload(train, trainSet);
            if (config.teacherBnFit()) {
                teacher.fitRunningStatistics(trainSet);
            }
            for (int i = next.getAndIncrement(); i < todo.size() && !stopped; i = next.getAndIncrement()) {
                int trial = todo.get(i);
                results[trial] = new Trial(backend, trial, teacher, teacherLayers, train, trainSet, shuffled, evalSet,
                        augmentation, listener).run(partial.get(trial));
            }
        }
    }

    /**
     * Runs the workers, the first on the calling thread; a failure in any stops the others at
     * their next step and is thrown here once all have ended.
     */
    private void runAll(Runnable[] work) {
        if (work.length == 0) {
            return;
        }
        if (work.length == 1) {
            work[0].run();
            return;
        }
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 1; w < work.length; w++) {
            Runnable job = work[w];
            threads.add(Thread.ofPlatform().name("relukit-trials-" + w).start(() -> guarded(job, failure)));
        }
        guarded(work[0], failure);
        for (Thread t : threads) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    requestStop();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void guarded(Runnable job, AtomicReference<RuntimeException> failure) {
        try {
            job.run();
        } catch (RuntimeException | Error e) {
            RuntimeException wrapped = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            if (!failure.compareAndSet(null, wrapped)) {
                failure.get().addSuppressed(e);
            }
            // The other trials stop at their next step; a stop request is what they already obey.
            stopRequested = true;
        }
    }

    /**
     * PyTorch's initial BatchNorm for each hidden layer of {@code layers}, or none. The teacher's
     * keeps γ = 1, β = 0 (nothing trains it) and, as in the original, whose teacher only runs in
     * eval mode, the initial running mean 0 and variance 1, which make it all but the identity;
     * with {@code --teacher_bn_fit} its running statistics come from the training set
     * ({@link Network#fitRunningStatistics}).
     */
    private static List<BatchNormLayer> norms(List<Layer> layers, boolean bn, boolean affine) {
        List<BatchNormLayer> norms = new ArrayList<>();
        for (int l = 0; bn && l + 1 < layers.size(); l++) {
            norms.add(BatchNormLayer.initial(layers.get(l).n(), affine));
        }
        return norms;
    }

    private static boolean sameShapes(List<Layer> a, List<Layer> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int l = 0; l < a.size(); l++) {
            if (a.get(l).n() != b.get(l).n() || a.get(l).k() != b.get(l).k()) {
                return false;
            }
        }
        return true;
    }

    /** The stream of trial t (epoch = -1) or of its epoch e. */
    static SplittableRandom random(long seed, int trial, int epoch) {
        return new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L * (trial + 1) ^ 0xC2B2AE3D27D4EB4FL * (epoch + 2));
    }

    /**
     * The rows an evaluation of {@code split} after epoch {@code epoch} (-1: before training)
     * measures on: the first {@code samples} of a random order of the set's {@code setSize} rows,
     * as the first batches of the original's shuffled loader. The order comes from a stream of its
     * own per (seed, trial, epoch, split), split off a fresh copy of the epoch's stream, so it
     * leaves the training stream alone and a resumed run draws the same rows.
     */
    static int[] evaluationRows(long seed, int trial, int epoch, String split, int setSize, int samples) {
        SplittableRandom epochStream = random(seed, trial, epoch);
        SplittableRandom trainOrder = epochStream.split();
        SplittableRandom rng = split.equals("train") ? trainOrder : epochStream.split();
        int[] pool = new int[setSize];
        for (int i = 0; i < setSize; i++) {
            pool[i] = i;
        }
        // The first `samples` steps of a Fisher–Yates shuffle: a uniform draw of the order's head.
        for (int i = 0; i < samples; i++) {
            int j = i + rng.nextInt(setSize - i);
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
        }
        return Arrays.copyOf(pool, samples);
    }

    /** One trial's state, so its loop reads as the paper's procedure. */
    private final class Trial {
        private final Backend backend;
        private final int trial;
        private final Network teacher;
        private final List<Layer> teacherLayers;
        private final float[] originalTrain;
        private final Tensor trainSet, shuffled, evalSet;
        /** CIFAR-10's crop and flip of every training sample as an epoch fetches it; null without. */
        private final RandomCropFlip augmentation;
        private final ReconListener listener;
        private final List<Evaluation> evaluations = new ArrayList<>();

        Trial(Backend backend, int trial, Network teacher, List<Layer> teacherLayers, float[] originalTrain,
              Tensor trainSet, Tensor shuffled, Tensor evalSet, RandomCropFlip augmentation, ReconListener listener) {
            this.backend = backend;
            this.trial = trial;
            this.teacher = teacher;
            this.teacherLayers = teacherLayers;
            this.originalTrain = originalTrain;
            this.trainSet = trainSet;
            this.shuffled = shuffled;
            this.evalSet = evalSet;
            this.augmentation = augmentation;
            this.listener = listener;
        }

        TrialResult run(Checkpoint start) {
            int batch = config.batchsize();
            int fullSteps = config.trainSize() / batch, tailRows = config.trainSize() % batch;
            int steps = config.stepsPerEpoch();
            List<Layer> initialised = TeacherStudent.student(config, teacherLayers, random(config.seed(), trial, -1));
            if (config.normalize()) {
                // The original normalises the student once before its first statistics, then after every step.
                for (Layer layer : initialised) {
                    HostNorms.normalizeRows(layer.weights(), layer.bias(), layer.n(), layer.k());
                }
            }
            List<Layer> initial = start != null ? start.student() : initialised;
            List<BatchNormLayer> norms = start != null ? start.studentNorms()
                    : norms(initialised, config.bn(), config.studentBnAffine());
            if (norms.isEmpty() == config.bn()) {
                throw new IllegalArgumentException("the checkpoint " + (config.bn() ? "has no" : "has")
                        + " BatchNorm state, the run's flags say " + (config.bn() ? "--bn" : "no --bn"));
            }
            backend.upload(originalTrain, trainSet);
            try (Network student = new Network(backend, initial, norms, config.bnBeforeRelu(), config.convInput());
                 Sgd sgd = new Sgd(backend, student, config.momentum(), config.weightDecay(), config.normalize());
                 TrainingStep full = new TrainingStep(backend, teacher, student, sgd, batch, config.crossEntropy());
                 TrainingStep tail = tailRows == 0 ? null
                         : new TrainingStep(backend, teacher, student, sgd, tailRows, config.crossEntropy());
                 Evaluator trainEvaluator = new Evaluator(backend, teacher, student, config.evaluationSamples("train"),
                         config.statsW() ? initialised : null, config.statsH());
                 Evaluator evalEvaluator = new Evaluator(backend, teacher, student, config.evaluationSamples("eval"),
                         config.statsW() ? initialised : null, config.statsH());
                 EpochData data = new EpochData(config, trial, originalTrain, images, augmentation)) {
                int firstEpoch = 0, firstStep = 0;
                if (start != null) {
                    sgd.uploadVelocities(start.velocities());
                    firstEpoch = start.epoch();
                    firstStep = start.step();
                } else {
                    evaluate(trainEvaluator, evalEvaluator, -1, 0);
                }
                for (int epoch = firstEpoch; epoch < config.numEpoch(); epoch++) {
                    EpochData.Epoch rows = data.take(epoch);
                    if (rows.regenerated() != null) {
                        backend.upload(rows.regenerated(), trainSet);
                    }
                    backend.upload(rows.rows(), shuffled);
                    float lr = (float) config.lr().at(epoch);
                    long begin = System.nanoTime();
                    int from = epoch == firstEpoch ? firstStep : 0;
                    for (int step = from; step < steps; step++) {
                        if (stopRequested) {
                            stopped = true;
                            listener.onCheckpoint(new Checkpoint(trial, epoch, step, teacherLayers,
                                    student.download(), sgd.downloadVelocities(), student.downloadNorms()));
                            return result(-1);
                        }
                        float loss = step < fullSteps
                                ? full.run(shuffled, step * batch, lr)
                                : tail.run(shuffled, step * batch, lr);
                        if (!Float.isFinite(loss)) {
                            listener.onDiverged(trial, epoch, step, loss);
                            return result(epoch);
                        }
                        if (step % 100 == 0 || step == steps - 1) {
                            listener.onProgress(trial, epoch, step + 1, steps, loss);
                        }
                    }
                    evaluate(trainEvaluator, evalEvaluator, epoch, (steps - from) / ((System.nanoTime() - begin) / 1e9));
                    listener.onCheckpoint(new Checkpoint(trial, epoch + 1, 0, teacherLayers,
                            student.download(), sgd.downloadVelocities(), student.downloadNorms()));
                }
            }
            return result(-1);
        }

        private TrialResult result(int divergedAtEpoch) {
            return new TrialResult(trial, List.copyOf(evaluations), divergedAtEpoch);
        }

        private void evaluate(Evaluator trainEvaluator, Evaluator evalEvaluator, int epoch, double stepsPerSecond) {
            for (String split : new String[] {"train", "eval"}) {
                boolean train = split.equals("train");
                Evaluator evaluator = train ? trainEvaluator : evalEvaluator;
                Tensor data = train ? trainSet : evalSet;
                Evaluation e = config.fixedEvalSamples()
                        ? evaluator.evaluate(data, trial, epoch, split, stepsPerSecond)
                        : evaluator.evaluate(data, evaluationRows(config.seed(), trial, epoch, split,
                                train ? config.trainSize() : config.evalSize(), config.evaluationSamples(split)),
                                trial, epoch, split, stepsPerSecond);
                if (images != null) {
                    // The original's full_eval_cls: the whole split, the student alone, argmax against the label.
                    e = e.withAccuracy(evaluator.accuracy(data, (train ? images.train() : images.eval()).labels()));
                }
                evaluations.add(e);
                listener.onEvaluation(e);
            }
        }
    }
}
