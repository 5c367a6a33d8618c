package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** recon --jobs: trials at once give the same files, byte for byte, as one at a time; a stopped parallel run resumes exactly. */
class ParallelTrialsTest {
    private static final List<String> ARGS = List.of("recon", "--seed", "5", "--num_trial", "3", "--num_epoch", "3",
            "--train_size", "3000", "--momentum", "0.5", "--ks", "[10, 15]", "--stats_w", "--quiet");

    @Test
    void threeJobsWriteTheSameFilesAsOne(@TempDir Path tmp) throws IOException {
        Path one = tmp.resolve("one"), three = tmp.resolve("three");
        CommandLineTest.Result r1 = CommandLineTest.run(ResultsIntegrityTest.args(ARGS, "--jobs", "1", "--out", one.toString()));
        assertEquals(0, r1.exit(), r1.err());
        CommandLineTest.Result r3 = CommandLineTest.run(ResultsIntegrityTest.args(ARGS, "--jobs", "3", "--out", three.toString()));
        assertEquals(0, r3.exit(), r3.err());
        assertTrue(r3.err().contains("3 trials at once"), r3.err());
        for (String file : List.of("metrics.jsonl", "correlations/trial-0.json", "correlations/trial-2.json")) {
            assertArrayEquals(Files.readAllBytes(one.resolve(file)), Files.readAllBytes(three.resolve(file)), file);
        }
        for (int trial = 0; trial < 3; trial++) {
            String file = "checkpoints/trial-" + trial + ".json";
            assertEquals(networks(one.resolve(file)), networks(three.resolve(file)), file);
        }
        List<String> lines = Files.readAllLines(three.resolve("metrics.jsonl"));
        assertEquals(3 * 2 * (3 + 1), lines.size(), "train and eval, before training and after each epoch, per trial");
        for (int i = 0; i < lines.size(); i++) {
            assertTrue(lines.get(i).startsWith("{\"trial\":" + i / 8 + ","), "trial order: line " + i + " " + lines.get(i));
        }
    }

    @Test
    void aStoppedParallelRunResumesToTheSameBytes(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(ARGS, "--jobs", "1", "--out", whole.toString())).exit());

        String[] parallel = ResultsIntegrityTest.args(ARGS, "--jobs", "2", "--out", cut.toString());
        int exit = CommandLineTest.stopAfterMetricsLines(parallel, cut, 6, tmp.resolve("cut.log"));
        Path metrics = cut.resolve(RunFiles.METRICS);
        String log = Files.readString(tmp.resolve("cut.log"));
        assertEquals(143, exit, log);
        assertTrue(Files.readAllLines(metrics).size() < Files.readAllLines(whole.resolve(RunFiles.METRICS)).size(),
                "stopped before the end: " + log);

        // Resumed with another --jobs: the trials do not depend on which thread ran them.
        CommandLineTest.Result resumed = CommandLineTest.run("recon", "--resume", cut.toString(), "--jobs", "3");
        assertEquals(0, resumed.exit(), resumed.err());
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunFiles.METRICS)), Files.readAllBytes(metrics));
        assertEquals(networks(whole.resolve("checkpoints/trial-2.json")), networks(cut.resolve("checkpoints/trial-2.json")));

        // A finished run resumed again has nothing left to run and changes nothing.
        CommandLineTest.Result again = CommandLineTest.run("recon", "--resume", cut.toString());
        assertEquals(0, again.exit(), again.err());
        assertArrayEquals(Files.readAllBytes(whole.resolve(RunFiles.METRICS)), Files.readAllBytes(metrics));
    }

    /** Without --threads a trial takes the cores its fellows leave, at most two; --threads says otherwise. */
    @Test
    void threadsDefaultToTheCoresTheTrialsAtOnceLeave(@TempDir Path tmp) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> tiny = List.of("recon", "--num_epoch", "1", "--train_size", "640", "--ks", "[10, 15]", "--quiet");
        record Case(String name, int expected, String... flags) {}
        for (Case c : List.of(new Case("one-trial", Math.clamp(cores, 1, 2), "--num_trial", "1"),
                new Case("three-jobs", Math.clamp(cores / 3, 1, 2), "--num_trial", "3", "--jobs", "3"),
                new Case("one-job", Math.clamp(cores, 1, 2), "--num_trial", "3", "--jobs", "1"),
                new Case("told", 1, "--num_trial", "1", "--threads", "1"))) {
            Path out = tmp.resolve(c.name());
            List<String> args = new ArrayList<>(tiny);
            args.addAll(List.of(c.flags()));
            args.addAll(List.of("--out", out.toString()));
            CommandLineTest.Result r = CommandLineTest.run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), r.err());
            JsonObject config = JsonParser.parseString(Files.readString(out.resolve(RunFiles.CONFIG))).getAsJsonObject();
            assertEquals(c.expected(), config.get("threads").getAsInt(), c.name());
            assertTrue(r.err().contains(c.expected() + (c.expected() == 1 ? " thread)" : " threads)")), c.name() + ": " + r.err());
        }
    }

    @Test
    void badJobsIsOneLineAndExitTwo(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run(ResultsIntegrityTest.args(ARGS, "--jobs", "0", "--out", tmp.resolve("x").toString()));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--jobs must be between 1 and 1024"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /**
     * A checkpoint less its identity (which holds the command line, --jobs and --out included) and
     * its seal: where the run stands and both networks, floats as written.
     */
    private static JsonObject networks(Path checkpoint) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(checkpoint)).getAsJsonObject();
        json.remove("identity");
        json.remove("sha256");
        return json;
    }
}
