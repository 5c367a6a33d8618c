package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile files for the two loaders of a checkpoint, {@code --resume DIR} and
 * {@code --load_teacher FILE}: 1,200 mutations of a real checkpoint (seeded, so every run tries the
 * same ones) and the files that are no files. Each must end in exit 2 and one line, with no stack
 * trace and no more than 64 MB allocated on the way. That nothing hangs follows from the loader's
 * design (a regular file, size checked before it is read), not from a timeout.
 */
class CheckpointFuzzTest {
    private static final int MUTATIONS = 1_200;
    private static final long ALLOCATION_LIMIT = 64L << 20;
    private static final List<String> RUN = List.of("recon", "--quiet", "--seed", "3", "--data_d", "6", "--ks", "[4, 5]",
            "--node_multi", "2", "--d_output", "3", "--train_size", "512", "--eval_size", "128", "--eval_batchsize", "32",
            "--num_epoch", "1", "--num_trial", "2", "--momentum", "0.5", "--bn", "--bn_affine");

    @TempDir
    static Path tmp;
    private static Path run;
    private static String original;

    @BeforeAll
    static void aRealCheckpoint() throws IOException {
        run = tmp.resolve("run");
        CommandLineTest.Result r = CommandLineTest.run(ResultsIntegrityTest.args(RUN, "--out", run.toString()));
        assertEquals(0, r.exit(), r.err());
        original = Files.readString(run.resolve("checkpoints/trial-0.json"));
        // Unchanged, it loads: so what a mutation breaks is the mutation's doing.
        CheckpointFile.read(run.resolve("checkpoints/trial-0.json"), "test");
    }

    @Test
    void everyMutatedCheckpointIsOneLineAndExitTwo() throws IOException {
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        SplittableRandom rng = new SplittableRandom(20261130);
        Map<String, Integer> kinds = new TreeMap<>();
        long largest = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            Mutation m = mutate(rng);
            kinds.merge(m.kind(), 1, Integer::sum);
            largest = Math.max(largest, assertRefused(m.bytes(), i % 2 == 0, "case " + i + " (" + m.kind() + ")"));
        }
        System.out.printf("checkpoint fuzz: %d mutations in %.1f s of CPU, largest allocation %.1f MB, by kind %s%n",
                MUTATIONS, (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1e9,
                largest / 1048576.0, kinds);
        assertTrue(kinds.size() >= 15, "the mutations cover every kind: " + kinds);
    }

    @Test
    void filesThatAreNoFilesAreOneLineAndExitTwo() throws Exception {
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Path directory = Files.createDirectories(tmp.resolve("a-directory"));
        Path huge = tmp.resolve("huge.json");
        try (RandomAccessFile sparse = new RandomAccessFile(huge.toFile(), "rw")) {
            sparse.setLength(1L << 40);
        }
        for (Path file : List.of(fifo, Path.of("/dev/zero"), Path.of("/dev/urandom"), directory, huge,
                tmp.resolve("missing.json"))) {
            for (boolean resume : List.of(true, false)) {
                Path dir = resumeDir();
                Path target = dir.resolve(RunFiles.CHECKPOINT);
                Files.deleteIfExists(target);
                if (resume && !file.getFileName().toString().equals("missing.json")) {
                    Files.createSymbolicLink(target, file);
                }
                String[] args = resume ? new String[] {"recon", "--resume", dir.toString()}
                        : ResultsIntegrityTest.args(RUN, "--load_teacher", file.toString(), "--out", tmp.resolve("never").toString());
                long allocated = allocated();
                CommandLineTest.Result r = CommandLineTest.run(args);
                assertEquals(2, r.exit(), file + ": " + r.err());
                ResultsIntegrityTest.assertOneLine(r.err());
                assertTrue(allocated() - allocated < ALLOCATION_LIMIT, file.toString());
                assertFalse(Files.exists(tmp.resolve("never")));
            }
        }
    }

    /** Runs one loader on the bytes; returns the bytes allocated meanwhile. */
    private static long assertRefused(byte[] bytes, boolean resume, String what) throws IOException {
        String[] args;
        if (resume) {
            Path dir = resumeDir();
            Files.write(dir.resolve(RunFiles.CHECKPOINT), bytes);
            args = new String[] {"recon", "--resume", dir.toString()};
        } else {
            Path teacher = tmp.resolve("teacher.json");
            Files.write(teacher, bytes);
            args = ResultsIntegrityTest.args(RUN, "--load_teacher", teacher.toString(), "--out", tmp.resolve("never").toString());
        }
        long before = allocated();
        CommandLineTest.Result r = CommandLineTest.run(args);
        long allocated = allocated() - before;
        assertEquals(2, r.exit(), what + ": " + r.err());
        ResultsIntegrityTest.assertOneLine(r.err());
        assertTrue(allocated < ALLOCATION_LIMIT, what + " allocated " + allocated + " bytes");
        assertFalse(Files.exists(tmp.resolve("never")), what + " started a run");
        return allocated;
    }

    /** A copy of the run's directory whose checkpoint is the end of trial 0, as after a kill. */
    private static Path resumeDir() throws IOException {
        Path dir = tmp.resolve("resume");
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            for (String name : List.of(RunFiles.CONFIG, RunFiles.METRICS)) {
                Files.copy(run.resolve(name), dir.resolve(name));
            }
        }
        return dir;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    record Mutation(String kind, byte[] bytes) {}

    /** One of the mutation kinds, picked at random: byte-level damage, or a change in the JSON then sealed again. */
    private static Mutation mutate(SplittableRandom rng) {
        byte[] bytes = original.getBytes(StandardCharsets.UTF_8);
        return switch (rng.nextInt(8)) {
            case 0 -> new Mutation("truncated", java.util.Arrays.copyOf(bytes, rng.nextInt(bytes.length)));
            case 1 -> {
                byte[] b = bytes.clone();
                for (int i = 1 + rng.nextInt(8); i > 0; i--) {
                    b[rng.nextInt(b.length)] ^= (byte) (1 << rng.nextInt(8));
                }
                yield new Mutation("bit flips", b);
            }
            case 2 -> {
                byte[] b = bytes.clone();
                int at = rng.nextInt(b.length), span = Math.min(b.length - at, 1 + rng.nextInt(64));
                for (int i = at; i < at + span; i++) {
                    b[i] = (byte) rng.nextInt(256);
                }
                yield new Mutation("binary noise", b);
            }
            case 3 -> {
                byte[] b = new byte[rng.nextInt(4096)];
                rng.nextBytes(b);
                yield new Mutation("random bytes", b);
            }
            default -> structural(rng);
        };
    }

    /** A change in the JSON tree that no valid checkpoint has, sealed again (mostly) so the field checks meet it. */
    private static Mutation structural(SplittableRandom rng) {
        JsonObject json = JsonParser.parseString(original).getAsJsonObject();
        json.remove("sha256");
        List<Slot> slots = new ArrayList<>();
        collect(json, "", slots);
        String kind;
        // A kind first, then a place of that kind: floats outnumber everything else a thousand to one.
        List<Type> present = slots.stream().map(Slot::type).distinct().toList();
        Type type = present.get(rng.nextInt(present.size()));
        List<Slot> ofType = slots.stream().filter(s -> s.type() == type).toList();
        Slot slot = ofType.get(rng.nextInt(ofType.size()));
        switch (slot.type()) {
            case FLOAT -> {
                JsonElement[] bad = {new JsonPrimitive(Double.NaN), new JsonPrimitive(Double.POSITIVE_INFINITY),
                        new JsonPrimitive(Double.NEGATIVE_INFINITY), new JsonPrimitive(1e39), new JsonPrimitive("x"),
                        JsonNull.INSTANCE, new JsonArray(), new JsonObject(), new JsonPrimitive(true)};
                slot.set().accept(bad[rng.nextInt(bad.length)]);
                kind = "bad float";
            }
            case COUNT -> {
                JsonElement[] bad = {new JsonPrimitive(-1), new JsonPrimitive(Integer.MIN_VALUE), new JsonPrimitive(1L << 31),
                        new JsonPrimitive(1L << 40), new JsonPrimitive(1.5), new JsonPrimitive(1e300),
                        new JsonPrimitive("3"), JsonNull.INSTANCE, new JsonArray(), new JsonPrimitive(false)};
                slot.set().accept(bad[rng.nextInt(bad.length)]);
                kind = slot.path().endsWith(".n") || slot.path().endsWith(".k") ? "bad size" : "bad count";
            }
            case STRING -> {
                JsonElement[] bad = {new JsonPrimitive(7), JsonNull.INSTANCE, new JsonArray(), new JsonObject()};
                slot.set().accept(bad[rng.nextInt(bad.length)]);
                kind = "bad string";
            }
            case ANY_NUMBER -> {
                JsonElement[] bad = {new JsonPrimitive("1"), JsonNull.INSTANCE, new JsonArray(), new JsonPrimitive(0.5)};
                slot.set().accept(bad[rng.nextInt(bad.length)]);
                kind = "bad seed";
            }
            case SIZED_FLOATS -> {
                JsonArray array = slot.value().getAsJsonArray();
                if (rng.nextBoolean() && !array.isEmpty()) {
                    array.remove(array.size() - 1);
                    kind = "array too short";
                } else {
                    array.add(0.5);
                    kind = "array too long";
                }
            }
            case CONTAINER -> {
                JsonElement[] bad = {new JsonPrimitive(5), new JsonPrimitive("x"), JsonNull.INSTANCE,
                        slot.value().isJsonArray() ? new JsonObject() : new JsonArray(), nested(1000)};
                slot.set().accept(bad[rng.nextInt(bad.length)]);
                kind = "bad container";
            }
            default -> {
                slot.remove().run();
                kind = "missing field";
            }
        }
        if (slot.type() == Type.FLOAT && rng.nextInt(4) == 0) {
            // Claim a size far beyond memory instead.
            JsonObject layer = json.getAsJsonArray("teacher").get(0).getAsJsonObject();
            layer.addProperty("n", 1L << 31);
            layer.addProperty("k", 20);
            kind = "huge claimed size";
        }
        String text = json.toString();
        boolean seal = rng.nextInt(5) != 0;
        return new Mutation(kind + (seal ? "" : ", unsealed"),
                (seal ? ResultsIntegrityTest.seal(text) : text).getBytes(StandardCharsets.UTF_8));
    }

    private static JsonElement nested(int depth) {
        JsonArray outer = new JsonArray(), inner = outer;
        for (int i = 0; i < depth; i++) {
            JsonArray next = new JsonArray();
            inner.add(next);
            inner = next;
        }
        return outer;
    }

    enum Type { FLOAT, COUNT, STRING, ANY_NUMBER, SIZED_FLOATS, CONTAINER, REQUIRED }

    /** A place in the tree a mutation can change: what it holds, how to replace it, how to remove it. */
    record Slot(String path, Type type, JsonElement value, Consumer<JsonElement> set, Runnable remove) {}

    /**
     * Every place whose value a valid checkpoint constrains. Nullable fields (bias, gamma, beta,
     * loadTeacherSha256) and the velocities' lengths (which only a resume can check) are left out,
     * so every mutation breaks the file for both loaders.
     */
    private static void collect(JsonObject object, String path, List<Slot> slots) {
        for (String key : List.copyOf(object.keySet())) {
            JsonElement value = object.get(key);
            String at = path.isEmpty() ? key : path + "." + key;
            Consumer<JsonElement> set = v -> object.add(key, v);
            Runnable remove = () -> object.remove(key);
            boolean nullable = List.of("bias", "gamma", "beta", "loadTeacherSha256").contains(key);
            if (!nullable) {
                slots.add(new Slot(at, Type.REQUIRED, value, set, remove));
            }
            switch (key) {
                case "trial", "epoch", "step", "n", "k" -> slots.add(new Slot(at, Type.COUNT, value, set, remove));
                case "seed" -> slots.add(new Slot(at, Type.ANY_NUMBER, value, set, remove));
                case "format", "teacherSha256" -> slots.add(new Slot(at, Type.STRING, value, set, remove));
                case "weights", "bias", "gamma", "beta", "runningMean", "runningVar" -> {
                    if (value.isJsonArray()) {
                        slots.add(new Slot(at, Type.SIZED_FLOATS, value, set, remove));
                        floats(value.getAsJsonArray(), at, slots);
                    }
                }
                case "velocities" -> {
                    slots.add(new Slot(at, Type.CONTAINER, value, set, remove));
                    JsonArray arrays = value.getAsJsonArray();
                    for (int i = 0; i < arrays.size(); i++) {
                        floats(arrays.get(i).getAsJsonArray(), at + "[" + i + "]", slots);
                    }
                }
                case "args", "teacherWidths", "studentWidths" -> {
                    slots.add(new Slot(at, Type.CONTAINER, value, set, remove));
                    JsonArray array = value.getAsJsonArray();
                    for (int i = 0; i < array.size(); i++) {
                        int index = i;
                        slots.add(new Slot(at + "[" + i + "]", key.equals("args") ? Type.STRING : Type.COUNT, array.get(i),
                                v -> array.set(index, v), () -> array.remove(index)));
                    }
                }
                case "teacher", "student", "studentNorms" -> {
                    slots.add(new Slot(at, Type.CONTAINER, value, set, remove));
                    JsonArray array = value.getAsJsonArray();
                    for (int i = 0; i < array.size(); i++) {
                        collect(array.get(i).getAsJsonObject(), at + "[" + i + "]", slots);
                    }
                }
                case "identity" -> {
                    slots.add(new Slot(at, Type.CONTAINER, value, set, remove));
                    collect(value.getAsJsonObject(), at, slots);
                }
                default -> { }
            }
        }
    }

    private static void floats(JsonArray array, String path, List<Slot> slots) {
        for (int i = 0; i < array.size(); i++) {
            int index = i;
            slots.add(new Slot(path + "[" + i + "]", Type.FLOAT, array.get(i), v -> array.set(index, v), () -> array.remove(index)));
        }
    }
}
