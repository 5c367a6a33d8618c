package org.relukit.runner.sweep;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a sweep is: the experiment, the grid (each swept flag, by its canonical name, with its
 * values as command-line text) and the fixed flags every cell gets. Two sweeps with equal
 * definitions have the same cells, in the same order, with the same names.
 *
 * @param grid  flag name without dashes (e.g. {@code node_multi}) to its values, in sweep order;
 *              the last flag varies fastest from one cell index to the next
 * @param fixed command-line arguments given to every cell before its grid flags
 */
public record Sweep(String experiment, Map<String, List<String>> grid, List<String> fixed) {
    /** The file in a sweep directory that says what the sweep is and how far its cells are. */
    public static final String FILE = "sweep.json";
    static final int VERSION = 1;
    private static final int MAX_NAME = 200;
    static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .serializeNulls().disableHtmlEscaping().setPrettyPrinting().create();

    /** One point of the grid: its results go to {@code DIR/cells/NAME/}. */
    public record Cell(int index, String name, Map<String, String> params, List<String> args) {}

    /** sweep.json: the definition, every cell and each one's last known status (the status files are the truth). */
    record File(int version, String experiment, Map<String, List<String>> grid, List<String> fixed, List<Entry> cells,
                Map<String, Integer> counts) {}

    record Entry(int index, String name, Map<String, String> params, List<String> args, CellStatus status) {}

    public Sweep {
        grid = new LinkedHashMap<>(grid);
        fixed = List.copyOf(fixed);
    }

    /** Every combination of the grid's values, the last flag varying fastest. */
    public List<Cell> cells() {
        List<String> names = new ArrayList<>(grid.keySet());
        int count = 1;
        for (List<String> values : grid.values()) {
            count = Math.multiplyExact(count, values.size());
        }
        List<Cell> cells = new ArrayList<>(count);
        Set<String> taken = new LinkedHashSet<>();
        for (int index = 0; index < count; index++) {
            Map<String, String> params = new LinkedHashMap<>();
            int rest = index;
            for (int k = names.size() - 1; k >= 0; k--) {
                List<String> values = grid.get(names.get(k));
                params.put(names.get(k), values.get(rest % values.size()));
                rest /= values.size();
            }
            Map<String, String> ordered = new LinkedHashMap<>();
            names.forEach(n -> ordered.put(n, params.get(n)));
            cells.add(new Cell(index, uniqueName(ordered, index, taken), ordered, args(ordered)));
        }
        return cells;
    }

    /** {@code --name=value}, attached, so that a value like {@code -1} is never read as a flag and a switch takes {@code =false}. */
    private List<String> args(Map<String, String> params) {
        List<String> args = new ArrayList<>(fixed);
        params.forEach((name, value) -> args.add("--" + name + "=" + value));
        return args;
    }

    /**
     * {@code node_multi=5,seed=3}: characters a shell or a file system might trip on become
     * {@code _} ({@code ks=[10, 15]} is {@code ks=10_15}). Two cells whose names come out equal,
     * or a name too long for a file system, get {@code ~INDEX} appended, which keeps them apart.
     */
    static String uniqueName(Map<String, String> params, int index, Set<String> taken) {
        StringBuilder name = new StringBuilder();
        for (Map.Entry<String, String> p : params.entrySet()) {
            String value = p.getValue().replaceAll("[^A-Za-z0-9._+-]+", "_").replaceAll("^_+|_+$", "");
            name.append(name.isEmpty() ? "" : ",").append(p.getKey()).append('=').append(value);
        }
        String plain = name.toString();
        if (plain.length() > MAX_NAME) {
            plain = plain.substring(0, MAX_NAME) + "~" + index;
        } else if (taken.contains(plain)) {
            plain = plain + "~" + index;
        }
        taken.add(plain);
        return plain;
    }

    /** What differs between this sweep and {@code other}, in words; empty when they are the same sweep. */
    List<String> differences(Sweep other) {
        List<String> diff = new ArrayList<>();
        if (!experiment.equals(other.experiment)) {
            diff.add("experiment " + other.experiment + " there, " + experiment + " here");
        }
        Set<String> flags = new LinkedHashSet<>(other.grid.keySet());
        flags.addAll(grid.keySet());
        for (String flag : flags) {
            List<String> there = other.grid.get(flag), here = grid.get(flag);
            if (there == null) {
                diff.add("grid " + flag + " is swept here only");
            } else if (here == null) {
                diff.add("grid " + flag + " is swept there only");
            } else if (!there.equals(here)) {
                diff.add("grid " + flag + " " + there + " there, " + here + " here");
            }
        }
        if (diff.isEmpty() && !List.copyOf(other.grid.keySet()).equals(List.copyOf(grid.keySet()))) {
            diff.add("grid order " + other.grid.keySet() + " there, " + grid.keySet() + " here");
        }
        if (!fixed.equals(other.fixed)) {
            diff.add("fixed flags " + other.fixed + " there, " + fixed + " here");
        }
        return diff;
    }

    /** The sweep defined in {@code dir/sweep.json}, with each cell's status as last written there. */
    static File read(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            File read = GSON.fromJson(Files.readString(file), File.class);
            if (read == null || read.experiment() == null || read.grid() == null || read.fixed() == null
                    || read.cells() == null) {
                throw new JsonParseException("a field is missing");
            }
            return read;
        } catch (IOException | JsonParseException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage()
                    + "): give the directory of a relukit sweep (the --out it was started with)");
        }
    }

    /** The definition of the sweep in {@code dir}, checked to be one relukit wrote. */
    public static Sweep in(Path dir) {
        File file = read(dir);
        return new Sweep(file.experiment(), file.grid(), file.fixed());
    }
}
