package org.relukit.runner.report;

import com.google.gson.JsonElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.relukit.runner.results.ReconRecord;
import org.relukit.runner.sweep.Sweep;

/**
 * The recon runs that {@code relukit collect} merges, each with the parameters that set it apart.
 *
 * @param params the parameter names, without {@code seed} (it has a column of its own): every
 *               swept flag of the sweeps given, then every config.json entry that differs between the runs
 * @param rows   the number of metrics.csv rows the runs make
 */
record Collected(List<Run> runs, List<String> params, long rows, List<String> notes) {
    /** config.json entries that say how a run was made, not what it is ({@code run}: where, when, how it ended). */
    private static final Set<String> NOT_PARAMETERS = Set.of("experiment", "backend_description", "java", "args", "threads",
            "seed", "run");

    /**
     * @param cell   the cell's name in its sweep (prefixed with the sweep's directory name when several inputs are
     *               collected), or a plain run's directory name
     * @param params each of {@link Collected#params()} to its value in the run's config.json
     */
    record Run(String cell, RunResults results, Map<String, String> params, String seed) {
        int numEpoch() {
            return results.config().get("num_epoch").getAsInt();
        }
    }

    /** @throws IllegalArgumentException when a directory is neither a sweep nor a recon results directory */
    static Collected read(List<Path> dirs) {
        Map<String, RunResults> found = new LinkedHashMap<>();
        Set<String> swept = new LinkedHashSet<>();
        List<String> notes = new ArrayList<>();
        for (Path dir : dirs) {
            String prefix = dirs.size() > 1 ? dir.toAbsolutePath().normalize().getFileName() + "/" : "";
            if (Files.exists(dir.resolve(Sweep.FILE))) {
                Sweep sweep = Sweep.in(dir);
                if (!sweep.experiment().equals("recon")) {
                    throw new IllegalArgumentException(dir + " is a " + sweep.experiment()
                            + " sweep: collect merges recon results only (relukit plot draws each matrix run)");
                }
                swept.addAll(sweep.grid().keySet());
                int missing = 0;
                for (Sweep.Cell cell : sweep.cells()) {
                    Path cellDir = dir.resolve("cells").resolve(cell.name());
                    if (Files.exists(cellDir.resolve("config.json"))) {
                        found.put(prefix + cell.name(), recon(cellDir));
                    } else {
                        missing++;
                    }
                }
                if (missing > 0) {
                    notes.add(dir + ": " + missing + " of " + sweep.cells().size() + " cells have no results yet");
                }
            } else if (Files.exists(dir.resolve("config.json"))) {
                found.put(dirs.size() > 1 ? dir.toString() : dir.toAbsolutePath().normalize().getFileName().toString(), recon(dir));
            } else {
                throw new IllegalArgumentException(dir + " holds neither " + Sweep.FILE + " nor config.json: give sweep"
                        + " directories (relukit sweep --out) or recon results directories (relukit recon --out)");
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no cell of " + dirs + " has results yet: run the sweep first (relukit sweep --resume DIR)");
        }
        List<String> params = parameters(found.values(), swept);
        List<Run> runs = new ArrayList<>();
        long rows = 0;
        for (Map.Entry<String, RunResults> e : found.entrySet()) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String p : params) {
                values.put(p, text(e.getValue().config().get(p)));
            }
            runs.add(new Run(e.getKey(), e.getValue(), values, text(e.getValue().config().get("seed"))));
            for (ReconRecord m : e.getValue().recon()) {
                if (m.split() != null) {
                    rows += m.bestCorrMean().length;
                }
            }
        }
        return new Collected(runs, params, rows, notes);
    }

    private static RunResults recon(Path dir) {
        RunResults run = RunResults.read(dir);
        if (!run.experiment().equals("recon")) {
            throw new IllegalArgumentException(dir + " is a " + run.experiment()
                    + " run: collect merges recon results only (relukit plot draws each matrix run)");
        }
        return run;
    }

    /** The swept flags first, in sweep order, then the other config.json entries whose values differ between runs. */
    private static List<String> parameters(Iterable<RunResults> runs, Set<String> swept) {
        Set<String> params = new LinkedHashSet<>(swept);
        Map<String, String> first = null;
        for (RunResults run : runs) {
            Map<String, String> values = new LinkedHashMap<>();
            run.config().entrySet().forEach(e -> values.put(e.getKey(), text(e.getValue())));
            if (first == null) {
                first = values;
                continue;
            }
            Set<String> keys = new LinkedHashSet<>(first.keySet());
            keys.addAll(values.keySet());
            for (String key : keys) {
                if (!Objects.equals(first.get(key), values.get(key))) {
                    params.add(key);
                }
            }
        }
        params.removeAll(NOT_PARAMETERS);
        return List.copyOf(params);
    }

    /** A config value as one CSV field: numbers as written, lists and maps as compact JSON. */
    static String text(JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return "";
        }
        return value.isJsonPrimitive() ? value.getAsString() : value.toString();
    }
}
