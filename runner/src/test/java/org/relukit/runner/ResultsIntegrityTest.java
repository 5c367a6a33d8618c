package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.relukit.runner.results.MatrixRecord;

/**
 * The six ways a results directory lost data or silently gave wrong results (issue 15), each
 * reproduced as it was found: through the command line, on real files.
 */
class ResultsIntegrityTest {
    /** A run small enough to take a moment: 2 trials x (before + 2 epochs) x 2 splits = 12 metrics lines. */
    static final List<String> SMALL = List.of("recon", "--quiet", "--data_d", "6", "--ks", "[4, 5]",
            "--node_multi", "2", "--d_output", "3", "--train_size", "512", "--eval_size", "128", "--eval_batchsize", "32",
            "--num_epoch", "2", "--num_trial", "2", "--momentum", "0.5");

    // 1. Two runs in one directory corrupt it, and both exit 0.

    @Test
    void aSecondRunInTheSameDirectoryIsRefusedAndTheFirstStaysWhole(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("shared");
        String[] longer = args(SMALL, "--seed", "1", "--num_epoch", "30", "--out", dir.toString());
        CompletableFuture<CommandLineTest.Result> first = CompletableFuture.supplyAsync(() -> CommandLineTest.run(longer));
        Path metrics = dir.resolve(RunFiles.METRICS);
        while (!first.isDone() && !(Files.exists(metrics) && Files.size(metrics) > 0)) {
            Thread.sleep(5);
        }
        CommandLineTest.Result second = CommandLineTest.run(args(SMALL, "--seed", "2", "--out", dir.toString()));
        assertEquals(2, second.exit(), second.err());
        assertOneLine(second.err());
        CommandLineTest.Result done = first.get(5, TimeUnit.MINUTES);
        assertEquals(0, done.exit(), done.err());
        List<String> lines = Files.readAllLines(metrics);
        assertEquals(2 * 31 * 2, lines.size());
        lines.forEach(line -> JsonParser.parseString(line).getAsJsonObject());
        assertEquals(1, config(dir).get("seed").getAsInt());
    }

    @Test
    void runsStartedInTheSameSecondWithoutOutGetDirectoriesOfTheirOwn(@TempDir Path tmp) throws Exception {
        List<Process> runs = new ArrayList<>();
        for (int seed = 1; seed <= 2; seed++) {
            runs.add(new ProcessBuilder(java(args(SMALL, "--seed", String.valueOf(seed)))).directory(tmp.toFile())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("run" + seed + ".log").toFile()).start());
        }
        for (int i = 0; i < runs.size(); i++) {
            assertTrue(runs.get(i).waitFor(5, TimeUnit.MINUTES));
            assertEquals(0, runs.get(i).exitValue(), Files.readString(tmp.resolve("run" + (i + 1) + ".log")));
        }
        List<Path> dirs;
        try (Stream<Path> list = Files.list(tmp.resolve("runs"))) {
            dirs = list.sorted().toList();
        }
        assertEquals(2, dirs.size(), dirs.toString());
        List<Integer> seeds = new ArrayList<>();
        for (Path dir : dirs) {
            List<String> lines = Files.readAllLines(dir.resolve(RunFiles.METRICS));
            assertEquals(12, lines.size(), dir.toString());
            lines.forEach(line -> JsonParser.parseString(line).getAsJsonObject());
            seeds.add(config(dir).get("seed").getAsInt());
        }
        assertEquals(List.of(1, 2), seeds.stream().sorted().toList());
    }

    @Test
    void defaultNamesNeverCollideWithinOneSecond(@TempDir Path tmp) {
        List<Path> made = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            made.add(RunFiles.newDefaultDir(tmp, "recon"));
        }
        assertEquals(50, made.stream().distinct().count());
        made.forEach(dir -> assertTrue(Files.isDirectory(dir), dir.toString()));
    }

    // 2. Reusing a results directory mixes runs.

    @Test
    void aUsedDirectoryIsRefusedOverwriteClearsItAndAForeignCheckpointIsNotResumed(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d");
        assertEquals(0, CommandLineTest.run(args(SMALL, "--seed", "1", "--num_trial", "3", "--out", dir.toString())).exit());
        byte[] checkpointOfA = Files.readAllBytes(dir.resolve("checkpoints/trial-0.json"));
        Map<String, byte[]> before = snapshot(dir);

        CommandLineTest.Result b = CommandLineTest.run(args(SMALL, "--seed", "2", "--num_trial", "1", "--out", dir.toString()));
        assertRefused(b, "--overwrite");
        assertSame(before, snapshot(dir));

        b = CommandLineTest.run(args(SMALL, "--seed", "2", "--num_trial", "1", "--overwrite", "--out", dir.toString()));
        assertEquals(0, b.exit(), b.err());
        assertEquals(2, config(dir).get("seed").getAsInt());
        for (String stale : List.of("checkpoints/trial-1.json", "checkpoints/trial-2.json", "correlations/trial-1.json",
                "correlations/trial-2.json")) {
            assertFalse(Files.exists(dir.resolve(stale)), stale + " of the run before survived --overwrite");
        }
        assertEquals(6, Files.readAllLines(dir.resolve(RunFiles.METRICS)).size());

        // B killed before its first checkpoint, so the only checkpoint there is A's.
        Files.write(dir.resolve(RunFiles.CHECKPOINT), checkpointOfA);
        before = snapshot(dir);
        CommandLineTest.Result resumed = CommandLineTest.run("recon", "--resume", dir.toString());
        assertRefused(resumed, "seed");
        assertSame(before, snapshot(dir));
    }

    @Test
    void overwriteDeletesOnlyRelukitsFilesAndNeverFollowsALink(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d"), outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.png"), "not relukit's");
        assertEquals(0, CommandLineTest.run(args(SMALL, "--num_trial", "1", "--out", dir.toString())).exit());
        Files.writeString(dir.resolve("notes.txt"), "mine");
        CommandLineTest.Result r = CommandLineTest.run(args(SMALL, "--overwrite", "--out", dir.toString()));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("notes.txt"), r.err());
        assertTrue(Files.exists(dir.resolve(RunFiles.METRICS)), "a refused --overwrite deletes nothing");

        Files.delete(dir.resolve("notes.txt"));
        Files.createSymbolicLink(dir.resolve("plots/elsewhere"), outside);
        r = CommandLineTest.run(args(SMALL, "--overwrite", "--out", dir.toString()));
        assertEquals(2, r.exit(), r.err());
        assertTrue(Files.exists(outside.resolve("keep.png")));
    }

    // 3. --resume does not check that the checkpoint belongs to the run.

    @Test
    void resumeRefusesACheckpointOfAnotherRun(@TempDir Path tmp) throws IOException {
        Path x = tmp.resolve("x"), wider = tmp.resolve("wider"), seed6 = tmp.resolve("seed6");
        assertEquals(0, CommandLineTest.run(args(SMALL, "--seed", "5", "--out", x.toString())).exit());
        assertEquals(0, CommandLineTest.run(args(SMALL, "--seed", "5", "--node_multi", "3", "--out", wider.toString())).exit());
        assertEquals(0, CommandLineTest.run(args(SMALL, "--seed", "6", "--out", seed6.toString())).exit());
        Path trial0 = x.resolve("checkpoints/trial-0.json");

        Files.copy(trial0, wider.resolve(RunFiles.CHECKPOINT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(wider, "widths");
        Files.copy(trial0, seed6.resolve(RunFiles.CHECKPOINT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(seed6, "seed");

        Path teacher = Files.copy(trial0, tmp.resolve("teacher.json"));
        Path loaded = tmp.resolve("loaded");
        assertEquals(0, CommandLineTest.run(args(SMALL, "--seed", "5", "--load_teacher", teacher.toString(),
                "--out", loaded.toString())).exit());
        Files.copy(loaded.resolve("checkpoints/trial-0.json"), loaded.resolve(RunFiles.CHECKPOINT),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(seed6.resolve("checkpoints/trial-0.json"), teacher, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertRefused(loaded, "--load_teacher");

        edit(x.resolve("checkpoints/trial-0.json"), x.resolve(RunFiles.CHECKPOINT), json -> json.addProperty("trial", -3));
        assertRefused(x, "trial");
    }

    // 4. --resume rewrites metrics.jsonl before it has validated the checkpoint.

    @Test
    void resumeTouchesNothingWhenTheCheckpointIsOutOfRange(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d");
        assertEquals(0, CommandLineTest.run(args(SMALL, "--out", dir.toString())).exit());
        Path trial0 = dir.resolve("checkpoints/trial-0.json");
        edit(trial0, dir.resolve(RunFiles.CHECKPOINT), json -> json.addProperty("epoch", -5));
        assertRefused(dir, "epoch");
        edit(trial0, dir.resolve(RunFiles.CHECKPOINT), json -> {
            json.addProperty("epoch", 1);
            json.addProperty("step", -100);
        });
        assertRefused(dir, "step");
        edit(trial0, dir.resolve(RunFiles.CHECKPOINT), json -> {
            json.addProperty("epoch", 1);
            json.addProperty("step", 100000);
        });
        assertRefused(dir, "step");
        assertEquals(12, Files.readAllLines(dir.resolve(RunFiles.METRICS)).size());
    }

    // 5. An @argfile is stored unexpanded.

    @Test
    void anArgfileIsStoredExpandedSoEditingOrDeletingItChangesNoResume(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d"), argfile = tmp.resolve("args.txt");
        Files.write(argfile, SMALL.subList(1, SMALL.size()).stream().map(a -> a.contains(" ") ? "\"" + a + "\"" : a).toList());
        assertEquals(0, CommandLineTest.run("recon", "@" + argfile, "--seed", "9", "--out", dir.toString()).exit());
        String args = config(dir).get("args").toString();
        assertFalse(args.contains("@"), args);
        assertTrue(args.contains("\"--node_multi\",\"2\""), args);
        List<String> whole = metricsWithoutSpeed(dir);

        Files.write(argfile, List.of("--node_multi", "3", "--num_trial", "5"));
        interruptAfterTrialZero(dir);
        CommandLineTest.Result r = CommandLineTest.run("recon", "--resume", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(whole, metricsWithoutSpeed(dir));

        Files.delete(argfile);
        interruptAfterTrialZero(dir);
        r = CommandLineTest.run("recon", "--resume", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(whole, metricsWithoutSpeed(dir));
    }

    // 6. A full disk leaves a half-written metrics line.

    @Test
    void aFullDiskIsOneLineLeavesNoTemporaryFileAndEveryLineWhole(@TempDir Path tmp) throws Exception {
        Path mount = mountTmpfs(tmp, "16k");
        try {
            Path dir = mount.resolve("d");
            CommandLineTest.Result r = CommandLineTest.run(args(SMALL, "--num_trial", "1", "--num_epoch", "400",
                    "--out", dir.toString()));
            assertEquals(1, r.exit(), r.err());
            assertOneLine(r.err());
            assertTrue(r.err().contains("No space left on device"), r.err());
            try (Stream<Path> files = Files.walk(dir)) {
                assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList());
            }
            String metrics = Files.readString(dir.resolve(RunFiles.METRICS));
            assertTrue(metrics.isEmpty() || metrics.endsWith("\n"), "a partial last line");
            metrics.lines().forEach(line -> JsonParser.parseString(line).getAsJsonObject());
        } finally {
            unmount(mount);
        }
    }

    @Test
    void aMetricsLineThatHitsAFullDiskIsCutBackOff(@TempDir Path tmp) throws Exception {
        Path mount = mountTmpfs(tmp, "8k");
        try {
            // The filler takes one of the two pages, so the metrics file gets one page and no more.
            Files.write(mount.resolve("filler"), new byte[4096]);
            try (RunFiles files = RunFiles.create(mount.resolve("d"), "recon", false)) {
                // about 300 bytes a line
                MatrixRecord record = new MatrixRecord(1, 0.5f, 0.25f, new float[60], new int[60]);
                int written = 0;
                try {
                    while (written < 100) {
                        files.appendMetrics(record);
                        written++;
                    }
                    fail("a 4 KB page cannot hold 100 lines of 300 bytes");
                } catch (RunFiles.ResultsWriteException full) {
                    assertTrue(full.getMessage().startsWith("No space left on device: "), full.getMessage());
                }
                List<String> lines = Files.readAllLines(mount.resolve("d").resolve(RunFiles.METRICS));
                assertEquals(written, lines.size(), "the failed line is cut back off");
                lines.forEach(line -> JsonParser.parseString(line).getAsJsonObject());
            }
        } finally {
            unmount(mount);
        }
    }

    // helpers

    /**
     * A tmpfs of {@code size} to fill. Mounting needs root, which CI has; without it the test fails
     * with the reason rather than passing untried.
     */
    private static Path mountTmpfs(Path tmp, String size) throws IOException, InterruptedException {
        Path mount = Files.createDirectories(tmp.resolve("small"));
        Process mounting = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String log = new String(mounting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mounting.waitFor() != 0) {
            fail("this test fills a " + size + " tmpfs, and mounting one failed (it needs root): " + log);
        }
        return mount;
    }

    private static void unmount(Path mount) throws IOException, InterruptedException {
        new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
    }

    /** Replaces the checkpoint by the end of trial 0, as if the run had been killed just after it. */
    private static void interruptAfterTrialZero(Path dir) throws IOException {
        Files.copy(dir.resolve("checkpoints/trial-0.json"), dir.resolve(RunFiles.CHECKPOINT),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertRefused(Path dir, String mentioned) throws IOException {
        Map<String, byte[]> before = snapshot(dir);
        assertRefused(CommandLineTest.run("recon", "--resume", dir.toString()), mentioned);
        assertSame(before, snapshot(dir));
    }

    /** Bad input: exit 2 and one line that mentions {@code mentioned}. */
    static void assertRefused(CommandLineTest.Result r, String mentioned) {
        assertEquals(2, r.exit(), r.err());
        assertOneLine(r.err());
        assertTrue(r.err().contains(mentioned), "'" + r.err().strip() + "' should mention " + mentioned);
    }

    static void assertOneLine(String err) {
        List<String> lines = err.strip().lines().filter(l -> !l.startsWith("backend: ")).toList();
        assertEquals(1, lines.size(), "one line, got: " + err);
        assertTrue(lines.getFirst().startsWith("relukit: "), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "a stack trace or exception in: " + err);
    }

    /** Every file of a directory but the lock, by relative path. */
    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().equals(".lock")) {
                    files.put(dir.relativize(f).toString(), Files.readAllBytes(f));
                }
            }
        }
        return files;
    }

    private static void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name + " changed"));
    }

    /**
     * Writes {@code from} with one change to {@code to}, sealed again as relukit seals a checkpoint
     * (the SHA-256 of the text before {@code ,"sha256":"}), so the check under test is the one that
     * refuses it, not the seal.
     */
    static void edit(Path from, Path to, java.util.function.Consumer<JsonObject> change) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(from)).getAsJsonObject();
        boolean sealed = json.remove("sha256") != null;
        change.accept(json);
        Files.writeString(to, sealed ? seal(json.toString()) : json.toString());
    }

    static String seal(String object) {
        String body = object.substring(0, object.lastIndexOf('}'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
            return body + ",\"sha256\":\"" + HexFormat.of().formatHex(digest) + "\"}\n";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonObject config(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
    }

    private static List<String> metricsWithoutSpeed(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunFiles.METRICS)).stream()
                .map(line -> line.replaceAll(",\"steps_per_s\":[^,}]*", ""))
                .toList();
    }

    /** {@code base} with each option of {@code more} added, or its value replaced where base has it already. */
    static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        for (int i = 0; i < more.length; i++) {
            boolean takesValue = i + 1 < more.length && !more[i + 1].startsWith("--");
            int at = all.indexOf(more[i]);
            if (at >= 0 && takesValue) {
                all.set(at + 1, more[++i]);
            } else {
                all.add(more[i]);
                if (takesValue) {
                    all.add(more[++i]);
                }
            }
        }
        return all.toArray(String[]::new);
    }

    private static List<String> java(String[] args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
