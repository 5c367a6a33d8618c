package org.relukit.runner;

import java.io.PrintWriter;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.runner.report.PlotCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "relukit", mixinStandardHelpOptions = true, version = "relukit 0.1.0",
        description = "Teacher-student experiments on deep ReLU networks (\"Luck Matters\", Tian et al.), on fast kernels.",
        subcommands = {ReconCommand.class, MatrixCommand.class, BenchCommand.class, PlotCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    /** Exit code of a user mistake: a bad flag or value, a backend that cannot run. */
    static final int USAGE = 2;
    /** Exit code of a fault while running: a device error, an I/O error. */
    static final int FAULT = 1;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; every user mistake becomes one line on {@code err} and exit code 2. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
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
}
