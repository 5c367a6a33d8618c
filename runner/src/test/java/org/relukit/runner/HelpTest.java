package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code relukit --help} and each subcommand's help, read as in an 80-column terminal. */
class HelpTest {

    /** The help tree at a fixed width, so that a test run inside a wide terminal reads the same. */
    private static CommandLine at80Columns() {
        CommandLine main = Main.commandLine();
        main.setUsageHelpAutoWidth(false);
        main.setUsageHelpWidth(80);
        return main;
    }

    @Test
    void everyFlagOfEveryCommandStatesItsDefault() {
        CommandLine main = at80Columns();
        List<String> missing = new ArrayList<>();
        for (CommandLine command : main.getSubcommands().values()) {
            for (OptionSpec option : command.getCommandSpec().options()) {
                if (option.usageHelp() || option.versionHelp()) {
                    continue;
                }
                String help = command.getUsageMessage();
                if (!String.join(" ", option.description()).contains("(default: ")) {
                    missing.add(command.getCommandName() + " " + option.longestName());
                } else {
                    assertTrue(help.contains(option.longestName()), command.getCommandName() + " --help lacks " + option.longestName());
                }
            }
        }
        assertEquals(List.of(), missing, "flags whose help gives no default");
    }

    @Test
    void topLevelHelpListsEveryCommandWithItsWholeHeaderOnOneLine() {
        CommandLine main = at80Columns();
        String help = main.getUsageMessage();
        for (var entry : main.getSubcommands().entrySet()) {
            String[] header = entry.getValue().getCommandSpec().usageMessage().header();
            String description = header.length > 0 ? header[0]
                    : entry.getValue().getCommandSpec().usageMessage().description()[0];
            assertTrue(help.lines().anyMatch(line -> line.startsWith("  " + entry.getKey() + " ") && line.endsWith(description)),
                    entry.getKey() + "'s one-line summary is cut or wrapped:\n" + help);
        }
    }

    /** Every help fits 80 columns, starts with a one-line header, and ends with exit codes and the environment. */
    @Test
    void everyHelpFitsEightyColumnsAndListsExitCodesAndEnvironment() {
        CommandLine main = at80Columns();
        Map<String, List<String>> exitCodes = Map.of(
                "relukit", List.of("0", "1", "2", "3", "130", "143"),
                "sweep", List.of("0", "1", "2", "3", "130", "143"),
                "collect", List.of("0", "1", "2"),
                "recon", List.of("0", "1", "2", "3", "130", "143"),
                "matrix", List.of("0", "1", "2", "3", "130", "143"),
                "bench", List.of("0", "1", "2"),
                "plot", List.of("0", "1", "2"),
                "completion", List.of("0"));
        List<CommandLine> commands = new ArrayList<>(List.of(main));
        commands.addAll(main.getSubcommands().values());
        for (CommandLine command : commands) {
            String name = command.getCommandName();
            if (name.equals("help")) {
                continue;
            }
            String help = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
            help.lines().forEach(line -> assertTrue(line.length() <= 80, name + ": " + line.length() + " columns: " + line));
            assertEquals(1, command.getCommandSpec().usageMessage().header().length, name + " has no one-line header");
            assertFalse(help.contains("SPEC"), name + " --help points outside the repository");
            String codes = help.substring(help.indexOf("Exit codes:"));
            List<String> listed = codes.lines().skip(1).takeWhile(line -> !line.isBlank())
                    .map(String::strip).filter(line -> line.matches("\\d+ .*"))
                    .map(line -> line.split(" ")[0]).toList();
            assertEquals(exitCodes.get(name), listed, name + " exit codes");
            for (String variable : List.of("RELUKIT_DEBUG", "JDK_JAVA_OPTIONS")) {
                assertTrue(help.substring(help.indexOf("Environment:")).contains(variable), name + " lacks " + variable);
            }
        }
    }

    @Test
    void versionNamesTheBuildTheJdkAndTheBackendsUsableHere() {
        CommandLineTest.Result r = CommandLineTest.run("--version");
        assertEquals(0, r.exit());
        String[] lines = r.out().split("\n");
        // Maven filtered build.properties into target/classes: a real version and the commit, never a placeholder.
        assertTrue(lines[0].matches("relukit \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{7,}(-dirty)?\\)"), lines[0]);
        assertTrue(lines[1].startsWith("JDK " + Runtime.version()), lines[1]);
        assertTrue(r.out().contains("-bit species"), r.out());
        assertTrue(r.out().lines().anyMatch(line -> line.startsWith("backends usable here: ") && line.contains("scalar")), r.out());
    }

    @Test
    void completionPrintsABashScriptForEveryCommand() {
        CommandLineTest.Result r = CommandLineTest.run("completion");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out().lines().findFirst().orElse(""));
        assertTrue(r.out().contains("complete -F _complete_relukit"), "no complete -F line");
        for (String word : List.of("recon", "matrix", "bench", "plot", "--backend", "--momentum")) {
            assertTrue(r.out().contains(word), "completion lacks " + word);
        }
    }

    @Test
    void benchJsonDescribesTheMachineTheJvmAndEveryBlock() {
        CommandLineTest.Result r = CommandLineTest.run("bench", "--backend=scalar", "--batch=2", "--steps=1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonObject bench = JsonParser.parseString(r.out()).getAsJsonObject();
        for (String field : List.of("relukit", "commit", "cpu", "os", "jdk", "vm", "backendDescription")) {
            assertFalse(bench.get(field).getAsString().isBlank(), field);
        }
        assertEquals("scalar", bench.get("backend").getAsString());
        assertEquals(Runtime.getRuntime().availableProcessors(), bench.get("cores").getAsInt());
        assertEquals(2, bench.get("batch").getAsInt());
        assertEquals(1, bench.get("threads").getAsInt());
        assertEquals(20, bench.getAsJsonArray("teacherWidths").get(0).getAsInt());
        var rates = bench.getAsJsonArray("stepsPerSecond");
        assertEquals(5, rates.size());
        List<Double> sorted = new ArrayList<>();
        rates.forEach(rate -> sorted.add(rate.getAsDouble()));
        sorted.sort(null);
        assertTrue(sorted.getFirst() > 0, sorted.toString());
        assertEquals(sorted.get(2), bench.get("medianStepsPerSecond").getAsDouble());
    }
}
