package org.relukit.runner;

import org.relukit.nn.BatchNormLayer;
import org.relukit.recon.Checkpoint;
import org.relukit.nn.Layer;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code recon --bn ... --stats_w --stats_H} on the command line: flags, metrics keys, checkpoints. */
class ReconBatchNormCommandTest {

    @Test
    void batchNormRunWritesItsFlagsAndEveryStatistic(@TempDir Path dir) throws IOException {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--bn", "--bn-affine", "--teacher_bn", "--stats_w",
                "--stats-H", "--seed", "124", "--num_trial", "1", "--num_epoch", "2", "--train_size", "2000",
                "--ks", "[10, 15]", "--node_multi", "3", "--d_output", "20", "--quiet", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        for (String flag : List.of("bn", "bn_affine", "teacher_bn", "stats_w", "stats_h")) {
            assertTrue(config.get(flag).getAsBoolean(), flag);
        }
        assertFalse(config.get("bn_before_relu").getAsBoolean());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(6, lines.size());
        for (String line : lines) {
            assertFalse(line.contains("NaN"), line);
            JsonObject m = JsonParser.parseString(line).getAsJsonObject();
            for (String key : List.of("w_norm", "w_rms", "w_drift_rms", "w_drift_rel", "w_drift_rel_col_min",
                    "w_drift_rel_col_mean", "w_drift_rel_col_max")) {
                assertEquals(3, m.getAsJsonArray(key).size(), key + ": two hidden layers and the output layer");
            }
            for (String key : List.of("H_st", "H_ss", "beta_st", "beta_ss")) {
                JsonObject summary = m.getAsJsonObject(key);
                assertEquals(2, summary.getAsJsonArray("fro").size(), key + ": one entry per hidden layer");
                assertEquals(key.endsWith("_ss"), summary.has("diag_mean"), key + ": a diagonal only student-student");
            }
        }
        JsonObject last = JsonParser.parseString(lines.getLast()).getAsJsonObject();
        assertTrue(last.getAsJsonArray("w_drift_rel").get(0).getAsDouble() > 0, "the student moved");
        JsonObject checkpoint = JsonParser.parseString(Files.readString(dir.resolve(RunFiles.CHECKPOINT))).getAsJsonObject();
        assertEquals(CheckpointFile.FORMAT, checkpoint.get("format").getAsString());
        assertEquals(2, checkpoint.getAsJsonArray("studentNorms").size());
    }

    @Test
    void checkpointKeepsBatchNormExactlyAndVersionOneStillReads(@TempDir Path dir) throws IOException {
        ReconConfig.Builder config = ReconConfig.builder();
        config.ks = List.of(4, 5);
        config.nodeMulti = 2;
        config.dOutput = 3;
        SplittableRandom rng = new SplittableRandom(4);
        List<Layer> teacher = TeacherStudent.teacher(config.build(), rng);
        List<Layer> student = TeacherStudent.student(config.build(), teacher, rng);
        List<BatchNormLayer> norms = List.of(
                new BatchNormLayer(8, floats(rng, 8), floats(rng, 8), floats(rng, 8), floats(rng, 8)),
                new BatchNormLayer(10, null, null, floats(rng, 10), floats(rng, 10)));
        Checkpoint written = new Checkpoint(0, 3, 17, teacher, student, List.of(floats(rng, 5)), norms);
        Path file = dir.resolve("checkpoint.json");
        Files.writeString(file, CheckpointFile.toJson(written, IDENTITY));
        Checkpoint read = CheckpointFile.read(file, "test").checkpoint();
        assertEquals(2, read.studentNorms().size());
        for (int l = 0; l < norms.size(); l++) {
            BatchNormLayer a = norms.get(l), b = read.studentNorms().get(l);
            assertEquals(a.n(), b.n());
            assertArrayEquals(a.gamma(), b.gamma());
            assertArrayEquals(a.beta(), b.beta());
            assertArrayEquals(a.runningMean(), b.runningMean());
            assertArrayEquals(a.runningVar(), b.runningVar());
        }

        JsonObject v1 = JsonParser.parseString(CheckpointFile.toJson(
                new Checkpoint(0, 3, 17, teacher, student, List.of(), List.of()), IDENTITY)).getAsJsonObject();
        v1.remove("studentNorms");
        v1.remove("identity");
        v1.remove("sha256");
        v1.addProperty("format", "relukit-checkpoint/1");
        Files.writeString(file, v1.toString());
        CheckpointFile.Loaded loaded = CheckpointFile.read(file, "test");
        Checkpoint old = loaded.checkpoint();
        assertTrue(old.studentNorms().isEmpty());
        assertEquals(17, old.step());
        assertEquals(null, loaded.identity(), "version 1 has no identity");
        JsonElement weights = JsonParser.parseString(CheckpointFile.toJson(old, IDENTITY)).getAsJsonObject().get("student");
        assertEquals(v1.get("student"), weights);
    }

    private static final RunIdentity IDENTITY = new RunIdentity(List.of("--seed", "4"), 4, List.of(20, 4, 5, 3),
            List.of(20, 8, 10, 3), "0".repeat(64), null);

    /** Floats with many significant bits, so a lossy round trip shows. */
    private static float[] floats(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextDouble(0.1, 3);
        }
        return x;
    }
}
