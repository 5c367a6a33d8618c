package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code relukit --help} and each subcommand's help list every flag with its default. */
class HelpTest {

    @Test
    void everyFlagOfEveryCommandStatesItsDefault() {
        CommandLine main = new CommandLine(new Main());
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
    void topLevelHelpListsEveryCommand() {
        CommandLineTest.Result r = CommandLineTest.run("--help");
        assertEquals(0, r.exit());
        for (String command : List.of("recon", "matrix", "bench", "plot")) {
            assertTrue(r.out().contains("  " + command + " "), r.out());
        }
    }
}
