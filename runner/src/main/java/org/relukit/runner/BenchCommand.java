package org.relukit.runner;

import com.google.gson.GsonBuilder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.relukit.backend.Backend;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.nn.TrainingStep;
import org.relukit.runner.results.RunMetadata;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Times the recon training step; prints steps per second.",
        description = {"Times the bare training step (teacher forward, student forward and backward,",
                "SGD) in 5 blocks after a warm-up, and prints steps_per_s=<float> last: the",
                "median of the blocks. With --json, stdout is one JSON object instead: the",
                "machine, the JVM, the backend, the shapes and every block's rate."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Main.EXIT_DONE, Main.EXIT_FAULT, Main.EXIT_USAGE})
final class BenchCommand implements Callable<Integer> {
    private static final int BLOCKS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendChoice backend;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", paramLabel = "N",
            description = "Steps per timed block; as many again warm up (default: 1000, or 20 with --use_cnn).")
    Integer steps;

    @Option(names = {"--use_cnn", "--use-cnn"},
            description = "Time the convolutional step instead: recon --use_cnn's default nets on 1 x 16 x 16 gaussian inputs"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean useCnn;

    @Option(names = "--ks", converter = Converters.Widths.class, paramLabel = "WIDTHS",
            description = "Teacher hidden widths (channels with --use_cnn), lowest first (default: recon's, [10, 15, 20, 25]).")
    List<Integer> ks;

    @Option(names = {"--node_multi", "--node-multi"}, paramLabel = "N",
            description = "Student width multiplier (default: recon's, 10).")
    Integer nodeMulti;

    @Option(names = "--json", description = "Print one JSON object with the machine and JVM description and every block's rate, instead of text (default: off).")
    boolean json;

    /** What --json prints: enough to tell two machines' or two JVMs' numbers apart. */
    record Result(String relukit, String commit, String cpu, int cores, String os, String jdk, String vm,
                  String backend, String backendDescription, int threads, int batch, boolean useCnn, List<Integer> teacherWidths,
                  List<Integer> studentWidths, int stepsPerBlock, double[] stepsPerSecond, double medianStepsPerSecond) {}

    @Override
    public Integer call() {
        if (batch < 1 || batch > 1 << 20) {
            throw new IllegalArgumentException("--batch must be between 1 and 1048576, got " + batch);
        }
        if (steps == null) {
            steps = useCnn ? 20 : 1000;
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        PrintWriter out = spec.commandLine().getOut();
        ReconConfig.Builder builder = ReconConfig.builder();
        builder.useCnn = useCnn;
        if (ks != null) {
            builder.ks = ks;
        }
        if (nodeMulti != null) {
            builder.nodeMulti = nodeMulti;
        }
        ReconConfig shapes = builder.build();
        SplittableRandom rng = new SplittableRandom(shapes.seed());
        var teacherLayers = TeacherStudent.teacher(shapes, rng);
        var studentLayers = TeacherStudent.student(shapes, teacherLayers, rng);
        try (Backend kernels = backend.open(backend.threads(1), spec.commandLine().getErr());
             Network teacher = new Network(kernels, teacherLayers, List.of(), false, shapes.convInput());
             Network student = new Network(kernels, studentLayers, List.of(), false, shapes.convInput());
             TrainingStep step = TrainingStep.plainSgd(kernels, teacher, student, batch)) {
            kernels.upload(Initialisation.gaussian(rng, batch * shapes.inputSize(), shapes.dataStd()), step.input());
            // A small rate keeps the student finite however long the bench runs on one batch.
            float lr = 1e-4f;
            for (int i = 0; i < steps; i++) {
                step.run(lr);
            }
            double[] rates = new double[BLOCKS];
            for (int b = 0; b < BLOCKS; b++) {
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    step.run(lr);
                }
                rates[b] = steps / ((System.nanoTime() - start) / 1e9);
                if (!json) {
                    out.printf("block %d: " + rateFormat(rates[b]) + " steps/s%n", b + 1, rates[b]);
                }
            }
            double[] sorted = rates.clone();
            Arrays.sort(sorted);
            double median = sorted[BLOCKS / 2];
            if (json) {
                var build = VersionInfo.build();
                Result result = new Result(build.getProperty("version"), build.getProperty("commit"), RunMetadata.cpuModel(),
                        Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                        Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                        System.getProperty("java.vm.name"), kernels.name(), kernels.description(), backend.threads(1),
                        batch, useCnn, widths(teacherLayers), widths(studentLayers), steps, rates, median);
                out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(result));
            } else {
                out.printf("steps_per_s=" + rateFormat(median) + "%n", median);
            }
        }
        return 0;
    }

    /** One decimal, or three for the slow conv steps, so that a rate below 1 step/s still reads. */
    private static String rateFormat(double rate) {
        return rate < 10 ? "%.3f" : "%.1f";
    }

    /** A network's widths, input first, output last. */
    private static List<Integer> widths(List<Layer> layers) {
        // A layer maps k inputs to n outputs.
        List<Integer> widths = new ArrayList<>(List.of(layers.getFirst().k()));
        layers.forEach(layer -> widths.add(layer.n()));
        return widths;
    }
}
