package org.relukit.runner.sweep;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns {@code --grid NAME=VALUES} flags, a sweep file and the fixed flags into a {@link Sweep},
 * checking every flag against the target command before any cell runs.
 */
final class Grid {
    /** Flags the sweep sets for each cell itself, or that make no sense in a cell. */
    private static final Set<String> OWN_FLAGS = Set.of("--out", "--resume", "--quiet", "--help", "--version");
    private static final Pattern SPEC = Pattern.compile("([A-Za-z][A-Za-z0-9_-]*)=(.*)", Pattern.DOTALL);
    private static final Pattern RANGE = Pattern.compile("(-?\\d+):(-?\\d+)");
    private static final Set<String> FILE_KEYS = Set.of("experiment", "grid", "fixed");
    static final int MAX_CELLS = 1_000_000;

    private Grid() {}

    /**
     * @param experiment recon or matrix, or null to take it from the file
     * @param specs      the {@code --grid} flags, e.g. {@code node_multi=5,10,20} and {@code seed=1:10}
     * @param file       a YAML or JSON sweep file, or null
     * @param fixed      flags for every cell (after {@code --} on the command line)
     * @throws IllegalArgumentException one line naming the bad input and the fix
     */
    static Sweep define(String experiment, List<String> specs, Path file, List<String> fixed, Commands commands) {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        List<String> allFixed = new ArrayList<>();
        if (file != null) {
            Map<String, Object> yaml = load(file);
            for (String key : yaml.keySet()) {
                if (!FILE_KEYS.contains(key)) {
                    throw new IllegalArgumentException(file + ": unknown key '" + key + "'; a sweep file has experiment, grid and fixed");
                }
            }
            Object named = yaml.get("experiment");
            if (named != null) {
                if (experiment != null && !experiment.equals(named.toString())) {
                    throw new IllegalArgumentException("the command line says " + experiment + " but " + file
                            + " says experiment: " + named + "; give one");
                }
                experiment = named.toString();
            }
            fileGrid(file, yaml.get("grid"), raw);
            allFixed.addAll(fileFixed(file, yaml.get("fixed")));
        }
        if (experiment == null) {
            throw new IllegalArgumentException("name the experiment to sweep: relukit sweep recon|matrix --grid NAME=VALUES ...");
        }
        for (String spec : specs) {
            Matcher m = SPEC.matcher(spec);
            if (!m.matches()) {
                throw new IllegalArgumentException("malformed --grid '" + spec + "': write NAME=V1,V2,... or NAME=FROM:TO, e.g. --grid seed=1:5");
            }
            if (raw.put(m.group(1), values(spec, m.group(2))) != null) {
                throw new IllegalArgumentException("--grid " + m.group(1) + " is given twice: give each flag's values once");
            }
        }
        allFixed.addAll(fixed);
        CommandLine target = commands.newCommandLine().getSubcommands().get(experiment);
        if (target == null || !(experiment.equals("recon") || experiment.equals("matrix"))) {
            throw new IllegalArgumentException("cannot sweep '" + experiment + "': sweep recon or matrix");
        }
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("empty grid: give at least one --grid NAME=VALUES (e.g. --grid seed=1:5) or a sweep file with a grid");
        }
        Map<String, List<String>> grid = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            OptionSpec option = option(target.getCommandSpec(), e.getKey());
            String name = option.names()[0].replaceFirst("^-+", "");
            if (grid.put(name, e.getValue()) != null) {
                throw new IllegalArgumentException("--grid names " + option.names()[0] + " twice: give each flag's values once");
            }
        }
        check(experiment, grid, allFixed, commands);
        return new Sweep(experiment, grid, allFixed);
    }

    /** The target's option for a grid name in snake or kebab case, with or without dashes. */
    private static OptionSpec option(CommandSpec target, String name) {
        String bare = name.replaceFirst("^-+", "");
        for (String candidate : List.of(bare, bare.replace('-', '_'), bare.replace('_', '-'))) {
            OptionSpec option = target.findOption("--" + candidate);
            if (option != null) {
                if (setByTheSweep(option)) {
                    throw new IllegalArgumentException("--grid " + name + ": the sweep sets " + option.longestName()
                            + " for each cell itself; sweep another flag");
                }
                return option;
            }
        }
        throw new IllegalArgumentException("unknown flag in the grid: " + target.name() + " has no --" + bare
                + " (see: relukit " + target.name() + " --help)");
    }

    private static boolean setByTheSweep(OptionSpec option) {
        return option.usageHelp() || option.versionHelp() || java.util.Arrays.stream(option.names()).anyMatch(OWN_FLAGS::contains);
    }

    /**
     * Parses the fixed flags, then the fixed flags with each grid value, with the target command:
     * a bad value fails here, in one line, not in the middle of the sweep. Each value is parsed
     * once rather than every cell, which keeps large grids quick to check.
     */
    private static void check(String experiment, Map<String, List<String>> grid, List<String> fixed, Commands commands) {
        CommandLine.ParseResult parsed = parse(experiment, fixed, commands, "the fixed flags " + fixed);
        for (OptionSpec option : parsed.matchedOptions()) {
            if (setByTheSweep(option)) {
                throw new IllegalArgumentException("the fixed flags set " + option.longestName()
                        + ", which the sweep sets for each cell itself: leave it out");
            }
            String name = option.names()[0].replaceFirst("^-+", "");
            if (grid.containsKey(name)) {
                throw new IllegalArgumentException(option.names()[0] + " is both swept and fixed: leave it out of the fixed flags");
            }
        }
        long cells = 1;
        for (Map.Entry<String, List<String>> e : grid.entrySet()) {
            for (String value : e.getValue()) {
                List<String> args = new ArrayList<>(fixed);
                args.add("--" + e.getKey() + "=" + value);
                parse(experiment, args, commands, "--grid " + e.getKey() + "=" + value);
            }
            cells *= e.getValue().size();
            if (cells > MAX_CELLS) {
                throw new IllegalArgumentException("the grid has more than " + MAX_CELLS + " cells: split it into several sweeps");
            }
        }
    }

    /** Parsed from the root, as a user's command line is: picocli parses a subcommand only through its parent. */
    private static CommandLine.ParseResult parse(String experiment, List<String> args, Commands commands, String what) {
        List<String> line = new ArrayList<>();
        line.add(experiment);
        line.addAll(args);
        try {
            return commands.newCommandLine().parseArgs(line.toArray(String[]::new)).subcommand();
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage() + " (see: relukit " + experiment + " --help)");
        }
    }

    /**
     * {@code 5,10,20}, {@code 1:10} (inclusive) or a mix; commas inside brackets or braces belong
     * to the value, so {@code ks=[10, 15],[20, 25]} is two values.
     */
    static List<String> values(String spec, String text) {
        List<String> values = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == '[' || c == '{' || c == '(') {
                depth++;
            } else if (c == ']' || c == '}' || c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                addValue(spec, text.substring(start, i).trim(), values);
                start = i + 1;
            }
            if (depth < 0) {
                break;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("malformed --grid '" + spec + "': unbalanced brackets");
        }
        return values;
    }

    private static void addValue(String spec, String item, List<String> values) {
        if (item.isEmpty()) {
            throw new IllegalArgumentException("malformed --grid '" + spec + "': an empty value; write NAME=V1,V2,... or NAME=FROM:TO");
        }
        Matcher range = RANGE.matcher(item);
        if (range.matches()) {
            long from, to;
            try {
                from = Long.parseLong(range.group(1));
                to = Long.parseLong(range.group(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed --grid '" + spec + "': " + item + " is out of range");
            }
            if (from > to || to - from >= MAX_CELLS) {
                throw new IllegalArgumentException("malformed --grid '" + spec + "': the range " + item
                        + " must go up and hold at most " + MAX_CELLS + " values, e.g. 1:10");
            }
            for (long v = from; v <= to; v++) {
                add(spec, Long.toString(v), values);
            }
        } else {
            add(spec, item, values);
        }
    }

    private static void add(String spec, String value, List<String> values) {
        if (values.contains(value)) {
            throw new IllegalArgumentException("malformed --grid '" + spec + "': the value " + value + " is given twice");
        }
        values.add(value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            if (!(doc instanceof Map)) {
                throw new IllegalArgumentException(file + " is not a sweep file: it needs a map with experiment, grid and fixed");
            }
            return (Map<String, Object>) doc;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the sweep file " + file + " (" + e.getMessage() + ")");
        } catch (YAMLException e) {
            throw new IllegalArgumentException(file + " is not valid YAML or JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** {@code grid: {node_multi: [5, 10], seed: "1:5", ks: [[10, 15], [20, 25]]}}. */
    private static void fileGrid(Path file, Object grid, Map<String, List<String>> raw) {
        if (grid == null) {
            return;
        }
        if (!(grid instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(file + ": grid must map each flag to its values, e.g. grid: {seed: [1, 2, 3]}");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = String.valueOf(e.getKey()), spec = name + "=" + text(e.getValue());
            List<String> values;
            if (e.getValue() instanceof List<?> list) {
                values = new ArrayList<>();
                for (Object v : list) {
                    add(spec, text(v), values);
                }
                if (values.isEmpty()) {
                    throw new IllegalArgumentException(file + ": grid " + name + " has no values");
                }
            } else {
                values = values(spec, text(e.getValue()));
            }
            raw.put(name, values);
        }
    }

    /** {@code fixed: {num_epoch: 10, bn: true, ks: [10, 15]}} or a list of arguments. */
    private static List<String> fileFixed(Path file, Object fixed) {
        List<String> args = new ArrayList<>();
        if (fixed == null) {
            return args;
        }
        if (fixed instanceof List<?> list) {
            list.forEach(a -> args.add(text(a)));
        } else if (fixed instanceof Map<?, ?> map) {
            map.forEach((name, value) -> args.add("--" + String.valueOf(name).replaceFirst("^-+", "") + "=" + text(value)));
        } else {
            throw new IllegalArgumentException(file + ": fixed must map flags to values, e.g. fixed: {num_epoch: 10}");
        }
        return args;
    }

    /** A YAML value as the command line would give it: lists as {@code [10, 15]}, maps as {@code {0: 0.05, 20: 0.01}}. */
    private static String text(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(Grid::text).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> text(e.getKey()) + ": " + text(e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(value);
    }
}
