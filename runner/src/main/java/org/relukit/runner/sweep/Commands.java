package org.relukit.runner.sweep;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The relukit command line as the sweep sees it. The root command implements it, so this package
 * runs recon and matrix exactly as a user would without importing the package that registers it.
 */
public interface Commands {
    /** A new, unused command line of every relukit command, to ask for options or parse flags. */
    CommandLine newCommandLine();

    /** Runs one relukit command line to the end; mistakes become one line on {@code err} and an exit code. */
    int execute(String[] args, PrintWriter out, PrintWriter err);
}
