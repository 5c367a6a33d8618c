package org.relukit.runner.report;

import com.google.gson.JsonElement;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.ReconRecord;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A results directory read back: config.json, every complete line of metrics.jsonl and, where
 * they exist, each finished recon trial's correlations/trial-T.json and matrix's final.json. An
 * interrupted run has fewer of them; what is missing is simply not plotted.
 */
record RunResults(Path dir, JsonObject config, List<ReconRecord> recon, List<MatrixRecord> matrix,
                  Map<Integer, JsonObject> correlations, JsonObject finalState) {
    private static final Pattern TRIAL_FILE = Pattern.compile("trial-(\\d+)\\.json");

    static RunResults read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory: give the results directory of a recon or matrix run");
        }
        JsonObject config = object(dir.resolve("config.json"));
        if (config == null || !config.has("experiment")) {
            throw new IllegalArgumentException(dir + " has no readable config.json: give the results directory"
                    + " of a recon or matrix run (its --out)");
        }
        String experiment = config.get("experiment").getAsString();
        if (!experiment.equals("recon") && !experiment.equals("matrix")) {
            throw new IllegalArgumentException(dir + "/config.json is of experiment '" + experiment
                    + "': only recon and matrix runs are plotted");
        }
        Map<Integer, JsonObject> correlations = new TreeMap<>();
        Path correlationDir = dir.resolve("correlations");
        if (Files.isDirectory(correlationDir)) {
            try (var files = Files.list(correlationDir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Matcher m = TRIAL_FILE.matcher(file.getFileName().toString());
                    JsonObject json = m.matches() ? object(file) : null;
                    if (json != null) {
                        correlations.put(Integer.parseInt(m.group(1)), json);
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list " + correlationDir + " (" + e.getMessage() + ")");
            }
        }
        Path metrics = dir.resolve("metrics.jsonl");
        boolean recon = experiment.equals("recon");
        return new RunResults(dir, config, recon ? lines(metrics, ReconRecord.class) : List.of(),
                recon ? List.of() : lines(metrics, MatrixRecord.class), correlations, object(dir.resolve("final.json")));
    }

    String experiment() {
        return config.get("experiment").getAsString();
    }

    /** The metrics lines of one split, in file order; recon's divergence lines carry no split and are left out. */
    List<ReconRecord> split(String split) {
        return recon.stream().filter(m -> split.equals(m.split())).toList();
    }

    /** The whole file as one JSON object, or null when it is missing or not JSON (a run still writing it). */
    private static JsonObject object(Path file) {
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file));
            return json.isJsonObject() ? json.getAsJsonObject() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Complete lines only: a run killed mid-write may leave a partial last line. */
    private static <T> List<T> lines(Path file, Class<T> type) {
        List<T> records = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return records;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage() + ")");
        }
        for (String line : lines) {
            try {
                T record = Json.LINES.fromJson(line, type);
                if (record != null) {
                    records.add(record);
                }
            } catch (RuntimeException partial) {
                // a half-written line: skip it
            }
        }
        return records;
    }
}
