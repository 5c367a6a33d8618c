package org.relukit.runner;

import org.relukit.recon.Checkpoint;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import org.relukit.backend.Backend;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.ReconRecord;

/**
 * A results directory: {@code config.json}, {@code metrics.jsonl}, {@code checkpoint.json} (the
 * latest state, to resume from), {@code checkpoints/trial-T.json} (each finished trial) and, for
 * recon, {@code correlations/trial-T.json} (the final teacher × student correlation matrices).
 *
 * <p>Whole files are written to a temporary file and renamed, so they are never seen half
 * written. A metrics line goes out in one {@code write} call, which a kill cannot split.
 */
final class RunFiles implements AutoCloseable {
    static final String METRICS = "metrics.jsonl";
    static final String CHECKPOINT = "checkpoint.json";
    private final Path dir;
    private final BufferedWriter metrics;

    private RunFiles(Path dir, BufferedWriter metrics) {
        this.dir = dir;
        this.metrics = metrics;
    }

    /** A fresh directory: an existing metrics.jsonl there is replaced. With {@code null}, writes nothing. */
    static RunFiles open(Path dir) {
        return dir == null ? new RunFiles(null, null) : open(dir, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * An interrupted run's directory: keeps the metrics lines that its checkpoints cover (a kill
     * can land between an evaluation and the next checkpoint; a trial without a checkpoint starts
     * again), then appends.
     */
    static RunFiles resume(Path dir, Collection<Checkpoint> latest) {
        Map<Integer, Checkpoint> byTrial = new HashMap<>();
        latest.forEach(c -> byTrial.put(c.trial(), c));
        Path file = dir.resolve(METRICS);
        try {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                ReconRecord record;
                try {
                    record = Json.LINES.fromJson(line, ReconRecord.class);
                } catch (RuntimeException partial) {
                    continue;
                }
                Checkpoint c = byTrial.get(record.trial());
                if (c != null && record.epoch() < c.epoch()) {
                    kept.add(line);
                }
            }
            writeAtomically(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        } catch (IOException e) {
            throw new IllegalArgumentException("--resume " + dir + ": cannot rewrite " + file + " (" + e.getMessage() + ")");
        }
        return open(dir, StandardOpenOption.APPEND);
    }

    /**
     * Each trial's most advanced checkpoint in {@code dir}: {@code checkpoints/trial-T.json} (written
     * after every epoch of trial T) and {@code checkpoint.json} (the latest of any trial, which is
     * also the one a stop writes mid-epoch).
     */
    static Collection<Checkpoint> latestCheckpoints(Path dir) {
        Map<Integer, Checkpoint> latest = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        Path trials = dir.resolve("checkpoints");
        if (Files.isDirectory(trials)) {
            try (var list = Files.list(trials)) {
                list.filter(f -> f.getFileName().toString().matches("trial-\\d+\\.json")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("--resume " + dir + ": cannot list " + trials + " (" + e.getMessage() + ")");
            }
        }
        if (Files.exists(dir.resolve(CHECKPOINT))) {
            files.add(dir.resolve(CHECKPOINT));
        }
        for (Path f : files) {
            Checkpoint c = CheckpointFile.read(f);
            Checkpoint seen = latest.get(c.trial());
            if (seen == null || c.epoch() > seen.epoch() || c.epoch() == seen.epoch() && c.step() > seen.step()) {
                latest.put(c.trial(), c);
            }
        }
        return latest.values();
    }

    private static RunFiles open(Path dir, StandardOpenOption mode) {
        try {
            Files.createDirectories(dir);
            BufferedWriter metrics = Files.newBufferedWriter(dir.resolve(METRICS), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, mode, StandardOpenOption.WRITE);
            return new RunFiles(dir, metrics);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("--out " + dir + " cannot be written (" + e.getMessage()
                    + "): choose a directory you can write to");
        }
    }

    /** {@code runs/<experiment>-<yyyyMMdd-HHmmss>} under the working directory. */
    static Path defaultDir(String experiment) {
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", experiment + "-" + stamp);
    }

    /** The command-line flags a run in {@code dir} was started with, from its config.json. */
    static String[] originalArgs(Path dir) {
        Path config = dir.resolve("config.json");
        try {
            JsonObject json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
            List<String> args = new ArrayList<>();
            json.getAsJsonArray("args").forEach(a -> args.add(a.getAsString()));
            return args.toArray(String[]::new);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--resume " + dir + ": cannot read " + config
                    + " (" + e.getMessage() + "): point --resume at a results directory that relukit wrote");
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * The head of config.json: the experiment, the backend, then every component of the
     * experiment's config record under its snake_case name, as the JSON library writes it.
     */
    static JsonObject describeRun(String experiment, Backend kernels, int threads, Record config) {
        JsonObject json = new JsonObject();
        json.addProperty("experiment", experiment);
        json.addProperty("backend", kernels.name());
        json.addProperty("backend_description", kernels.description());
        json.addProperty("threads", threads);
        Json.tree(config).getAsJsonObject().asMap().forEach(json::add);
        json.addProperty("java", Runtime.version().toString());
        return json;
    }

    /** The command line as given, for --resume. */
    static void addArgs(JsonObject config, String[] args) {
        config.add("args", Json.tree(args));
    }

    /** config.json is for people to read too, so it is indented. */
    void writeConfig(JsonObject config) {
        write("config.json", Json.PRETTY.toJson(config) + "\n");
    }

    void writeJson(String name, Object value) {
        write(name, Json.FILES.toJson(value) + "\n");
    }

    /**
     * Trial T's state goes to {@code checkpoints/trial-T.json} (its end state once it finishes), so
     * trials running at once each resume from their own; {@code checkpoint.json} holds the latest.
     */
    void writeCheckpoint(Checkpoint checkpoint) {
        String json = CheckpointFile.toJson(checkpoint);
        write("checkpoints/trial-" + checkpoint.trial() + ".json", json);
        write(CHECKPOINT, json);
    }

    /**
     * Rewrites metrics.jsonl with the lines of trial 0 first, then trial 1, ..., each trial's in the
     * order written: trials running at once interleave their lines while they run.
     */
    void sortMetricsByTrial() {
        if (dir == null) {
            return;
        }
        Path file = dir.resolve(METRICS);
        try {
            metrics.flush();
            List<String> lines = new ArrayList<>(Files.readAllLines(file));
            lines.sort(Comparator.comparingInt(RunFiles::trialOf));
            writeAtomically(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + " in trial order", e);
        }
    }

    private static int trialOf(String line) {
        try {
            return Json.LINES.fromJson(line, ReconRecord.class).trial();
        } catch (RuntimeException partial) {
            return Integer.MAX_VALUE;
        }
    }

    private void write(String name, String text) {
        if (dir == null) {
            return;
        }
        try {
            writeAtomically(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name), e);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One metrics line, a {@code ReconRecord} or a {@code MatrixRecord}. */
    void appendMetrics(Record record) {
        if (metrics == null) {
            return;
        }
        try {
            metrics.write(Json.LINES.toJson(record) + "\n");
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(METRICS), e);
        }
    }

    @Override
    public void close() throws IOException {
        if (metrics != null) {
            metrics.close();
        }
    }
}
