package org.relukit.runner;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.runner.report.CollectCommand;
import org.relukit.runner.report.PlotCommand;
import org.relukit.runner.sweep.Commands;
import org.relukit.runner.sweep.SweepCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.UsageMessageSpec;

@Command(name = "relukit", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Teacher-student experiments on deep ReLU networks, on fast kernels.",
        description = {"Reproduces the teacher-student experiments of \"Luck Matters: Understanding",
                "Training Dynamics of Deep ReLU Networks\" (Tian et al.) on vectorised CPU",
                "kernels or OpenCL. Each command's --help says what it writes."},
        subcommands = {ReconCommand.class, MatrixCommand.class, SweepCommand.class, CollectCommand.class,
                BenchCommand.class, PlotCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Main.EXIT_DONE, Main.EXIT_FAULT, Main.EXIT_USAGE, Main.EXIT_DIVERGED,
                Main.EXIT_INT, Main.EXIT_TERM},
        footerHeading = "%nExamples:%n",
        footer = {"  relukit recon --ks 10,15,20,25 --out runs/first",
                "  relukit plot runs/first",
                "  relukit bench --json > bench.json",
                "  source <(relukit completion)"})
public final class Main implements Commands {
    /** Exit code of a user mistake: a bad flag or value, a backend that cannot run. */
    static final int USAGE = 2;
    /** Exit code of a fault while running: a device error, an I/O error. */
    static final int FAULT = 1;

    // The exit codes and environment variables every help shows, in picocli's "code:meaning" form.
    static final String EXIT_DONE = "0:Done.";
    static final String EXIT_FAULT = "1:A fault while running (an I/O or device error); one line says what.";
    static final String EXIT_USAGE = "2:Bad input: a flag, a value or a backend that cannot run here; one line"
            + " says how to fix it.";
    static final String EXIT_DIVERGED = "3:recon: some trial's loss stopped being finite; matrix: the evaluation"
            + " loss did.";
    static final String EXIT_INT = "130:Stopped by Ctrl-C (SIGINT) at a step boundary, after writing the results"
            + " so far.";
    static final String EXIT_TERM = "143:Stopped by SIGTERM, as for 130.";

    private static final String ENVIRONMENT_SECTION = "environment";

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    @Override
    public CommandLine newCommandLine() {
        return commandLine();
    }

    @Override
    public int execute(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err);
    }

    /** Runs the command line; every user mistake becomes one line on {@code err} and exit code 2. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, badArgs) -> {
            String command = ex.getCommandLine().getCommandName();
            err.println("relukit: " + ex.getMessage() + " (see: relukit "
                    + (command.equals("relukit") ? "" : command + " ") + "--help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof BackendUnavailableException) {
                err.println("relukit: " + ex.getMessage());
                return USAGE;
            }
            // A fault, not a mistake (a device error, a full disk): one line, the trace only when asked for.
            if (System.getenv("RELUKIT_DEBUG") != null) {
                throw ex;
            }
            if (ex instanceof RunFiles.ResultsWriteException) {
                err.println("relukit: " + ex.getMessage());
                return FAULT;
            }
            err.println("relukit: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + " (RELUKIT_DEBUG=1 shows the stack trace)");
            return FAULT;
        });
        if (args.length == 0) {
            cl.usage(err);
            return USAGE;
        }
        return cl.execute(args);
    }

    /**
     * The command tree with its help laid out: wrapped at the terminal's width (80 columns where
     * none is known) and, after each command's exit codes, the environment variables it reads.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpAutoWidth(true);
        addEnvironmentSection(cl);
        return cl;
    }

    private static void addEnvironmentSection(CommandLine command) {
        UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        List<String> keys = new ArrayList<>(usage.sectionKeys());
        keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), ENVIRONMENT_SECTION);
        usage.sectionKeys(keys);
        Map<String, String> variables = environment(command.getCommandName());
        usage.sectionMap().put(ENVIRONMENT_SECTION, help ->
                help.createHeading("%nEnvironment:%n") + help.createTextTable(variables));
        for (CommandLine sub : command.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == command.getCommandSpec()) {
                addEnvironmentSection(sub);
            }
        }
    }

    /** The environment variables that {@code command} reads. */
    private static Map<String, String> environment(String command) {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("RELUKIT_DEBUG", "Set to anything: a fault prints its stack trace too.");
        variables.put("JDK_JAVA_OPTIONS", "JVM options, e.g. -Xmx8g or -Drelukit.simd.bits=256 (a vector"
                + " width).");
        if (List.of("relukit", "recon", "matrix").contains(command)) {
            variables.put("COLUMNS", (command.equals("relukit") ? "recon, matrix: the" : "The")
                    + " terminal width that the progress line fits in (default: what stty says, else 80).");
        }
        return variables;
    }
}
