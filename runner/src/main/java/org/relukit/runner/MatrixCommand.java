package org.relukit.runner;

import org.relukit.matrix.MatrixConfig;
import org.relukit.matrix.MatrixExperiment;
import org.relukit.matrix.MatrixListener;
import org.relukit.matrix.MatrixReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import com.google.gson.JsonObject;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.MatrixRecord;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.relukit.backend.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "matrix", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Trains with the matrix-form gradient; unmatched nodes fade.",
        description = {"The matrix-form gradient: train an over-parameterised student with",
                "ΔW = L* W* H*ᵀ − L W Hᵀ and watch the fan-out of student nodes that match no",
                "teacher node shrink to zero (docs/math.md#matrix-experiment). Defaults follow",
                "the original code; docs/departures.md lists the flags of the variants.",
                "A run is one student, so there is no --jobs: run several seeds or settings",
                "at once with relukit sweep matrix --grid seed=1:8 --jobs N."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Main.EXIT_DONE, Main.EXIT_FAULT, Main.EXIT_USAGE,
                "3:The evaluation loss stopped being finite.", Main.EXIT_INT, Main.EXIT_TERM})
final class MatrixCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendChoice backend;

    @Option(names = "--ks", defaultValue = "[10, 20, 30]", converter = Converters.Widths.class,
            description = "Widths of every layer, input to output; hidden ones are multiplied by --node_multi (default: ${DEFAULT-VALUE}).")
    List<Integer> ks;

    @Option(names = {"--node_multi", "--node-multi"}, defaultValue = "5", description = "Student hidden width multiplier (default: ${DEFAULT-VALUE}).")
    int nodeMulti;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate of W += lr ΔW (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = {"--init_std", "--init-std"}, defaultValue = "0.3",
            description = "Std of the student's gaussian init, before unit-norm columns (default: ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = {"--num_iter", "--num-iter"}, defaultValue = "20000", description = "Iterations (default: ${DEFAULT-VALUE}).")
    int numIter;

    @Option(names = "--batchsize", defaultValue = "1", description = "Fresh samples per iteration (default: ${DEFAULT-VALUE}).")
    int batchsize;

    @Option(names = {"--eval_batchsize", "--eval-batchsize"}, defaultValue = "1024",
            description = "Fresh samples per evaluation (default: ${DEFAULT-VALUE}).")
    int evalBatchsize;

    @Option(names = "--bias", defaultValue = "0.0", description = "The teacher's bias row is -BIAS before normalisation (default: ${DEFAULT-VALUE}).")
    double bias;

    @Option(names = "--perturb", description = "Student = teacher in its first columns + N(0, init_std²) noise, then normalised (default: ${DEFAULT-VALUE}).")
    boolean perturb;

    @Option(names = {"--init_neg_teacher", "--init-neg-teacher"},
            description = "Subtract a random teacher column from every student column beyond the teacher's (default: ${DEFAULT-VALUE}).")
    boolean initNegTeacher;

    @Option(names = {"--use_gd", "--use-gd"}, description = "One fixed batch for every iteration, gradient descent (default: ${DEFAULT-VALUE}).")
    boolean useGd;

    @Option(names = {"--use_accurate_grad", "--use-accurate-grad"},
            description = "The gradient one sample at a time, the per-sample steps added together as the original does "
                    + "(see --accurate_grad_mean); slow, a check of the batched form (default: ${DEFAULT-VALUE}).")
    boolean useAccurateGrad;

    @Option(names = {"--accurate_grad_mean", "--accurate-grad-mean"},
            description = "relukit's variant: with --use_accurate_grad, the mean of the per-sample steps instead of their sum, "
                    + "the batched step's scale (default: ${DEFAULT-VALUE}).")
    boolean accurateGradMean;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds the teacher, and the rest unless given (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"--seed_init", "--seed-init"}, description = "Seeds the student's init (default: --seed).")
    Long seedInit;

    @Option(names = {"--seed_x", "--seed-x"}, description = "Seeds the batches and evaluation samples (default: --seed).")
    Long seedX;

    @Option(names = "--verbose", description = "Also print each layer's W_row_norm every report (default: ${DEFAULT-VALUE}).")
    boolean verbose;

    @Option(names = "--out", paramLabel = "DIR", description = "Write config.json, metrics.jsonl, final.json, summary.json, metrics.csv, plots and report.html here"
            + " (default: runs/matrix-<timestamp>).")
    Path out;

    @Option(names = "--overwrite",
            description = "Let --out name a directory that holds a run: its files are deleted first; anything else there stops the run (default: ${DEFAULT-VALUE}).")
    boolean overwrite;

    @Option(names = "--quiet", description = "No progress bar; it is drawn only when stderr is a terminal (default: ${DEFAULT-VALUE}).")
    boolean quiet;

    MatrixConfig config() {
        MatrixConfig.Builder c = MatrixConfig.builder();
        c.ks = ks;
        c.nodeMulti = nodeMulti;
        c.lr = lr;
        c.initStd = initStd;
        c.numIter = numIter;
        c.batchsize = batchsize;
        c.evalBatchsize = evalBatchsize;
        c.bias = bias;
        c.perturb = perturb;
        c.initNegTeacher = initNegTeacher;
        c.useGd = useGd;
        c.useAccurateGrad = useAccurateGrad;
        c.accurateGradMean = accurateGradMean;
        c.seed = seed;
        c.seedInit = seedInit;
        c.seedX = seedX;
        c.verbose = verbose;
        return c.build();
    }

    @Override
    public Integer call() throws Exception {
        MatrixConfig config = config();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try (Backend kernels = backend.open(backend.threads(1), stderr);
             RunFiles files = RunFiles.create(out, "matrix", overwrite)) {
            MatrixExperiment experiment = new MatrixExperiment(kernels, config);
            try (StopOnSignal stop = new StopOnSignal(experiment::requestStop)) {
                return files.recordEnding(() -> run(config, kernels, experiment, files, stop, stdout, stderr));
            }
        }
    }

    private int run(MatrixConfig config, Backend kernels, MatrixExperiment experiment, RunFiles files,
                    StopOnSignal stop, PrintWriter stdout, PrintWriter stderr) {
        files.writeConfig(configJson(config, kernels));
        Progress progress = Progress.onStderr(stderr, quiet);
        MatrixReport last = experiment.run(new MatrixListener() {
            @Override
            public void onReport(MatrixReport r) {
                progress.clear();
                files.appendMetrics(new MatrixRecord(r.iter(), r.loss(), r.evalLoss(), r.maxCorrs(), r.zeroCnt()));
                stdout.printf(Locale.ROOT, "iter %6d  loss %.6g  eval_loss %.6g  max_corrs %s  zero_cnt %s%n", r.iter(), r.loss(),
                        r.evalLoss(), format(r.maxCorrs()), Arrays.toString(r.zeroCnt()));
                if (verbose) {
                    for (int k = 0; k < r.wRowNorm().length; k++) {
                        stdout.printf(Locale.ROOT, "  [%d] W_row_norm: %s%n", k, format(r.wRowNorm()[k]));
                    }
                }
                progress.correlation(r.maxCorrs().length > 0 ? r.maxCorrs()[0] : Float.NaN);
                progress.update(String.format("iter %d/%d", r.iter() + 1, config.numIter()), r.iter() + 1, config.numIter(), r.loss());
            }
        });
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("iter", last.iter());
        result.put("eval_loss", last.evalLoss());
        result.put("max_corrs", last.maxCorrs());
        result.put("zero_cnt", last.zeroCnt());
        result.put("w_row_norm", last.wRowNorm());
        result.put("seconds", last.seconds());
        files.writeJson("final.json", result);
        progress.clear();
        ReconCommand.writeReport(files, stderr);
        if (experiment.stopped()) {
            stderr.printf("relukit: stopped by signal after iteration %d; results so far are in %s%n",
                    last.iter(), files.dir());
            return stop.exitCode();
        }
        stderr.printf(Locale.ROOT, "matrix: %d iterations in %.2f s (%.0f it/s); results in %s%n", config.numIter(),
                last.seconds(), config.numIter() / last.seconds(), files.dir());
        return Float.isFinite(last.evalLoss()) ? 0 : ReconCommand.DIVERGED;
    }

    /** Floats as the seed prints tensors: 4 significant digits, scientific when small. */
    private static String format(float[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", values[i]));
        }
        return sb.append(']').toString();
    }

    private JsonObject configJson(MatrixConfig c, Backend kernels) {
        JsonObject json = RunFiles.describeRun("matrix", kernels, backend.threads(1), c);
        // The report labels its bars with the student's widths.
        json.add("student_widths", Json.tree(c.studentWidths()));
        return json;
    }
}
