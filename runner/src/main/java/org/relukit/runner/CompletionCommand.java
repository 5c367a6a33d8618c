package org.relukit.runner;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", mixinStandardHelpOptions = true,
        header = "Prints a bash (and zsh) completion script for relukit.",
        description = {"Load it in the current shell:",
                "  source <(relukit completion)",
                "or in every new shell:",
                "  relukit completion > ~/.local/share/bash-completion/completions/relukit"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Main.EXIT_DONE})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // Written from the command tree itself, so a new flag completes without touching this class.
        spec.commandLine().getOut().print(AutoComplete.bash("relukit", spec.parent().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
