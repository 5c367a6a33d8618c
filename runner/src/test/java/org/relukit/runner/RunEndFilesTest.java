package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.relukit.runner.results.RunMetadata;

/**
 * What a run writes when it ends: summary.json (each trial's last metrics lines), config.json's
 * {@code run} metadata (that takes no part in a run's identity) and metrics.csv (collect's format).
 */
class RunEndFilesTest {
    private static final List<String> SMALL = List.of("recon", "--seed", "5", "--num_trial", "2", "--num_epoch", "2",
            "--train_size", "2000", "--ks", "[10, 15]", "--node_multi", "2", "--d_output", "20");
    private static final List<String> LAST_EVALUATION_KEYS = List.of("epoch", "loss", "best_corr_min", "best_corr_mean",
            "best_corr_max");

    @Test
    void aFinishedRunSummarisesItsLastLinesRecordsItsMachineAndWritesCollectsCsv(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("a"), again = tmp.resolve("b");
        Instant before = Instant.now();
        CommandLineTest.Result r = CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", dir.toString()));
        assertEquals(0, r.exit(), r.err());

        JsonObject summary = json(dir.resolve("summary.json"));
        assertEquals("recon", summary.get("experiment").getAsString());
        assertEquals("finished", summary.get("status").getAsString());
        assertEquals(2, summary.get("num_trial").getAsInt());
        assertEquals(2, summary.get("num_epoch").getAsInt());
        assertEquals(2, summary.getAsJsonArray("trials").size());
        List<JsonObject> lines = metrics(dir);
        for (int t = 0; t < 2; t++) {
            JsonObject trial = summary.getAsJsonArray("trials").get(t).getAsJsonObject();
            assertEquals(t, trial.get("trial").getAsInt());
            assertEquals("finished", trial.get("exit").getAsString());
            assertTrue(trial.get("diverged_at").isJsonNull());
            for (String split : List.of("train", "eval")) {
                JsonObject last = lastLine(lines, t, split);
                assertEquals(1, last.get("epoch").getAsInt(), "the last epoch");
                assertEquals(evaluationOf(last), trial.getAsJsonObject(split), "trial " + t + " " + split);
            }
        }

        JsonObject run = json(dir.resolve("config.json")).getAsJsonObject("run");
        Properties build = VersionInfo.build();
        assertEquals(build.getProperty("version"), run.get("relukit_version").getAsString());
        assertEquals(build.getProperty("commit"), run.get("git_commit").getAsString());
        assertEquals(RunMetadata.hostName(), run.get("host").getAsString());
        assertEquals(RunMetadata.cpuModel(), run.get("cpu").getAsString());
        assertFalse(run.get("cpu").getAsString().isBlank());
        assertEquals(Runtime.getRuntime().availableProcessors(), run.get("cores").getAsInt());
        assertTrue(run.get("jdk").getAsString().startsWith(Runtime.version().toString()), run.toString());
        Instant started = Instant.parse(run.get("started").getAsString()), ended = Instant.parse(run.get("ended").getAsString());
        assertFalse(started.isBefore(before.minusMillis(1)), run.toString());
        assertFalse(ended.isBefore(started), run.toString());
        assertTrue(run.get("resumed").isJsonNull());
        assertEquals("finished", run.get("status").getAsString());
        assertEquals(0, run.get("exit_code").getAsInt());

        Path collected = tmp.resolve("collected");
        CommandLineTest.Result c = CommandLineTest.run("collect", dir.toString(), "--out", collected.toString());
        assertEquals(0, c.exit(), c.err());
        assertEquals(Files.readString(collected.resolve("metrics.csv")), Files.readString(dir.resolve("metrics.csv")));
        assertEquals(1 + 2 * 3 * 2 * 2, Files.readAllLines(dir.resolve("metrics.csv")).size(),
                "a header, then 2 trials x 3 evaluations x 2 splits x 2 layers");

        // The same flags elsewhere: the same summary and metrics, byte for byte; the metadata is no parameter of collect.
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", again.toString())).exit());
        assertEquals(Files.readString(dir.resolve("summary.json")), Files.readString(again.resolve("summary.json")));
        assertEquals(Files.readString(dir.resolve(RunFiles.METRICS)), Files.readString(again.resolve(RunFiles.METRICS)));
        c = CommandLineTest.run("collect", dir.toString(), again.toString(), "--out", collected.toString());
        assertEquals(0, c.exit(), c.err());
        assertEquals("cell,seed,trial,epoch,split,layer,loss,best_corr_min,best_corr_mean,best_corr_max",
                Files.readAllLines(collected.resolve("metrics.csv")).getFirst());

        // --overwrite knows the new files as relukit's own.
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", again.toString(), "--overwrite")).exit());
    }

    @Test
    void aDivergedTrialIsSummarisedWithWhereItsLossStoppedBeingFinite(@TempDir Path dir) throws IOException {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--lr", "1000", "--num_trial", "1", "--num_epoch", "2",
                "--train_size", "2000", "--node_multi", "2", "--d_output", "20", "--out", dir.toString());
        assertEquals(ReconCommand.DIVERGED, r.exit(), r.err());
        JsonObject divergence = metrics(dir).stream().filter(m -> m.has("exit")).findFirst().orElseThrow();
        JsonObject trial = json(dir.resolve("summary.json")).getAsJsonArray("trials").get(0).getAsJsonObject();
        assertEquals(divergence.get("exit").getAsString(), trial.get("exit").getAsString());
        assertEquals(divergence.get("epoch"), trial.getAsJsonObject("diverged_at").get("epoch"));
        assertEquals(divergence.get("step"), trial.getAsJsonObject("diverged_at").get("step"));
        assertEquals(evaluationOf(lastLine(metrics(dir), 0, "eval")), trial.getAsJsonObject("eval"));
        JsonObject run = json(dir.resolve("config.json")).getAsJsonObject("run");
        assertEquals("diverged", run.get("status").getAsString());
        assertEquals(ReconCommand.DIVERGED, run.get("exit_code").getAsInt());
        assertEquals("diverged", json(dir.resolve("summary.json")).get("status").getAsString());
    }

    @Test
    void aFaultIsRecordedAsFailedWithTheTrialStopped(@TempDir Path dir) throws IOException {
        // The failing backend faults in the second epoch (see CommandLineTest).
        CommandLineTest.Result r = CommandLineTest.run("recon", "--backend=failing", "--num_trial", "1", "--num_epoch", "3",
                "--train_size", "2000", "--node_multi", "2", "--d_output", "20", "--out", dir.toString());
        assertEquals(1, r.exit(), r.err());
        JsonObject run = json(dir.resolve("config.json")).getAsJsonObject("run");
        assertEquals("failed", run.get("status").getAsString());
        assertEquals(1, run.get("exit_code").getAsInt());
        JsonObject summary = json(dir.resolve("summary.json"));
        assertEquals("failed", summary.get("status").getAsString());
        JsonObject trial = summary.getAsJsonArray("trials").get(0).getAsJsonObject();
        assertEquals("stopped", trial.get("exit").getAsString());
        assertEquals(evaluationOf(lastLine(metrics(dir), 0, "eval")), trial.getAsJsonObject("eval"));
    }

    @Test
    void matrixSummarisesItsLastReportAndWritesItsLongCsv(@TempDir Path dir) throws IOException {
        CommandLineTest.Result r = CommandLineTest.run("matrix", "--node_multi", "2", "--num_iter", "201", "--seed", "3",
                "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonObject> lines = metrics(dir);
        JsonObject summary = json(dir.resolve("summary.json"));
        assertEquals("finished", summary.get("status").getAsString());
        assertEquals(201, summary.get("num_iter").getAsInt());
        assertEquals(lines.getLast(), summary.getAsJsonObject("last"));
        assertEquals("finished", json(dir.resolve("config.json")).getAsJsonObject("run").get("status").getAsString());

        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals("iter,layer,loss,eval_loss,max_corr,zero_cnt", csv.getFirst());
        List<String> expected = new ArrayList<>();
        for (JsonObject m : lines) {
            for (int l = 0; l < m.getAsJsonArray("max_corrs").size(); l++) {
                expected.add(m.get("iter").getAsInt() + "," + l + "," + m.get("loss").getAsFloat() + ","
                        + m.get("eval_loss").getAsFloat() + "," + m.getAsJsonArray("max_corrs").get(l).getAsFloat() + ","
                        + m.getAsJsonArray("zero_cnt").get(l).getAsInt());
            }
        }
        assertEquals(expected, csv.subList(1, csv.size()));
    }

    /** A metrics line's evaluation as summary.json holds it: its epoch, loss and best-correlation arrays. */
    static JsonObject evaluationOf(JsonObject line) {
        JsonObject out = new JsonObject();
        for (String key : LAST_EVALUATION_KEYS) {
            out.add(key, line.get(key));
        }
        return out;
    }

    static JsonObject lastLine(List<JsonObject> lines, int trial, String split) {
        JsonObject last = null;
        for (JsonObject m : lines) {
            if (m.get("trial").getAsInt() == trial && m.has("split") && m.get("split").getAsString().equals(split)) {
                last = m;
            }
        }
        return last;
    }

    static List<JsonObject> metrics(Path dir) throws IOException {
        List<JsonObject> lines = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(RunFiles.METRICS))) {
            lines.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return lines;
    }

    static JsonObject json(Path file) throws IOException {
        JsonElement json = JsonParser.parseString(Files.readString(file));
        return json.getAsJsonObject();
    }
}
