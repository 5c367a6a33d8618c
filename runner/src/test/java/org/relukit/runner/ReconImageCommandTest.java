package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code recon --dataset mnist} and {@code --dataset cifar10} end to end on tiny files in the standard
 * formats (IDX; CIFAR-10's binary records): accuracy in every record.
 */
class ReconImageCommandTest {
    private static final int TRAIN = 70, TEST = 30;
    /** The five training files of CIFAR-10's binary distribution, in the order they are read. */
    private static final int CIFAR_TRAIN_FILES = 5;

    @ParameterizedTest(name = "use_cnn={0}")
    @ValueSource(booleans = {true, false})
    void mnistRunWritesTheStudentsAccuracy(boolean useCnn, @TempDir Path tmp) throws IOException {
        Path data = Files.createDirectory(tmp.resolve("mnist")), out = tmp.resolve("run");
        SplittableRandom rng = new SplittableRandom(9);
        writeMnist(data, "train", TRAIN, rng);
        writeMnist(data, "t10k", TEST, rng);
        List<String> args = new java.util.ArrayList<>(List.of("recon", "--dataset", "mnist", "--data_dir", data.toString(),
                "--ks", "[3, 4]", "--node_multi", "2", "--num_epoch", "2", "--num_trial", "1", "--batchsize", "16",
                "--eval_batchsize", "10", "--lr", "0.01", "--backend", "scalar", "--quiet", "--out", out.toString()));
        if (useCnn) {
            args.add("--use_cnn");
        }
        assertEveryRecordHasAccuracy(args, out);
    }

    @Test
    void cifar10ConvRunWritesTheStudentsAccuracy(@TempDir Path tmp) throws IOException {
        Path data = Files.createDirectory(tmp.resolve("cifar-10-batches-bin")), out = tmp.resolve("run");
        SplittableRandom rng = new SplittableRandom(10);
        for (int i = 1; i <= CIFAR_TRAIN_FILES; i++) {
            writeCifar10(data.resolve("data_batch_" + i + ".bin"), TRAIN / CIFAR_TRAIN_FILES, rng);
        }
        writeCifar10(data.resolve("test_batch.bin"), TEST, rng);
        List<String> args = List.of("recon", "--use_cnn", "--dataset", "cifar10", "--data_dir", data.toString(),
                "--ks", "[3, 4]", "--node_multi", "2", "--num_epoch", "2", "--num_trial", "1", "--batchsize", "16",
                "--eval_batchsize", "10", "--lr", "0.01", "--backend", "scalar", "--quiet", "--out", out.toString());
        assertEveryRecordHasAccuracy(args, out);
    }

    /** Runs recon; its config has the ten classes and the splits' sizes, and every metrics line an accuracy. */
    private static void assertEveryRecordHasAccuracy(List<String> args, Path out) throws IOException {
        CommandLineTest.Result r = CommandLineTest.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("accuracy "), r.out());
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve(RunFiles.CONFIG))).getAsJsonObject();
        assertEquals(10, config.get("d_output").getAsInt(), "the ten classes of MNIST and CIFAR-10");
        assertEquals(TRAIN, config.get("train_size").getAsInt(), "the training set's own size");
        assertEquals(TEST, config.get("eval_size").getAsInt());
        List<String> lines = Files.readAllLines(out.resolve(RunFiles.METRICS));
        assertEquals(6, lines.size());
        for (String line : lines) {
            JsonObject m = JsonParser.parseString(line).getAsJsonObject();
            double accuracy = m.get("accuracy").getAsDouble();
            int samples = m.get("split").getAsString().equals("train") ? TRAIN : TEST;
            // a count of whole samples out of the whole split
            assertEquals(Math.rint(accuracy * samples), accuracy * samples, 1e-9, line);
            assertTrue(accuracy >= 0 && accuracy <= 1, line);
            assertEquals(2, m.getAsJsonArray("best_corr_mean").size(), line);
            assertFalse(line.contains("NaN"), line);
        }
    }

    @Test
    void missingFilesAreOneLineListingWhatTheDirectoryHolds(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--dataset", "mnist", "--data_dir", tmp.toString(), "--quiet");
        assertEquals(2, r.exit());
        List<String> lines = r.err().strip().lines().filter(l -> !l.startsWith("backend: ")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().contains("train-images-idx3-ubyte") && lines.getFirst().contains("t10k-labels-idx1-ubyte"),
                r.err());
        r = CommandLineTest.run("recon", "--dataset", "cifar10", "--data_dir", tmp.toString(), "--quiet");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("data_batch_1.bin"), r.err());
    }

    /**
     * {@code count} CIFAR-10 binary records: per image the label byte, then the 32 × 32 red bytes row
     * by row, then the green, then the blue (3,073 bytes).
     */
    private static void writeCifar10(Path file, int count, SplittableRandom rng) throws IOException {
        byte[] records = new byte[count * (1 + 3 * 32 * 32)];
        for (int i = 0, at = 0; i < count; i++) {
            records[at++] = (byte) rng.nextInt(10);
            for (int p = 0; p < 3 * 32 * 32; p++) {
                records[at++] = (byte) rng.nextInt(256);
            }
        }
        Files.write(file, records);
    }

    /** The IDX files of one split: big-endian magic and sizes, then a byte per pixel or label. */
    private static void writeMnist(Path dir, String split, int count, SplittableRandom rng) throws IOException {
        ByteBuffer images = ByteBuffer.allocate(16 + count * 28 * 28).putInt(0x803).putInt(count).putInt(28).putInt(28);
        ByteBuffer labels = ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) {
            labels.put((byte) rng.nextInt(10));
            for (int p = 0; p < 28 * 28; p++) {
                images.put((byte) rng.nextInt(256));
            }
        }
        Files.write(dir.resolve(split + "-images-idx3-ubyte"), images.array());
        Files.write(dir.resolve(split + "-labels-idx1-ubyte"), labels.array());
    }
}
