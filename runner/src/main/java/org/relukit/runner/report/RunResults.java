package org.relukit.runner.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.ReconRecord;

/**
 * A results directory read back: config.json, every valid line of metrics.jsonl and, where they
 * exist, each finished recon trial's correlations/trial-T.json and matrix's final.json. An
 * interrupted run has fewer of them; what is missing is simply not plotted.
 *
 * <p>Every file is checked before it is read (a regular file that fits the heap) and every value
 * the plots use is checked for type and range, so a damaged directory is plotted as far as it is
 * sound: a bad config.json is one line and exit 2, a bad metrics line or correlations file is left
 * out with a warning naming it (in {@link #warnings()}).
 */
record RunResults(Path dir, JsonObject config, List<ReconRecord> recon, List<MatrixRecord> matrix,
                  Map<Integer, JsonObject> correlations, JsonObject finalState, List<String> warnings) {
    private static final Pattern TRIAL_FILE = Pattern.compile("trial-(\\d+)\\.json");
    /** A JSON tree takes roughly this many bytes per byte of text. */
    private static final int TREE_GROWTH = 16;

    static RunResults read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory: give the results directory of a recon or matrix run");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) {
            throw new IllegalArgumentException(dir + " has no config.json: give the results directory of a recon or"
                    + " matrix run (its --out)");
        }
        JsonObject config = Json.objectOrNull(InputFiles.readString(configFile, "plot:", TREE_GROWTH));
        if (config == null) {
            throw new IllegalArgumentException(configFile + " is not a JSON object: give the results directory of a"
                    + " recon or matrix run (its --out)");
        }
        String experiment = new Fields(configFile.toString(), config).string("experiment");
        if (!experiment.equals("recon") && !experiment.equals("matrix")) {
            throw new IllegalArgumentException(configFile + " is of experiment '" + experiment
                    + "': only recon and matrix runs are plotted");
        }
        checkConfig(configFile.toString(), config, experiment);
        List<String> warnings = new ArrayList<>();
        Map<Integer, JsonObject> correlations = new TreeMap<>();
        Path correlationDir = dir.resolve("correlations");
        if (experiment.equals("recon") && Files.isDirectory(correlationDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(correlationDir)) {
                for (Path file : files) {
                    Matcher m = TRIAL_FILE.matcher(file.getFileName().toString());
                    if (m.matches()) {
                        JsonObject json = optional(file, warnings, RunResults::checkCorrelations);
                        if (json != null) {
                            correlations.put(Integer.parseInt(m.group(1)), json);
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot list " + correlationDir + " (" + e.getMessage() + ")");
            }
        }
        Path finalFile = dir.resolve("final.json");
        JsonObject finalState = experiment.equals("matrix") && Files.exists(finalFile)
                ? optional(finalFile, warnings, RunResults::checkFinal) : null;
        Path metrics = dir.resolve("metrics.jsonl");
        boolean recon = experiment.equals("recon");
        return new RunResults(dir, config, recon ? metrics(metrics, ReconRecord.class, warnings) : List.of(),
                recon ? List.of() : metrics(metrics, MatrixRecord.class, warnings), correlations, finalState,
                List.copyOf(warnings));
    }

    String experiment() {
        return config.get("experiment").getAsString();
    }

    /** The metrics lines of one split, in file order; recon's divergence lines carry no split and are left out. */
    List<ReconRecord> split(String split) {
        return recon.stream().filter(m -> split.equals(m.split())).toList();
    }


    /** The fields of config.json the report reads. */
    private static void checkConfig(String file, JsonObject config, String experiment) {
        Fields f = new Fields(file, config);
        if (experiment.equals("recon")) {
            f.integer("num_epoch", 0);
            f.integer("num_trial", 1);
            f.integer("node_multi", 1);
            f.integers("ks", 1, 1);
        } else {
            f.integer("num_iter", 1);
            f.integers("ks", 3, 1);
            f.integers("student_widths", 3, 1);
        }
    }

    private static void checkCorrelations(Fields f) {
        f.integer("trial", 0);
        f.integer("epoch", -1);
        f.string("split");
        JsonArray layers = f.array("layers");
        for (int l = 0; l < layers.size(); l++) {
            Fields layer = f.object("layers[" + l + "]", layers.get(l));
            long teacher = layer.integer("teacher_nodes", 1), student = layer.integer("student_nodes", 1);
            JsonArray best = layer.array("best_student");
            if (best.size() != teacher) {
                throw layer.bad("best_student", "holds " + best.size() + " entries, not teacher_nodes = " + teacher);
            }
            for (int b = 0; b < best.size(); b++) {
                long s = layer.integer("best_student[" + b + "]", best.get(b), 0);
                if (s >= student) {
                    throw layer.bad("best_student[" + b + "]", "is " + s + ", not a student node below " + student);
                }
            }
            JsonArray c = layer.array("correlations");
            if (c.size() != teacher * student) {
                throw layer.bad("correlations", "holds " + c.size() + " entries, not " + teacher + " x " + student);
            }
            layer.numbers("correlations", c);
        }
    }

    private static void checkFinal(Fields f) {
        JsonArray layers = f.array("w_row_norm");
        for (int l = 0; l < layers.size(); l++) {
            f.numbers("w_row_norm[" + l + "]", f.array("w_row_norm[" + l + "]", layers.get(l)));
        }
    }

    /**
     * One record per line that is a whole, valid record, checked field by field and then read as the
     * one type the run wrote it from; any other line is left out with a warning naming its number.
     * Every record must carry as many layers as the first.
     */
    private static <T> List<T> metrics(Path file, Class<T> type, List<String> warnings) {
        boolean recon = type == ReconRecord.class;
        List<T> records = new ArrayList<>();
        if (!Files.exists(file)) {
            return records;
        }
        String[] lines = InputFiles.readString(file, "plot:", TREE_GROWTH).split("\n", -1);
        int layers = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonObject record = Json.objectOrNull(lines[i]);
            try {
                if (record == null) {
                    throw new IllegalArgumentException(where + " is not a JSON object (cut short or damaged)");
                }
                int recordLayers = recon ? checkRecon(new Fields(where, record)) : checkMatrix(new Fields(where, record));
                if (recordLayers >= 0 && layers >= 0 && recordLayers != layers) {
                    throw new IllegalArgumentException(where + " has " + recordLayers + " layers, the lines before " + layers);
                }
                if (recordLayers >= 0) {
                    layers = recordLayers;
                }
                records.add(Json.LINES.fromJson(record, type));
            } catch (IllegalArgumentException e) {
                warnings.add(e.getMessage() + "; skipped");
            } catch (RuntimeException e) {
                warnings.add(where + " does not read as a metrics line (" + e.getMessage() + "); skipped");
            }
        }
        return records;
    }

    /** @return the number of hidden layers it reports, or -1 for a divergence line */
    private static int checkRecon(Fields f) {
        f.integer("trial", 0);
        f.integer("epoch", -1);
        if (f.json.has("exit")) {
            f.string("exit");
            return -1;
        }
        f.string("split");
        f.number("loss");
        int layers = f.array("best_corr_mean").size();
        for (String key : List.of("best_corr_min", "best_corr_mean", "best_corr_max")) {
            JsonArray values = f.array(key);
            if (values.size() != layers || layers == 0) {
                throw f.bad(key, "holds " + values.size() + " layers, best_corr_mean " + layers);
            }
            f.numbers(key, values);
        }
        return layers;
    }

    private static int checkMatrix(Fields f) {
        f.integer("iter", 0);
        f.number("loss");
        f.number("eval_loss");
        JsonArray corrs = f.array("max_corrs");
        f.numbers("max_corrs", corrs);
        JsonArray zeros = f.array("zero_cnt");
        for (int l = 0; l < zeros.size(); l++) {
            f.integer("zero_cnt[" + l + "]", zeros.get(l), 0);
        }
        if (zeros.size() != corrs.size()) {
            throw f.bad("zero_cnt", "holds " + zeros.size() + " layers, max_corrs " + corrs.size());
        }
        return corrs.size();
    }

    /** An optional file: missing or unreadable, it is left out with a warning. */
    private static JsonObject optional(Path file, List<String> warnings, java.util.function.Consumer<Fields> check) {
        try {
            JsonObject json = Json.objectOrNull(InputFiles.readString(file, "plot:", TREE_GROWTH));
            if (json == null) {
                throw new IllegalArgumentException(file + " is not a JSON object");
            }
            check.accept(new Fields(file.toString(), json));
            return json;
        } catch (IllegalArgumentException e) {
            warnings.add(e.getMessage() + "; left out");
            return null;
        }
    }

    /** Typed access to one JSON object; every fault names the place and the field. */
    private record Fields(String where, JsonObject json) {
        String string(String key) {
            JsonElement v = present(key);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw bad(key, "must be a string");
            }
            return v.getAsString();
        }

        double number(String key) {
            return number(key, present(key));
        }

        /** A number or a non-finite one as Gson writes it (NaN, Infinity): a diverged loss is data. */
        double number(String key, JsonElement v) {
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() && !isSpecial(v)) {
                throw bad(key, "must be a number");
            }
            return v.getAsDouble();
        }

        long integer(String key, long min) {
            return integer(key, present(key), min);
        }

        long integer(String key, JsonElement v, long min) {
            double d = number(key, v);
            if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
                throw bad(key, "must be a whole number from " + min + ", got " + v);
            }
            return (long) d;
        }

        void integers(String key, int minSize, long min) {
            JsonArray values = array(key);
            if (values.size() < minSize) {
                throw bad(key, "needs at least " + minSize + " entries");
            }
            for (int i = 0; i < values.size(); i++) {
                integer(key + "[" + i + "]", values.get(i), min);
            }
        }

        void numbers(String key, JsonArray values) {
            for (int i = 0; i < values.size(); i++) {
                number(key + "[" + i + "]", values.get(i));
            }
        }

        JsonArray array(String key) {
            return array(key, present(key));
        }

        JsonArray array(String key, JsonElement v) {
            if (!v.isJsonArray()) {
                throw bad(key, "must be an array");
            }
            return v.getAsJsonArray();
        }

        Fields object(String key, JsonElement v) {
            if (!v.isJsonObject()) {
                throw bad(key, "must be an object");
            }
            return new Fields(where + " " + key, v.getAsJsonObject());
        }

        private JsonElement present(String key) {
            JsonElement v = json.get(key);
            if (v == null || v.isJsonNull()) {
                throw bad(key, v == null ? "is missing" : "is null");
            }
            return v;
        }

        private static boolean isSpecial(JsonElement v) {
            if (!v.getAsJsonPrimitive().isString()) {
                return false;
            }
            String s = v.getAsString();
            return s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity");
        }

        IllegalArgumentException bad(String key, String what) {
            return new IllegalArgumentException(where + ": field " + key + " " + what);
        }
    }
}
