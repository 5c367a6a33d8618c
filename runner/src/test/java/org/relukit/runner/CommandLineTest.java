package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    /**
     * Runs relukit {@code args} in a JVM of its own, its output to {@code log}, and sends it SIGTERM once
     * {@code out}'s metrics.jsonl holds {@code lines} lines (or after 2 minutes); returns its exit code.
     */
    static int stopAfterMetricsLines(String[] args, Path out, int lines, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path metrics = out.resolve(RunFiles.METRICS);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= lines) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        process.destroy();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        return process.exitValue();
    }

    /** Every command's user mistakes, in one table: exit 2, one line that names the problem, no stack trace, nothing written. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "recon --backend=nope                 | unknown backend 'nope'",
        "recon --ks [10,x,20]                 | [10,x,20]",
        "recon --ks []                        | []",
        "recon --lr 0                         | --lr",
        "recon --lr -0.5                      | --lr",
        "recon --lr {0:0.1,x}                 | schedule",
        "recon --batchsize 0                  | --batchsize",
        "recon --num_epoch -1                 | --num_epoch",
        "recon --data_std NaN                 | --data_std",
        "recon --threads 0                    | --threads",
        "recon --dataset mnist                | --data_dir",
        "recon --dataset imagenet             | --dataset imagenet",
        "recon --use_cnn --ks [1,1,1,1,1,1,1,1] | at most 7 fit",
        "recon --use_cnn --dataset mnist --data_dir /tmp --ks [1,1,1,1,1,1,1,1,1,1,1,1,1,1] | at most 13 fit",
        "recon --use_cnn --stats_H            | --stats_H",
        "recon --frobnicate                   | --frobnicate",
        "recon --momentum 1.5                 | --momentum",
        "bench --batch 0                      | --batch",
        "bench --backend=nope                 | unknown backend 'nope'",
        "nosuchcommand                        | nosuchcommand",
        "recon --resume /nonexistent/run      | config.json",
        "recon --load_teacher /nonexistent.json | /nonexistent.json",
        "recon --bn_affine                    | --bn_affine",
        "recon --teacher-bn-affine            | --teacher_bn_affine",
        "recon --bn-before-relu               | --bn_before_relu",
        "recon --bn --batchsize 1             | --bn",
        "recon --bn --train_size 6401         | --batchsize 64",
        "recon --out /proc/no-such-dir/run    | --out",
        "bench --steps 0                      | --steps",
        "bench --use_cnn --ks [1,1,1,1,1,1,1,1] | at most 7 fit",
        "bench --threads 100000               | --threads",
        "bench --batch 99999999               | --batch",
        "matrix --node_multi 0                | --node_multi",
        "matrix --node-multi 0                | --node_multi",
        "matrix --ks [10]                     | --ks",
        "matrix --ks [10,x,30]                | [10,x,30]",
        "matrix --ks [1,20,30]                | --ks",
        "matrix --lr 0                        | --lr",
        "matrix --lr abc                      | abc",
        "matrix --init_std -1                 | --init_std",
        "matrix --init-std NaN                | --init_std",
        "matrix --num_iter 0                  | --num_iter",
        "matrix --batchsize 0                 | --batchsize",
        "matrix --eval_batchsize 1            | --eval_batchsize",
        "matrix --bias Infinity               | --bias",
        "matrix --seed_x x                    | x",
        "matrix --backend nope                | unknown backend 'nope'",
        "matrix --threads 0                   | --threads",
        "matrix --perturb 3                   | 3",
        "matrix --frobnicate                  | --frobnicate",
        "plot /nonexistent/run                | /nonexistent/run",
        "plot                                 | DIR",
        // A new sweep gets an --out DIR (before the flags after --), and nothing may be written there.
        "sweep recon --grid node_multi                  | malformed --grid 'node_multi'",
        "sweep recon --grid node_multi=                 | an empty value",
        "sweep recon --grid node_multi=1,,2             | an empty value",
        "sweep recon --grid seed=5:1                    | must go up",
        "sweep recon --grid ks=[4,5                     | unbalanced brackets",
        "sweep recon --grid seed=1,1                    | given twice",
        "sweep recon --grid frobnicate=1,2              | unknown flag in the grid: recon has no --frobnicate",
        "sweep recon --grid node_multi=x                | --grid node_multi=x",
        "sweep recon --grid bn=maybe                    | --grid bn=maybe",
        "sweep recon --grid out=a,b                     | sets --out",
        "sweep recon                                    | empty grid",
        "sweep --grid seed=1:2                          | name the experiment",
        "sweep bench --grid seed=1:2                    | cannot sweep 'bench'",
        "sweep recon --grid seed=1:2 -- --seed 3        | --seed is both swept and fixed",
        "sweep recon --grid seed=1:2 -- --frobnicate    | --frobnicate",
        "sweep recon --grid seed=1:2 -- --out x         | --out",
        "sweep recon --grid seed=1:2 --cells 3:3        | --cells 3:3",
        "sweep recon --grid seed=1:2 --jobs 0           | --jobs",
        "sweep recon --grid seed=1:2 --detail           | --detail",
        "sweep --status /nonexistent/sweep              | sweep.json",
        "sweep --resume /nonexistent/sweep              | sweep.json",
        "sweep --resume /nonexistent/sweep --grid a=1   | --resume takes no --grid",
        "sweep --file /nonexistent/sweep.yaml           | /nonexistent/sweep.yaml",
        // The Slurm flags.
        "sweep recon --grid seed=1:2 --partition short -- --num_epoch 1                   | --partition go(es) with --slurm",
        "sweep recon --grid seed=1:2 --submit --cells-per-task 2 -- --num_epoch 1         | --submit, --cells-per-task go(es) with --slurm",
        "sweep recon --grid seed=1:2 --slurm --cells 0:1 -- --num_epoch 1                 | --cells does not go with --slurm",
        "sweep recon --grid seed=1:2 --slurm --plan -- --num_epoch 1                      | --plan does not go with --slurm",
        "sweep recon --grid seed=1:2 --slurm --time 2h -- --num_epoch 1                   | --time '2h' is not a Slurm time limit",
        "sweep recon --grid seed=1:2 --slurm --cells-per-task 0 -- --num_epoch 1          | --cells-per-task must be at least 1",
        "sweep recon --grid seed=1:2 --slurm --cpus-per-task 0 -- --num_epoch 1           | --cpus-per-task must be between 1 and 4096",
        "sweep recon --grid seed=1:2 --slurm --partition a;b -- --num_epoch 1             | --partition 'a;b' is not a partition name",
        "sweep recon --grid seed=1:2 --slurm --java /opt/jdk'25/bin/java -- --num_epoch 1 | --java",
        // Tests run relukit from its classes, not its jar, which --slurm refuses as early as the rest.
        "sweep recon --grid seed=1:2 --slurm -- --num_epoch 1                             | not a jar",
    })
    void badInputIsOneLineAndExitTwo(String line, String mentioned, @TempDir Path tmp) {
        List<String> args = new ArrayList<>(List.of(line.trim().split(" +")));
        Path out = tmp.resolve("out");
        boolean newSweep = args.getFirst().equals("sweep") && !args.contains("--status") && !args.contains("--resume");
        if (newSweep) {
            args.addAll(args.contains("--") ? args.indexOf("--") : args.size(), List.of("--out", out.toString()));
        }
        Result r = run(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.err());
        // Only the experiments open a backend, and say which in a line of their own.
        boolean opensBackend = List.of("recon", "matrix", "bench").contains(args.getFirst());
        List<String> lines = r.err().strip().lines().filter(l -> !(opensBackend && l.startsWith("backend: "))).toList();
        assertEquals(1, lines.size(), "one line, got: " + r.err());
        assertTrue(lines.getFirst().startsWith("relukit: "), r.err());
        assertTrue(lines.getFirst().contains(mentioned.trim()), "'" + lines.getFirst() + "' should mention " + mentioned);
        assertFalse(r.err().contains("\tat "), "stack trace in: " + r.err());
        assertFalse(r.err().contains("Exception"), "exception name in: " + r.err());
        if (newSweep) {
            assertFalse(Files.exists(out), "nothing is written for a bad sweep");
        }
    }

    @Test
    void reconWritesConfigAndOneMetricsLinePerEvaluation(@TempDir Path dir) throws IOException {
        Result r = run("recon", "--seed", "124", "--num_trial", "2", "--num_epoch", "2", "--train_size", "2000",
                "--ks", "[10, 15]", "--node-multi", "3", "--d_output", "20", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Corrs Summary: L0: "), r.out());
        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        assertEquals(124, config.get("seed").getAsInt());
        assertEquals("simd", config.get("backend").getAsString());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(2 * 3 * 2, lines.size(), "2 trials x (before + 2 epochs) x 2 splits");
        JsonObject last = JsonParser.parseString(lines.getLast()).getAsJsonObject();
        assertEquals(1, last.get("trial").getAsInt());
        assertEquals(1, last.get("epoch").getAsInt());
        assertEquals("eval", last.get("split").getAsString());
        assertEquals(2, last.getAsJsonArray("best_corr_mean").size());
        assertFalse(last.has("steps_per_s"), "nothing timed: the same run gives the same bytes");
        for (String key : List.of("loss", "best_corr_min", "best_corr_max")) {
            assertTrue(last.has(key), key);
        }
        assertEquals(-1, JsonParser.parseString(lines.getFirst()).getAsJsonObject().get("epoch").getAsInt());
    }

    @Test
    void scheduleAndKebabNamesAreAccepted(@TempDir Path dir) {
        Result r = run("recon", "--lr", "{0: 0.05, 1: 0.01}", "--num-trial", "1", "--num-epoch", "2",
                "--train-size", "1000", "--ks", "10,15", "--node_multi", "2", "--json_output", "--backend", "scalar",
                "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(6, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"trial\":0,\"epoch\":-1"), lines[0]);
    }

    @Test
    void divergenceIsReportedAndGivesExitThree(@TempDir Path dir) throws IOException {
        Result r = run("recon", "--lr", "1000", "--num_trial", "1", "--num_epoch", "2", "--train_size", "2000",
                "--out", dir.toString());
        assertEquals(ReconCommand.DIVERGED, r.exit(), r.err());
        assertTrue(r.err().contains("diverged"), r.err());
        assertTrue(Files.readString(dir.resolve("metrics.jsonl")).contains("\"exit\":\"nan\"")
                || Files.readString(dir.resolve("metrics.jsonl")).contains("\"exit\":\"inf\""));
    }

    @Test
    void aDeviceFaultMidRunIsOneLineAndKeepsTheResultsSoFar(@TempDir Path dir) throws IOException {
        // 2000 samples / 64 = 32 steps of 5 layer updates an epoch: the fault comes in the second epoch.
        Result r = run("recon", "--backend=failing", "--num_trial", "1", "--num_epoch", "3", "--train_size", "2000",
                "--out", dir.toString());
        assertEquals(1, r.exit(), r.err());
        assertFalse(r.err().contains("\tat "), "stack trace in: " + r.err());
        assertTrue(r.err().contains("results so far are in " + dir), r.err());
        assertTrue(r.err().strip().endsWith("(RELUKIT_DEBUG=1 shows the stack trace)"), r.err());
        assertTrue(r.err().contains("CL_OUT_OF_RESOURCES"), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(4, lines.size(), "before training and epoch 0, train and eval: " + lines);
        assertEquals(1, JsonParser.parseString(Files.readString(dir.resolve("checkpoint.json"))).getAsJsonObject()
                .get("epoch").getAsInt());
    }

    @Test
    void loadTeacherTrainsAgainstTheSavedTeacher(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first"), second = dir.resolve("second");
        String[] small = {"recon", "--num_trial", "1", "--num_epoch", "1", "--train_size", "1000", "--ks", "[10, 15]"};
        assertEquals(0, run(concat(small, "--seed", "1", "--out", first.toString())).exit());
        Path teacher = first.resolve("checkpoints/trial-0.json");
        Result r = run(concat(small, "--seed", "2", "--load_teacher", teacher.toString(), "--out", second.toString()));
        assertEquals(0, r.exit(), r.err());
        String saved = JsonParser.parseString(Files.readString(teacher)).getAsJsonObject().get("teacher").toString();
        String used = JsonParser.parseString(Files.readString(second.resolve("checkpoint.json"))).getAsJsonObject()
                .get("teacher").toString();
        assertEquals(saved, used);
        Result wrongWidths = run(concat(small, "--ks", "[10, 16]", "--load_teacher", teacher.toString(), "--out",
                dir.resolve("third").toString()));
        assertEquals(2, wrongWidths.exit());
        assertTrue(wrongWidths.err().contains("--load_teacher"), wrongWidths.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void benchPrintsStepsPerSecondLast() {
        Result r = run("bench", "--batch", "8", "--steps", "20");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.matches("steps_per_s=[0-9]+\\.[0-9]"), last);
        assertTrue(Double.parseDouble(last.substring("steps_per_s=".length())) > 0);
    }

    @Test
    void unwritableOutIsAUserError() {
        Result r = run("recon", "--num_epoch", "1", "--out", "/proc/relukit-cannot-write-here");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--out"), r.err());
    }
}
