package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code recon --use_cnn} end to end at tiny sizes: per-channel correlations, determinism, backends, resume. */
class ReconConvCommandTest {
    /** Teacher conv 1 -> 2 -> 3 channels on 16 x 16 gaussian inputs, student 4 -> 6 channels. */
    private static final List<String> TINY = List.of("recon", "--use_cnn", "--quiet", "--seed", "5", "--ks", "[2, 3]",
            "--node_multi", "2", "--d_output", "5", "--lr", "0.002", "--train_size", "256", "--eval_size", "128",
            "--num_epoch", "2", "--num_trial", "2", "--jobs", "1");

    @Test
    void convRunWritesPerChannelCorrelationsAndRepeatsItself(@TempDir Path tmp) throws IOException {
        Path first = tmp.resolve("first"), second = tmp.resolve("second");
        CommandLineTest.Result r = CommandLineTest.run(args("scalar", first));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Corrs Summary: L0: "), r.out());
        CommandLineTest.Result again = CommandLineTest.run(args("scalar", second));
        assertEquals(0, again.exit(), again.err());
        List<String> lines = Files.readAllLines(first.resolve(RunFiles.METRICS));
        assertEquals(lines, Files.readAllLines(second.resolve(RunFiles.METRICS)), "the same run twice, the same bytes");
        // two trials x (before training + 2 epochs) x (train, eval)
        assertEquals(12, lines.size());
        for (String line : lines) {
            JsonObject m = JsonParser.parseString(line).getAsJsonObject();
            JsonArray mean = m.getAsJsonArray("best_corr_mean");
            assertEquals(2, mean.size(), "one entry per conv layer: " + line);
            for (int l = 0; l < 2; l++) {
                double min = m.getAsJsonArray("best_corr_min").get(l).getAsDouble();
                double max = m.getAsJsonArray("best_corr_max").get(l).getAsDouble();
                assertTrue(-1 <= min && min <= mean.get(l).getAsDouble() && mean.get(l).getAsDouble() <= max && max <= 1.0001,
                        line);
            }
            assertFalse(m.has("accuracy"), "gaussian inputs have no labels: " + line);
        }
        JsonObject correlations = JsonParser.parseString(Files.readString(first.resolve("correlations/trial-0.json")))
                .getAsJsonObject();
        JsonArray layers = correlations.getAsJsonArray("layers");
        assertEquals(2, layers.size());
        // a conv layer's nodes are its channels: teacher 2 and 3, student 4 and 6
        assertEquals(2, layers.get(0).getAsJsonObject().get("teacher_nodes").getAsInt());
        assertEquals(4, layers.get(0).getAsJsonObject().get("student_nodes").getAsInt());
        assertEquals(3 * 6, layers.get(1).getAsJsonObject().getAsJsonArray("correlations").size());
        JsonObject config = JsonParser.parseString(Files.readString(first.resolve(RunFiles.CONFIG))).getAsJsonObject();
        assertTrue(config.get("use_cnn").getAsBoolean());
        assertEquals("gaussian", config.get("dataset").getAsString());
    }

    @Test
    void scalarAndSimdAgree(@TempDir Path tmp) throws IOException {
        Path scalar = tmp.resolve("scalar"), simd = tmp.resolve("simd");
        assertEquals(0, CommandLineTest.run(args("scalar", scalar)).exit());
        CommandLineTest.Result r = CommandLineTest.run(args("simd", simd));
        assertEquals(0, r.exit(), r.err());
        List<String> a = Files.readAllLines(scalar.resolve(RunFiles.METRICS)), b = Files.readAllLines(simd.resolve(RunFiles.METRICS));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            JsonObject x = JsonParser.parseString(a.get(i)).getAsJsonObject(), y = JsonParser.parseString(b.get(i)).getAsJsonObject();
            double lx = x.get("loss").getAsDouble(), ly = y.get("loss").getAsDouble();
            assertEquals(lx, ly, 1e-3 * lx, "loss, line " + i);
            for (String stat : List.of("best_corr_min", "best_corr_mean", "best_corr_max")) {
                for (int l = 0; l < 2; l++) {
                    assertEquals(x.getAsJsonArray(stat).get(l).getAsDouble(), y.getAsJsonArray(stat).get(l).getAsDouble(), 1e-3,
                            stat + " layer " + l + ", line " + i);
                }
            }
        }
    }

    /** A conv checkpoint (layers of C·9 columns) reads back, belongs to its run, and a lost trial reruns as it ran. */
    @Test
    void resumeRerunsALostTrialFromTheConvCheckpoints(@TempDir Path tmp) throws IOException {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        assertEquals(0, CommandLineTest.run(args("scalar", whole)).exit());
        assertEquals(0, CommandLineTest.run(args("scalar", cut)).exit());
        Files.delete(cut.resolve("checkpoints/trial-1.json"));
        Files.delete(cut.resolve(RunFiles.CHECKPOINT));
        CommandLineTest.Result r = CommandLineTest.run("recon", "--resume", cut.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(Files.readAllLines(whole.resolve(RunFiles.METRICS)), Files.readAllLines(cut.resolve(RunFiles.METRICS)));
        assertTrue(Files.exists(cut.resolve("checkpoints/trial-1.json")));
    }

    private static String[] args(String backend, Path out) {
        List<String> all = new ArrayList<>(TINY);
        all.addAll(List.of("--backend", backend, "--out", out.toString()));
        return all.toArray(String[]::new);
    }
}
