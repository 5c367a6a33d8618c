package org.relukit.runner;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** A results directory ({@code --out}): config.json and metrics.jsonl; nothing when no directory was given. */
final class RunFiles implements AutoCloseable {
    private final Path dir;
    private final BufferedWriter metrics;

    private RunFiles(Path dir, BufferedWriter metrics) {
        this.dir = dir;
        this.metrics = metrics;
    }

    static RunFiles open(Path dir) {
        if (dir == null) {
            return new RunFiles(null, null);
        }
        try {
            Files.createDirectories(dir);
            BufferedWriter metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            return new RunFiles(dir, metrics);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + " cannot be written (" + e.getMessage()
                    + "): choose a directory you can write to");
        }
    }

    void writeConfig(Map<String, Object> config) {
        writeJson("config.json", config);
    }

    /** Writes a whole JSON file through a temporary file and a rename, so it is never seen half written. */
    void writeJson(String name, Object value) {
        if (dir == null) {
            return;
        }
        try {
            Path tmp = dir.resolve(name + ".tmp");
            Files.writeString(tmp, Metrics.toPrettyJson(value) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name), e);
        }
    }

    /** One JSON object per line, flushed at once so a crash loses at most the line being written. */
    void appendMetrics(Map<String, Object> record) {
        if (metrics == null) {
            return;
        }
        try {
            metrics.write(Metrics.toJson(record));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve("metrics.jsonl"), e);
        }
    }

    @Override
    public void close() throws IOException {
        if (metrics != null) {
            metrics.close();
        }
    }
}
