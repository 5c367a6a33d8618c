package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing is lost on SIGTERM, a resumed run ends where an uninterrupted one does, threads change nothing. */
class InterruptAndResumeTest {
    private static final List<String> ARGS = List.of("recon", "--seed", "11", "--num_trial", "2", "--num_epoch", "4",
            "--train_size", "6000", "--momentum", "0.5", "--ks", "[10, 15]");

    @Test
    void sigtermStopsAtAStepAndResumeMatchesAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        assertEquals(0, CommandLineTest.run(args(whole)).exit());

        int exit = CommandLineTest.stopAfterMetricsLines(args(cut), cut, 2, tmp.resolve("cut.log"));
        Path metrics = cut.resolve(RunFiles.METRICS);
        String log = Files.readString(tmp.resolve("cut.log"));
        assertEquals(143, exit, log);
        assertTrue(log.contains("--resume"), log);
        assertTrue(Files.exists(cut.resolve(RunFiles.CHECKPOINT)), log);
        assertTrue(Files.readAllLines(metrics).size() < metrics(whole).size(), "stopped before the end");
        assertStoppedRunRecorded(cut, 143);
        JsonObject runBefore = RunEndFilesTest.json(cut.resolve(RunFiles.CONFIG)).getAsJsonObject("run");

        CommandLineTest.Result resumed = CommandLineTest.run("recon", "--resume", cut.toString());
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(metrics(whole), metrics(cut));
        assertTrue(Files.exists(cut.resolve("checkpoints/trial-1.json")));

        // The resumed run ends as the whole one: the same summary; its metadata keeps the start and says it was resumed.
        assertEquals(Files.readString(whole.resolve("summary.json")), Files.readString(cut.resolve("summary.json")));
        assertEquals(csvWithoutCell(whole), csvWithoutCell(cut));
        JsonObject run = RunEndFilesTest.json(cut.resolve(RunFiles.CONFIG)).getAsJsonObject("run");
        assertEquals(runBefore.get("started"), run.get("started"));
        assertFalse(run.get("resumed").isJsonNull());
        assertEquals("finished", run.get("status").getAsString());
        assertEquals(0, run.get("exit_code").getAsInt());
    }

    /**
     * After a stop: config.json says stopped with the signal's exit code, summary.json agrees with
     * metrics.jsonl (a trial not finished is stopped or not started), metrics.csv holds every line.
     */
    private static void assertStoppedRunRecorded(Path dir, int exitCode) throws IOException {
        JsonObject run = RunEndFilesTest.json(dir.resolve(RunFiles.CONFIG)).getAsJsonObject("run");
        assertEquals("stopped", run.get("status").getAsString());
        assertEquals(exitCode, run.get("exit_code").getAsInt());
        JsonObject summary = RunEndFilesTest.json(dir.resolve("summary.json"));
        assertEquals("stopped", summary.get("status").getAsString());
        List<JsonObject> lines = RunEndFilesTest.metrics(dir);
        int unfinished = 0;
        for (int t = 0; t < 2; t++) {
            JsonObject trial = summary.getAsJsonArray("trials").get(t).getAsJsonObject();
            JsonObject last = RunEndFilesTest.lastLine(lines, t, "eval");
            if (last == null) {
                assertEquals("not_started", trial.get("exit").getAsString());
                assertTrue(trial.get("eval").isJsonNull());
            } else {
                assertEquals(RunEndFilesTest.evaluationOf(last), trial.getAsJsonObject("eval"));
                assertEquals(last.get("epoch").getAsInt() == 3 ? "finished" : "stopped", trial.get("exit").getAsString());
            }
            unfinished += trial.get("exit").getAsString().equals("finished") ? 0 : 1;
        }
        assertTrue(unfinished > 0, "the stop came before the end");
        long layerRows = lines.stream().mapToLong(m -> m.getAsJsonArray("best_corr_mean").size()).sum();
        assertEquals(1 + layerRows, Files.readAllLines(dir.resolve("metrics.csv")).size());
    }

    /** metrics.csv less its first column, the directory's name. */
    private static List<String> csvWithoutCell(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve("metrics.csv")).stream().map(line -> line.substring(line.indexOf(',') + 1)).toList();
    }

    /** The SIMD backend splits the rows of each product, not the sums, so threads cannot change a bit. */
    @Test
    void twoThreadsGiveBitIdenticalMetrics(@TempDir Path tmp) throws IOException {
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        List<String> big = List.of("recon", "--seed", "3", "--num_trial", "1", "--num_epoch", "2", "--train_size", "4000",
                "--batchsize", "256");
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(big, "--threads", "1", "--out", one.toString())).exit());
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(big, "--threads", "2", "--out", two.toString())).exit());
        assertEquals(metrics(one), metrics(two));
    }

    @Test
    void resumeRefusesOtherFlagsAndMissingDirectories(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--resume", tmp.resolve("nothing").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("config.json"), r.err());
        r = CommandLineTest.run("recon", "--resume", tmp.toString(), "--lr", "0.1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--resume takes no other flags"), r.err());
    }

    private static String[] args(Path out) {
        return ResultsIntegrityTest.args(ARGS, "--out", out.toString());
    }

    private static List<String> metrics(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve(RunFiles.METRICS));
    }
}
