package org.relukit.runner;

import org.relukit.recon.Checkpoint;
import org.relukit.recon.ImageInputs;
import org.relukit.stats.Evaluation;
import org.relukit.nn.LrSchedule;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.ReconExperiment;
import org.relukit.recon.ReconListener;
import org.relukit.recon.TeacherStudent;
import org.relukit.recon.TrialResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import com.google.gson.JsonObject;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.ReconRecord;
import org.relukit.nn.Layer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.relukit.backend.Backend;
import org.relukit.runner.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "recon", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Trains students on a fixed teacher; tracks how they match it.",
        description = {"Teacher-student reconstruction: train an over-realised student on a fixed",
                "teacher and report, every epoch, how well each teacher node is matched by a",
                "student node (its best correlation).",
                "Writes under --out: config.json (also the machine, times and final status),",
                "metrics.jsonl, summary.json, metrics.csv, checkpoints, plots and report.html.",
                "--resume DIR carries on a stopped run. Defaults follow the original code",
                "(docs/math.md#recon-experiment); docs/departures.md lists the flags that",
                "select relukit's variants."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Main.EXIT_DONE, Main.EXIT_FAULT, Main.EXIT_USAGE,
                "3:Some trial's loss stopped being finite (NaN or infinite).",
                Main.EXIT_INT + " --resume DIR carries on from the checkpoint.", Main.EXIT_TERM})
final class ReconCommand implements Callable<Integer> {
    /** Exit code when at least one trial's loss stopped being finite. */
    static final int DIVERGED = 3;

    /**
     * The most threads a trial takes when --threads is not given. Two is what was measured (a 2-vCPU
     * VM: 0.8–1.6× one thread at batch 64, 1.6–1.9× at 1024, jmh/PERFORMANCE.md); a batch-64 product
     * lasts tens of microseconds, and more helpers, each spinning while it waits, are not shown to help.
     */
    static final int DEFAULT_THREADS_MAX = 2;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendChoice backend;

    @Option(names = {"--data_d", "--data-d"}, defaultValue = "20", description = "Input dimension (default: ${DEFAULT-VALUE}).")
    int dataD;

    @Option(names = {"--data_std", "--data-std"}, defaultValue = "10.0", description = "Std of the gaussian inputs (default: ${DEFAULT-VALUE}).")
    double dataStd;

    @Option(names = "--ks", defaultValue = "[10, 15, 20, 25]", converter = Converters.Widths.class,
            description = "Teacher hidden widths, lowest first (default: ${DEFAULT-VALUE}).")
    List<Integer> ks;

    @Option(names = {"--node_multi", "--node-multi"}, defaultValue = "10", description = "Student width multiplier (default: ${DEFAULT-VALUE}).")
    int nodeMulti;

    @Option(names = {"--d_output", "--d-output"}, paramLabel = "N",
            description = "Output width (default: 100, or 10 for --dataset mnist and cifar10).")
    Integer dOutput;

    @Option(names = "--lr", defaultValue = "0.05", converter = Converters.Lr.class,
            description = "Learning rate, or a schedule like {0: 0.05, 20: 0.01} (default: ${DEFAULT-VALUE}).")
    LrSchedule lr;

    @Option(names = {"--num_epoch", "--num-epoch"}, defaultValue = "40", description = "Epochs per trial (default: ${DEFAULT-VALUE}).")
    int numEpoch;

    @Option(names = {"--num_trial", "--num-trial"}, defaultValue = "10", description = "Independent students (default: ${DEFAULT-VALUE}).")
    int numTrial;

    @Option(names = "--batchsize", defaultValue = "64", description = "SGD batch size (default: ${DEFAULT-VALUE}).")
    int batchsize;

    @Option(names = {"--eval_batchsize", "--eval-batchsize"}, defaultValue = "64",
            description = "Batch size of the evaluation set's statistics; they use its first 3 batches in a fresh random order, "
                    + "the training set's use 3 batches of --batchsize (--fixed_eval_samples: always the first rows) (default: ${DEFAULT-VALUE}).")
    int evalBatchsize;

    @Option(names = {"--fixed_eval_samples", "--fixed-eval-samples"},
            description = "relukit's variant: evaluate always on the first 3 x --eval_batchsize rows of each set instead of a fresh "
                    + "random sample each time, as the original does; less noise between evaluations (default: ${DEFAULT-VALUE}).")
    boolean fixedEvalSamples;

    @Option(names = "--momentum", defaultValue = "0.0", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = {"--weight_decay", "--weight-decay"}, defaultValue = "0.0", description = "SGD weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"--no_bias", "--no-bias"}, description = "No biases anywhere (default: ${DEFAULT-VALUE}).")
    boolean noBias;

    @Option(names = "--normalize", description = "Normalise the student's rows before training and after every step (default: ${DEFAULT-VALUE}).")
    boolean normalize;

    @Option(names = "--perturb", paramLabel = "STD", description = "Student = teacher + N(0, STD²) noise; forces --node_multi 1, as the original does (default: none, a random student).")
    Double perturb;

    @Option(names = {"--same_dir", "--same-dir"},
            description = "Each student layer starts as the teacher's times ||W_student||_F / ||W_teacher||_F, its bias scaled alike; "
                    + "forces --node_multi 1 (default: ${DEFAULT-VALUE}).")
    boolean sameDir;

    @Option(names = {"--same_sign", "--same-sign"},
            description = "Student weights and biases whose sign opposes the teacher's are negated (a zero teacher entry leaves them); "
                    + "forces --node_multi 1 (default: ${DEFAULT-VALUE}).")
    boolean sameSign;

    @Option(names = {"--cross_entropy", "--cross-entropy"}, description = "Cross-entropy on the argmax of the teacher output instead of MSE (default: ${DEFAULT-VALUE}).")
    boolean crossEntropy;

    @Option(names = {"--regen_dataset_each_epoch", "--regen-dataset-each-epoch"}, description = "Draw a new training set every epoch (default: ${DEFAULT-VALUE}).")
    boolean regenDatasetEachEpoch;

    @Option(names = "--bn", description = "BatchNorm1d in every hidden layer of the student, after the ReLU unless --bn_before_relu (default: ${DEFAULT-VALUE}).")
    boolean bn;

    @Option(names = {"--bn_affine", "--bn-affine"}, description = "The student's BatchNorm has trained scale and shift (γ, β); needs --bn. With --use_cnn its"
                    + " BatchNorm2d always has them, as the original's (default: ${DEFAULT-VALUE}).")
    boolean bnAffine;

    @Option(names = {"--bn_before_relu", "--bn-before-relu"},
            description = "BatchNorm between each linear map and its ReLU instead of after the ReLU, in student and teacher (default: ${DEFAULT-VALUE}).")
    boolean bnBeforeRelu;

    @Option(names = {"--teacher_bn", "--teacher-bn"},
            description = "BatchNorm1d in the teacher too, fixed and in eval mode with its initial running statistics (mean 0, variance 1), "
                    + "so all but the identity, as in the original; see --teacher_bn_fit (default: ${DEFAULT-VALUE}).")
    boolean teacherBn;

    @Option(names = {"--teacher_bn_fit", "--teacher-bn-fit"},
            description = "relukit's variant: set the teacher's BatchNorm running statistics once from the training set, "
                    + "so that it normalises; needs --teacher_bn (default: ${DEFAULT-VALUE}).")
    boolean teacherBnFit;

    @Option(names = {"--no_sep", "--no-sep"},
            description = "Keep PyTorch's default init for the teacher (uniform on ±1/sqrt(fan_in)) instead of the separate rows; "
                    + "its rows are normalised all the same (default: ${DEFAULT-VALUE}).")
    boolean noSep;

    @Option(names = {"--teacher_bn_affine", "--teacher-bn-affine"},
            description = "The teacher's BatchNorm has γ, β (fixed at 1 and 0, as PyTorch initialises them); needs --teacher_bn (default: ${DEFAULT-VALUE}).")
    boolean teacherBnAffine;

    @Option(names = {"--stats_w", "--stats-w"},
            description = "Add each layer's weight norm and drift from the initialisation to every metrics record (default: ${DEFAULT-VALUE}).")
    boolean statsW;

    @Option(names = {"--stats_H", "--stats-H", "--stats-h"},
            description = "Add summaries of the H and β matrices, student-teacher and student-student, to every metrics record (default: ${DEFAULT-VALUE}).")
    boolean statsH;

    @Option(names = {"--use_cnn", "--use-cnn"},
            description = "Convolutional teacher and student: every hidden layer a 3x3 convolution (stride 1, no padding) with"
                    + " --ks channels, then one linear output layer; gaussian inputs are then 1 x 16 x 16 and --data_d is not"
                    + " used (default: ${DEFAULT-VALUE}).")
    boolean useCnn;

    @Option(names = "--dataset", defaultValue = "gaussian",
            description = "Inputs: gaussian, mnist or cifar10 (the standard files in --data_dir; the teacher still gives the"
                    + " targets, the real labels give the student's accuracy) (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = {"--data_dir", "--data-dir"}, paramLabel = "DIR",
            description = "Directory holding the MNIST or CIFAR-10 files of --dataset (default: none).")
    Path dataDir;

    @Option(names = {"--train_size", "--train-size"}, defaultValue = "100000", description = "Gaussian training samples; mnist and cifar10 train on their standard training set (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = {"--eval_size", "--eval-size"}, defaultValue = "1024", description = "Gaussian evaluation samples; mnist and cifar10 evaluate on their standard test set (default: ${DEFAULT-VALUE}).")
    int evalSize;

    @Option(names = {"--load_teacher", "--load-teacher"}, paramLabel = "FILE",
            description = "Train against the teacher in this checkpoint (e.g. DIR/checkpoints/trial-0.json) instead of drawing one (default: none).")
    Path loadTeacher;

    @Option(names = {"--json_output", "--json-output"}, description = "Print each evaluation as one JSON line instead of text (default: ${DEFAULT-VALUE}).")
    boolean jsonOutput;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Results directory: config.json, metrics.jsonl, summary.json, metrics.csv, checkpoints, plots, report.html"
                    + " (default: runs/recon-<timestamp>).")
    Path out;

    @Option(names = "--overwrite",
            description = "Let --out name a directory that holds a run: its files are deleted first; anything else there stops the run (default: ${DEFAULT-VALUE}).")
    boolean overwrite;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR from its last checkpoint, with the flags it was started with (default: none, a new run).")
    Path resume;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Trials at once, each on its own backend instance and thread; the results are the same as one"
                    + " at a time (default: the cores / --threads, at most --num_trial).")
    Integer jobs;

    @Option(names = "--quiet", description = "No progress bar; it is drawn only when stderr is a terminal (default: ${DEFAULT-VALUE}).")
    boolean quiet;

    ReconConfig config() {
        ReconConfig.Builder c = ReconConfig.builder();
        c.dataD = dataD;
        c.dataStd = dataStd;
        c.ks = ks;
        c.nodeMulti = nodeMulti;
        c.dOutput = dOutput;
        c.lr = lr;
        c.numEpoch = numEpoch;
        c.numTrial = numTrial;
        c.batchsize = batchsize;
        c.evalBatchsize = evalBatchsize;
        c.fixedEvalSamples = fixedEvalSamples;
        c.momentum = momentum;
        c.weightDecay = weightDecay;
        c.seed = seed;
        c.noBias = noBias;
        c.normalize = normalize;
        c.perturb = perturb;
        c.sameDir = sameDir;
        c.sameSign = sameSign;
        c.crossEntropy = crossEntropy;
        c.regenDatasetEachEpoch = regenDatasetEachEpoch;
        c.bn = bn;
        c.bnAffine = bnAffine;
        c.bnBeforeRelu = bnBeforeRelu;
        c.teacherBn = teacherBn;
        c.teacherBnAffine = teacherBnAffine;
        c.teacherBnFit = teacherBnFit;
        c.noSep = noSep;
        c.statsW = statsW;
        c.statsH = statsH;
        c.trainSize = trainSize;
        c.evalSize = evalSize;
        c.useCnn = useCnn;
        c.dataset = dataset;
        c.dataDir = dataDir == null ? null : dataDir.toString();
        if (!dataset.equals("gaussian")) {
            // The standard sets' sizes until the files say otherwise: every flag is checked before any file is read.
            c.trainSize = dataset.equals("mnist") ? 60_000 : 50_000;
            c.evalSize = 10_000;
        }
        ReconConfig config = c.build();
        if (!dataset.equals("gaussian")) {
            images = ImageInputs.read(dataset, dataDir);
            c.trainSize = images.train().size();
            c.evalSize = images.eval().size();
            config = c.build();
        }
        MemoryEstimate.checkRecon(config);
        return config;
    }

    /** The images of --dataset mnist|cifar10, read by {@link #config()}; null for gaussian inputs. */
    private ImageInputs images;

    /** The teacher of {@code --load_teacher}, checked against the widths of {@code config}; null to draw one. */
    List<Layer> loadedTeacher(ReconConfig config) {
        if (loadTeacher == null || teacher != null) {
            return teacher;
        }
        CheckpointFile.Loaded file = CheckpointFile.read(loadTeacher, "--load_teacher");
        if ((file.checkpoint().teacher().getFirst().bias() == null) != noBias) {
            throw new IllegalArgumentException("--load_teacher " + loadTeacher + ": the teacher has "
                    + (noBias ? "biases and the run --no_bias" : "no biases: add --no_bias"));
        }
        TeacherStudent.requireFits(config, file.checkpoint().teacher());
        teacher = file.checkpoint().teacher();
        loadTeacherSha256 = file.fileSha256();
        return teacher;
    }

    /** The --load_teacher file's teacher and the SHA-256 of its bytes as read, for the run's identity. */
    private List<Layer> teacher;
    private String loadTeacherSha256;

    /** The command line after {@code recon}, any {@code @argfile} expanded: what --resume starts again from. */
    private String[] expandedArgs() {
        List<String> all = spec.commandLine().getParseResult().expandedArgs();
        return all.subList(all.indexOf(spec.name()) + 1, all.size()).toArray(String[]::new);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        if (resume == null) {
            ReconConfig config = config();
            originalArgs = expandedArgs();
            RunIdentity identity = RunIdentity.of(List.of(originalArgs), config, loadedTeacher(config), loadTeacherSha256);
            try (Kernels kernels = Kernels.open(backend, jobs(config), threads(config), stderr);
                 RunFiles files = RunFiles.create(out, "recon", overwrite)) {
                return files.recordEnding(() -> execute(config, kernels, files, List.of(), identity, stdout, stderr));
            }
        }
        if (spec.commandLine().getParseResult().matchedOptions().stream()
                .anyMatch(o -> !o.longestName().equals("--quiet") && !o.longestName().equals("--jobs")
                        && !o.longestName().equals("--resume"))) {
            throw new IllegalArgumentException("--resume takes no other flags but --jobs and --quiet: the run continues"
                    + " with the flags it was started with");
        }
        // Everything is checked, under the lock, before a file changes.
        try (RunFiles files = RunFiles.lockForResume(resume)) {
            String[] args = RunFiles.originalArgs(resume);
            ReconCommand original = new ReconCommand();
            try {
                new picocli.CommandLine(original).parseArgs(args);
            } catch (picocli.CommandLine.ParameterException e) {
                throw new IllegalArgumentException("--resume " + resume + ": the command line in its config.json does not"
                        + " parse (" + e.getMessage() + "): point --resume at a results directory that relukit wrote");
            }
            original.out = resume;
            original.originalArgs = args;
            original.quiet |= quiet;
            original.jobs = jobs;
            ReconConfig config = original.config();
            List<CheckpointFile.Loaded> loaded = RunFiles.checkpoints(resume);
            if (loaded.isEmpty()) {
                throw new IllegalArgumentException("--resume " + resume + " has no checkpoint: the run stopped before"
                        + " its first epoch ended; start it again with --out " + resume + " --overwrite");
            }
            RunIdentity identity = RunIdentity.of(List.of(args), config, original.loadedTeacher(config),
                    original.loadTeacherSha256);
            // Every checkpoint there must belong to this run, not only the ones it continues from.
            List<Checkpoint> all = new ArrayList<>();
            for (CheckpointFile.Loaded checkpoint : loaded) {
                identity.checkBelongs(checkpoint, config, "--resume " + resume);
                all.add(checkpoint.checkpoint());
            }
            Collection<Checkpoint> latest = RunFiles.latestPerTrial(all);
            try (Kernels kernels = Kernels.open(original.backend, original.jobs(config), original.threads(config), stderr)) {
                files.continueFrom(latest);
                stderr.println("recon: resuming " + resume + " from " + describe(latest, config));
                return files.recordEnding(() -> original.execute(config, kernels, files, latest, identity, stdout, stderr));
            }
        }
    }

    /** "trial 2 at epoch 5, step 300; trial 3 at epoch 0, step 0" for the unfinished trials. */
    private static String describe(Collection<Checkpoint> latest, ReconConfig config) {
        List<String> parts = new ArrayList<>();
        for (Checkpoint c : latest) {
            if (!c.trialFinished(config)) {
                parts.add("trial " + c.trial() + " at epoch " + c.epoch() + ", step " + c.step());
            }
        }
        return parts.isEmpty() ? "its finished trials" : String.join("; ", parts);
    }

    /** --jobs, or by default as many trials at once as the cores allow at --threads (1 when not given) each. */
    int jobs(ReconConfig config) {
        if (jobs != null && (jobs < 1 || jobs > 1024)) {
            throw new IllegalArgumentException("--jobs must be between 1 and 1024, got " + jobs);
        }
        int wanted = jobs != null ? jobs : Math.max(1, Runtime.getRuntime().availableProcessors() / backend.threads(1));
        return Math.min(wanted, config.numTrial());
    }

    /**
     * --threads, or by default the cores that the trials at once leave each, at most {@link #DEFAULT_THREADS_MAX}:
     * a single trial on two cores uses both (the bits are the same on any count).
     */
    int threads(ReconConfig config) {
        return backend.threads(Math.clamp(Runtime.getRuntime().availableProcessors() / jobs(config), 1, DEFAULT_THREADS_MAX));
    }

    /** The command line this run was started with, kept in config.json for --resume. */
    private String[] originalArgs;

    private int execute(ReconConfig config, Kernels kernels, RunFiles files, Collection<Checkpoint> latest,
                        RunIdentity identity, PrintWriter stdout, PrintWriter stderr) {
        if (latest.isEmpty()) {
            files.writeConfig(configJson(config, kernels.first()));
        }
        if (config.startsFromTeacher() && config.nodeMulti() != 1) {
            stderr.println("recon: --perturb, --same_dir and --same_sign start the student from the teacher: --node_multi "
                    + config.nodeMulti() + " is taken as 1, as the original does");
        }
        ReconExperiment experiment = new ReconExperiment(kernels.all(), config, teacher, images);
        Progress progress = Progress.onStderr(stderr, quiet);
        long start = System.nanoTime();
        int steps = config.stepsPerEpoch();
        long total = (long) config.numTrial() * config.numEpoch() * steps;
        long[] done = new long[config.numTrial()];
        for (Checkpoint c : latest) {
            done[c.trial()] = Math.min((long) config.numEpoch() * steps, (long) c.epoch() * steps + c.step());
        }
        List<TrialResult> results;
        try (StopOnSignal stop = new StopOnSignal(experiment::requestStop)) {
            try {
                // Trials run on several threads at once: one lock keeps lines and the bar whole, RunFiles its files.
                results = experiment.resume(latest, new ReconListener() {
                    private final Map<Integer, Evaluation> lastEval = new HashMap<>();

                    @Override
                    public synchronized void onProgress(int trial, int epoch, int step, int stepsPerEpoch, float loss) {
                        done[trial] = (long) epoch * stepsPerEpoch + step;
                        long sum = 0;
                        for (long d : done) {
                            sum += d;
                        }
                        progress.update(String.format("trial %d/%d  epoch %d/%d  step %d/%d", trial + 1, config.numTrial(),
                                epoch + 1, config.numEpoch(), step, stepsPerEpoch), sum, total, loss);
                    }

                    @Override
                    public synchronized void onEvaluation(Evaluation e) {
                        progress.clear();
                        if (e.split().equals("eval")) {
                            lastEval.put(e.trial(), e);
                            progress.correlation(e.layers().getFirst().mean());
                        }
                        ReconRecord record = Metrics.of(e);
                        files.appendMetrics(record);
                        if (jsonOutput) {
                            stdout.println(Json.LINES.toJson(record));
                        } else {
                            stdout.printf("trial %d epoch %3d %-5s loss %.6g  %s%s%s%n", e.trial(), e.epoch(), e.split(),
                                    e.loss(), e.corrsSummary(),
                                    e.accuracy() != null ? String.format("  accuracy %.2f%%", 100 * e.accuracy()) : "",
                                    e.stepsPerSecond() > 0 ? String.format("  (%.0f steps/s)", e.stepsPerSecond()) : "");
                        }
                    }

                    @Override
                    public synchronized void onDiverged(int trial, int epoch, int step, float loss) {
                        progress.clear();
                        files.appendMetrics(ReconRecord.diverged(trial, epoch, step, loss));
                        stderr.printf("relukit: trial %d diverged at epoch %d step %d (loss %s); try a smaller --lr%n",
                                trial, epoch, step, loss);
                    }

                    /**
                     * Not synchronized as a whole, unlike the others: a trial writing its checkpoint
                     * must not hold up the other trials at their next progress line or metrics record.
                     * The files keep their own lock.
                     */
                    @Override
                    public void onCheckpoint(Checkpoint checkpoint) {
                        boolean finished = checkpoint.trialFinished(config);
                        files.writeCheckpoint(checkpoint, identity);
                        Evaluation last;
                        synchronized (this) {
                            last = lastEval.get(checkpoint.trial());
                        }
                        if (finished && last != null) {
                            files.writeJson("correlations/trial-" + checkpoint.trial() + ".json", Metrics.correlations(last));
                        }
                    }
                });
                files.awaitCheckpoints();
            } catch (RuntimeException fault) {
                try {
                    files.awaitCheckpoints();
                } catch (RuntimeException alsoFailed) {
                    fault.addSuppressed(alsoFailed);
                }
                progress.clear();
                files.sortMetricsByTrial();
                stderr.printf("relukit: the run failed; results so far are in %s; continue with: relukit recon --resume %s%n",
                        files.dir(), files.dir());
                throw fault;
            }
            progress.clear();
            files.sortMetricsByTrial();
            if (experiment.stopped()) {
                writeReport(files, stderr);
                stderr.printf("relukit: stopped by signal; results so far are in %s; continue with: relukit recon --resume %s%n",
                        files.dir(), files.dir());
                return stop.exitCode();
            }
        }
        writeReport(files, stderr);
        long diverged = results.stream().filter(TrialResult::diverged).count();
        stderr.printf("recon: %d trial(s) in %.1f s%s; results in %s%n", results.size(),
                (System.nanoTime() - start) / 1e9, diverged > 0 ? ", " + diverged + " diverged" : "", files.dir());
        return diverged > 0 ? DIVERGED : 0;
    }

    /** Plots and report.html from what the run wrote (also a stopped run's); failing to draw them fails no run. */
    static void writeReport(RunFiles files, PrintWriter stderr) {
        if (files.dir() == null) {
            return;
        }
        try {
            int plots = Report.render(files.dir(), stderr);
            stderr.printf("report: %s (%d plots in %s)%n", files.dir().resolve("report.html"), plots, files.dir().resolve("plots"));
        } catch (RuntimeException e) {
            stderr.println("relukit: could not draw the plots and report (" + e + "); retry with: relukit plot " + files.dir());
        }
    }

    private JsonObject configJson(ReconConfig c, Backend kernels) {
        JsonObject json = RunFiles.describeRun("recon", kernels, threads(c), c);
        json.addProperty("load_teacher", loadTeacher == null ? null : loadTeacher.toString());
        RunFiles.addArgs(json, originalArgs != null ? originalArgs
                : spec.commandLine().getParseResult().originalArgs().stream().skip(1).toArray(String[]::new));
        return json;
    }
}
