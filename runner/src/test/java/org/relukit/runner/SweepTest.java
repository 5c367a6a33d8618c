package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * relukit sweep, run for real on tiny recon cells: grids good and bad, cell names, a sweep's cells
 * against the same recon runs made alone, --cells, --resume of done, interrupted and stopped
 * cells, --status, and a foreign sweep directory refused; then relukit collect of that sweep and of
 * the same runs made alone (one class, so that the cells are trained once).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SweepTest {
    /** Small enough that a cell takes seconds on two shared cores; two layers, so per-layer output is exercised. */
    static final List<String> TINY = List.of("--num_epoch", "1", "--ks", "[4, 5]", "--data_d", "5", "--d_output", "3",
            "--train_size", "640", "--eval_size", "192", "--num_trial", "1");
    static final List<String> NAMES = List.of("node_multi=1,seed=1", "node_multi=1,seed=2", "node_multi=2,seed=1",
            "node_multi=2,seed=2");

    /** The 4-cell sweep, run once with --jobs 2, and the same four cells run alone with relukit recon. */
    Path sweep, alone;

    @BeforeAll
    void sweepOfFourCellsAndTheSameRunsAlone(@TempDir Path shared) {
        sweep = shared.resolve("sweep");
        alone = shared.resolve("alone");
        CommandLineTest.Result r = CommandLineTest.run(sweepArgs(sweep, "--jobs", "2"));
        assertEquals(0, r.exit(), r.err());
        for (int nodeMulti = 1; nodeMulti <= 2; nodeMulti++) {
            for (int seed = 1; seed <= 2; seed++) {
                List<String> args = new ArrayList<>(List.of("recon", "--node_multi", "" + nodeMulti, "--seed", "" + seed));
                args.addAll(TINY);
                args.addAll(List.of("--out", alone.resolve("node_multi=" + nodeMulti + ",seed=" + seed).toString(), "--quiet"));
                CommandLineTest.Result one = CommandLineTest.run(args.toArray(String[]::new));
                assertEquals(0, one.exit(), one.err());
            }
        }
    }

    static String[] sweepArgs(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("sweep", "recon", "--grid", "node_multi=1,2", "--grid", "seed=1:2",
                "--out", out.toString()));
        args.addAll(List.of(more));
        args.add("--");
        args.addAll(TINY);
        return args.toArray(String[]::new);
    }

    @Test
    void eachCellIsAResultsDirectoryWithTheMetricsOfTheSameRunMadeAlone() throws IOException {
        try (Stream<Path> cells = Files.list(sweep.resolve("cells"))) {
            assertEquals(NAMES, cells.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String name : NAMES) {
            Path cell = sweep.resolve("cells").resolve(name);
            assertTrue(Files.exists(cell.resolve("report.html")), name);
            assertEquals(metrics(alone.resolve(name)), metrics(cell), name);
            assertFalse(metrics(cell).isEmpty());
            // Cells share the machine, so each trial takes one thread unless the cell says otherwise.
            assertEquals(1, JsonParser.parseString(Files.readString(cell.resolve(RunFiles.CONFIG))).getAsJsonObject()
                    .get("threads").getAsInt(), name);
        }
        JsonObject json = sweepJson(sweep);
        assertEquals("recon", json.get("experiment").getAsString());
        assertEquals("[\"1\",\"2\"]", json.getAsJsonObject("grid").get("node_multi").toString());
        JsonArray cells = json.getAsJsonArray("cells");
        assertEquals(4, cells.size());
        for (int i = 0; i < 4; i++) {
            JsonObject cell = cells.get(i).getAsJsonObject();
            assertEquals(i, cell.get("index").getAsInt());
            assertEquals(NAMES.get(i), cell.get("name").getAsString());
            assertEquals("done", cell.getAsJsonObject("status").get("state").getAsString());
            assertEquals(0, cell.getAsJsonObject("status").get("exit").getAsInt());
        }
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--node_multi=2", "--seed=1"));
        assertEquals(args, cells.get(2).getAsJsonObject().getAsJsonArray("args").asList().stream().map(e -> e.getAsString()).toList());
        assertEquals(4, json.getAsJsonObject("counts").get("done").getAsInt());
    }

    @Test
    void statusCountsTheCells() {
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--status", sweep.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().endsWith("4 cells: 4 done, 0 running, 0 failed, 0 waiting\n"), r.out());
        r = CommandLineTest.run("sweep", "--status", sweep.toString(), "--detail");
        assertEquals(5, r.out().lines().count(), r.out());
        assertTrue(r.out().lines().skip(1).allMatch(line -> line.contains(" done ")), r.out());
    }

    /**
     * --cells runs a range only; then one cell is left "running" by a process that is gone, with
     * litter in its directory, and another one "running" with a checkpoint of its own: --resume
     * starts the first afresh, continues the second from its checkpoint, runs the one never run
     * and leaves the done one alone (its files untouched, its status still from attempt 1).
     */
    @Test
    void resumeSkipsDoneCellsAndRerunsInterruptedOnes(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sweep");
        CommandLineTest.Result r = CommandLineTest.run(sweepArgs(dir, "--jobs", "1", "--cells", "0:2"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.exists(dir.resolve("cells").resolve(NAMES.get(1)).resolve("metrics.jsonl")));
        assertFalse(Files.exists(dir.resolve("cells").resolve(NAMES.get(2))));
        assertTrue(CommandLineTest.run("sweep", "--status", dir.toString()).out().contains("2 done, 0 running, 0 failed, 2 waiting"));

        Path doneMetrics = dir.resolve("cells").resolve(NAMES.get(0)).resolve("metrics.jsonl");
        FileTime doneTime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(doneMetrics, doneTime);
        String doneStatus = Files.readString(dir.resolve("status/0.json"));

        long deadPid = deadProcess();
        markRunning(dir, 1, deadPid);
        Path litter = dir.resolve("cells").resolve(NAMES.get(2));
        Files.createDirectories(litter);
        Files.writeString(litter.resolve("metrics.jsonl"), "{\"not\": \"this sweep's\"}\n");
        Files.writeString(dir.resolve("status/2.json"), Files.readString(dir.resolve("status/1.json")).replace("\"index\": 1", "\"index\": 2")
                .replace(NAMES.get(1), NAMES.get(2)));
        r = CommandLineTest.run("sweep", "--status", dir.toString(), "--detail");
        assertTrue(r.out().contains("1 done, 0 running, 0 failed, 3 waiting"), r.out());

        r = CommandLineTest.run("sweep", "--resume", dir.toString(), "--jobs", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("3 of 4 cells") || r.err().contains("4 of 4 cells"), r.err());
        assertEquals(doneTime, Files.getLastModifiedTime(doneMetrics), "a done cell is not run again");
        assertEquals(doneStatus, Files.readString(dir.resolve("status/0.json")));
        assertEquals("resumed from its checkpoint", status(dir, 1).get("note").getAsString());
        assertEquals(2, status(dir, 1).get("attempt").getAsInt());
        assertEquals("started afresh", status(dir, 2).get("note").getAsString());
        assertEquals(2, status(dir, 2).get("attempt").getAsInt());
        assertEquals(1, status(dir, 3).get("attempt").getAsInt());
        for (String name : NAMES) {
            assertEquals(metrics(alone.resolve(name)), metrics(dir.resolve("cells").resolve(name)), name);
        }
        assertTrue(CommandLineTest.run("sweep", "--status", dir.toString()).out().contains("4 done, 0 running, 0 failed, 0 waiting"));
        r = CommandLineTest.run("sweep", "--resume", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, status(dir, 3).get("attempt").getAsInt(), "nothing left to run");
    }

    /** The same sweep started again over its own directory is a resume; a running cell whose process lives is left alone. */
    @Test
    void aLiveRunningCellIsNotTakenOver(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sweep");
        assertEquals(0, CommandLineTest.run(sweepArgs(dir, "--plan")).exit());
        markRunning(dir, 0, ProcessHandle.current().pid());
        Files.writeString(dir.resolve("status/0.json"), Files.readString(dir.resolve("status/0.json"))
                .replaceFirst("\"process_start\": [^,]*,", "\"process_start\": null,"));
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--status", dir.toString());
        assertTrue(r.out().contains("0 done, 1 running, 0 failed, 3 waiting"), r.out());
        r = CommandLineTest.run(sweepArgs(dir, "--cells", "0:1"));
        assertEquals(0, r.exit(), r.err());
        assertFalse(Files.exists(dir.resolve("cells").resolve(NAMES.getFirst())), "a live cell is not run twice");
    }

    /**
     * One SIGTERM stops every cell running in the sweep's JVM (each writes its checkpoint), the
     * sweep exits 143 with its cells stopped, not running, and --resume continues them to the
     * metrics of uninterrupted runs.
     */
    @Test
    void sigtermStopsEveryRunningCellAndResumeFinishesThem(@TempDir Path tmp) throws Exception {
        List<String> flags = List.of("--num_epoch", "2", "--train_size", "3000", "--ks", "[6, 8]", "--num_trial", "1");
        Path dir = tmp.resolve("sweep");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "sweep", "recon", "--grid", "seed=1:2", "--jobs", "2", "--out", dir.toString(), "--"));
        command.addAll(flags);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
        while (!(hasMetrics(dir.resolve("cells/seed=1")) && hasMetrics(dir.resolve("cells/seed=2"))) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        process.destroy();
        assertTrue(process.waitFor(3, java.util.concurrent.TimeUnit.MINUTES));
        String log = Files.readString(tmp.resolve("log"));
        assertEquals(143, process.exitValue(), log);
        assertTrue(log.contains("relukit sweep --resume"), log);
        List<String> states = List.of(status(dir, 0).get("state").getAsString(), status(dir, 1).get("state").getAsString());
        assertTrue(states.contains("stopped"), states + "\n" + log);
        assertTrue(states.stream().allMatch(st -> st.equals("stopped") || st.equals("done")), states.toString());

        CommandLineTest.Result r = CommandLineTest.run("sweep", "--resume", dir.toString());
        assertEquals(0, r.exit(), r.err());
        for (int seed = 1; seed <= 2; seed++) {
            Path one = tmp.resolve("alone-" + seed);
            List<String> args = new ArrayList<>(List.of("recon", "--seed", "" + seed, "--out", one.toString(), "--quiet"));
            args.addAll(flags);
            assertEquals(0, CommandLineTest.run(args.toArray(String[]::new)).exit());
            assertEquals(metrics(one), metrics(dir.resolve("cells/seed=" + seed)));
        }
    }

    /**
     * One cell at a time: the second cell opens its signal handling after the first closed its own,
     * and SIGTERM still stops it (the handlers stay installed between commands).
     */
    @Test
    void sigtermStopsTheCellThatOpenedAfterAnotherClosed(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sweep"), log = tmp.resolve("log");
        String[] args = {"sweep", "recon", "--grid", "seed=1:2", "--jobs", "1", "--out", dir.toString(), "--",
                "--num_epoch", "3", "--train_size", "3000", "--ks", "[6, 8]", "--num_trial", "1"};
        int exit = CommandLineTest.stopAfterMetricsLines(args, dir.resolve("cells/seed=2"), 1, log);
        String output = Files.readString(log);
        assertEquals(143, exit, output);
        assertEquals("done", status(dir, 0).get("state").getAsString(), output);
        assertEquals("stopped", status(dir, 1).get("state").getAsString(), output);
        assertFalse(output.contains("Exception"), output);
    }

    private static boolean hasMetrics(Path cell) throws IOException {
        Path file = cell.resolve(RunFiles.METRICS);
        return Files.exists(file) && !Files.readAllLines(file).isEmpty();
    }

    /**
     * A cell running on another machine is alive while its heartbeat is fresh; once the heartbeat
     * is older than five minutes that machine was lost and the cell waits to run again.
     */
    @Test
    void aCellOnAnotherMachineCountsAsRunningUntilItsHeartbeatStops(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sweep");
        assertEquals(0, CommandLineTest.run(sweepArgs(dir, "--plan")).exit());
        markRunning(dir, 0, 1);
        markRunning(dir, 1, 1);
        for (int index = 0; index < 2; index++) {
            JsonObject status = status(dir, index);
            status.addProperty("host", "another-node-of-the-cluster");
            status.addProperty("heartbeat", java.time.Instant.now().minus(java.time.Duration.ofMinutes(index == 0 ? 1 : 30)).toString());
            Files.writeString(dir.resolve("status/" + index + ".json"), status.toString());
        }
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--status", dir.toString());
        assertTrue(r.out().contains("0 done, 1 running, 0 failed, 3 waiting"), r.out());
    }

    @Test
    void aSweepDirectoryOfAnotherSweepIsRefusedSayingWhatDiffers(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("sweep");
        assertEquals(0, CommandLineTest.run(sweepArgs(dir, "--plan")).exit());
        String before = Files.readString(dir.resolve("sweep.json"));
        CommandLineTest.Result r = CommandLineTest.run("sweep", "recon", "--grid", "node_multi=1,2,5", "--grid", "seed=1:2",
                "--out", dir.toString(), "--plan", "--", "--num_epoch", "2");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("grid node_multi [1, 2] there, [1, 2, 5] here"), r.err());
        assertTrue(r.err().contains("fixed flags"), r.err());
        assertEquals(before, Files.readString(dir.resolve("sweep.json")), "nothing already written is lost");

        r = CommandLineTest.run("sweep", "matrix", "--grid", "seed=1:2", "--out", dir.toString(), "--plan");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("experiment recon there, matrix here"), r.err());

        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        Files.writeString(other.resolve("notes.txt"), "mine");
        r = CommandLineTest.run(sweepArgs(other, "--plan"));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("not empty"), r.err());
    }

    @Test
    void gridsFromTheCommandLineAndFromYamlAndJsonFilesDefineTheSameSweep(@TempDir Path tmp) throws IOException {
        Path cli = tmp.resolve("cli"), yaml = tmp.resolve("yaml"), json = tmp.resolve("json");
        assertEquals(0, CommandLineTest.run("sweep", "recon", "--grid", "node-multi=1,5", "--grid", "ks=[4, 5],[6, 7]",
                "--grid", "seed=1:3", "--grid", "bn=true,false", "--out", cli.toString(), "--plan", "--", "--num_epoch=2").exit());
        Path yamlFile = tmp.resolve("sweep.yaml");
        Files.writeString(yamlFile, """
                experiment: recon
                grid:
                  node_multi: [1, 5]
                  ks: [[4, 5], [6, 7]]
                  seed: "1:3"
                  bn: [true, false]
                fixed:
                  num_epoch: 2
                """);
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--file", yamlFile.toString(), "--out", yaml.toString(), "--plan");
        assertEquals(0, r.exit(), r.err());
        Path jsonFile = tmp.resolve("sweep.json");
        Files.writeString(jsonFile, """
                {"experiment": "recon", "grid": {"node-multi": [1, 5], "ks": ["[4, 5]", "[6, 7]"], "seed": "1:3",
                 "bn": ["true", "false"]}, "fixed": ["--num_epoch=2"]}
                """);
        r = CommandLineTest.run("sweep", "--file", jsonFile.toString(), "--out", json.toString(), "--plan");
        assertEquals(0, r.exit(), r.err());

        JsonObject a = sweepJson(cli), b = sweepJson(yaml), c = sweepJson(json);
        assertEquals(a.get("cells"), b.get("cells"));
        assertEquals(a.get("cells"), c.get("cells"));
        JsonArray cells = a.getAsJsonArray("cells");
        assertEquals(2 * 2 * 3 * 2, cells.size());
        JsonObject first = cells.get(0).getAsJsonObject();
        assertEquals("node_multi=1,ks=4_5,seed=1,bn=true", first.get("name").getAsString());
        assertEquals("[\"--num_epoch=2\",\"--node_multi=1\",\"--ks=[4, 5]\",\"--seed=1\",\"--bn=true\"]",
                first.getAsJsonArray("args").toString());
        assertEquals("node_multi=5,ks=6_7,seed=3,bn=false", cells.get(23).getAsJsonObject().get("name").getAsString());
        assertEquals(24, a.getAsJsonObject("counts").get("waiting").getAsInt());
    }

    @Test
    void statusTakesNoSlurm(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--status", tmp.toString(), "--slurm");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--status takes no --slurm"), r.err());
    }

    @Test
    void aBadSweepFileIsOneLine(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("bad.yaml");
        Files.writeString(file, "experiment: recon\ngrid: {seed: [1, 2]\n");
        CommandLineTest.Result r = CommandLineTest.run("sweep", "--file", file.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        Files.writeString(file, "experiment: recon\ngrids: {seed: [1, 2]}\n");
        r = CommandLineTest.run("sweep", "--file", file.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown key 'grids'"), r.err());
    }

    @Test
    void collectOfASweepWritesLongMetricsASummaryPlotsAndAPage(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("collected");
        CommandLineTest.Result r = CommandLineTest.run("collect", sweep.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());

        List<CSVRecord> metrics = csv(out.resolve("metrics.csv"));
        assertEquals(List.of("cell", "node_multi", "seed", "trial", "epoch", "split", "layer", "loss", "best_corr_min",
                "best_corr_mean", "best_corr_max"), metrics.getFirst().toList());
        // 4 cells x 1 trial x 2 evaluations (before training, after epoch 0) x 2 splits x 2 layers
        assertEquals(4 * 2 * 2 * 2, metrics.size() - 1);
        CSVRecord row = metrics.get(1);
        assertEquals(List.of("node_multi=1,seed=1", "1", "1", "0", "-1", "train", "0"), row.toList().subList(0, 7));
        JsonObject firstRecord = JsonParser.parseString(metrics(sweep.resolve("cells/node_multi=1,seed=1")).getFirst()).getAsJsonObject();
        assertEquals(firstRecord.getAsJsonArray("best_corr_mean").get(0).getAsDouble(), Double.parseDouble(row.get(9)));

        List<CSVRecord> summary = csv(out.resolve("summary.csv"));
        assertEquals(List.of("node_multi", "split", "layer", "seeds", "n", "diverged", "mean_of_min", "std_of_min", "mean_of_mean",
                "std_of_mean", "mean_of_max", "std_of_max", "mean_of_loss", "std_of_loss"), summary.getFirst().toList());
        assertEquals(2 * 2 * 2, summary.size() - 1, "2 node_multi values x 2 splits x 2 layers");
        for (CSVRecord s : summary.subList(1, summary.size())) {
            int layer = Integer.parseInt(s.get(2));
            double[] finals = new double[2];
            for (int seed = 1; seed <= 2; seed++) {
                List<String> lines = metrics(sweep.resolve("cells/node_multi=" + s.get(0) + ",seed=" + seed));
                JsonObject last = lines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                        .filter(m -> m.get("split").getAsString().equals(s.get(1))).reduce((a, b) -> b).orElseThrow();
                finals[seed - 1] = last.getAsJsonArray("best_corr_mean").get(layer).getAsFloat();
            }
            double mean = (finals[0] + finals[1]) / 2, std = Math.abs(finals[0] - finals[1]) / Math.sqrt(2);
            assertEquals("2", s.get(3));
            assertEquals("2", s.get(4));
            assertEquals("0", s.get(5));
            assertEquals(mean, Double.parseDouble(s.get(8)), 1e-12, s.toString());
            assertEquals(std, Double.parseDouble(s.get(9)), 1e-12, s.toString());
        }

        for (int layer = 0; layer < 2; layer++) {
            Path png = out.resolve("plots/sweep-corr-layer" + layer + ".png");
            byte[] bytes = Files.readAllBytes(png);
            assertEquals(0x89, bytes[0] & 0xFF);
            assertEquals("PNG", new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
            assertEquals(800, image.getWidth());
        }
        String html = Files.readString(out.resolve("sweep.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.endsWith("</html>\n"));
        assertEquals(2, html.split("src=\"data:image/png;base64,", -1).length - 1);
        assertEquals(2, html.split("src=\"", -1).length - 1, "every image is inlined");
        assertTrue(html.contains("node_multi"));
    }

    @Test
    void collectOfPlainRunsTakesTheFlagsThatDifferAsParameters(@TempDir Path tmp) throws IOException {
        List<String> args = new ArrayList<>(List.of("collect"));
        NAMES.forEach(n -> args.add(alone.resolve(n).toString()));
        args.addAll(List.of("--out", tmp.toString()));
        CommandLineTest.Result r = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        List<CSVRecord> metrics = csv(tmp.resolve("metrics.csv"));
        assertEquals(List.of("cell", "node_multi", "seed", "trial"), metrics.getFirst().toList().subList(0, 4));
        assertEquals(32, metrics.size() - 1);
        assertEquals(9, csv(tmp.resolve("summary.csv")).size());
    }

    @Test
    void collectRefusesWhatItCannotMerge(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("collect", tmp.resolve("nothing").toString(), "--out", tmp.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        r = CommandLineTest.run("collect", alone.resolve(NAMES.get(0)).toString(), alone.resolve(NAMES.get(1)).toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--out"), r.err());
        Path matrix = tmp.resolve("matrix");
        assertEquals(0, CommandLineTest.run("matrix", "--num_iter", "3", "--ks", "[3, 4, 2]", "--out", matrix.toString(), "--quiet").exit());
        r = CommandLineTest.run("collect", matrix.toString(), "--out", tmp.resolve("m").toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("recon results only"), r.err());
    }

    private static List<CSVRecord> csv(Path file) throws IOException {
        try (var parser = CSVParser.parse(file, java.nio.charset.StandardCharsets.UTF_8, CSVFormat.DEFAULT)) {
            return parser.getRecords();
        }
    }

    static List<String> metrics(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunFiles.METRICS)).stream()
                .map(line -> line.replaceAll(",\"steps_per_s\":[^,}]*", ""))
                .toList();
    }

    static JsonObject sweepJson(Path dir) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve("sweep.json"))).getAsJsonObject();
    }

    private static JsonObject status(Path dir, int index) throws IOException {
        return JsonParser.parseString(Files.readString(dir.resolve("status/" + index + ".json"))).getAsJsonObject();
    }

    /** The status file of a cell that a process {@code pid} on this machine was running. */
    private static void markRunning(Path dir, int index, long pid) throws IOException {
        Path file = dir.resolve("status/" + index + ".json");
        JsonObject status = Files.exists(file) ? status(dir, index) : new JsonObject();
        status.addProperty("index", index);
        status.addProperty("name", NAMES.get(index));
        status.addProperty("state", "running");
        status.add("exit", null);
        status.addProperty("host", java.net.InetAddress.getLocalHost().getHostName());
        status.addProperty("pid", pid);
        status.addProperty("process_start", "2000-01-01T00:00:00Z");
        status.addProperty("started", "2000-01-01T00:00:00Z");
        status.add("ended", null);
        status.addProperty("attempt", 1);
        status.addProperty("note", "started afresh");
        Files.writeString(file, new com.google.gson.GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(status));
    }

    /** The pid of a process that has ended: a cell marked running by it was interrupted. */
    private static long deadProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertEquals(0, p.waitFor());
        long pid = p.pid();
        assertNotEquals(ProcessHandle.current().pid(), pid);
        return pid;
    }
}
