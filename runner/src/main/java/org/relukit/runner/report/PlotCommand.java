package org.relukit.runner.report;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "plot", mixinStandardHelpOptions = true,
        header = "Redraws the plots and report of a results directory.",
        description = {"Writes DIR/plots/*.png and DIR/report.html, as recon and matrix do at the end of a run."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {PlotCommand.EXIT_DONE, PlotCommand.EXIT_FAULT, "2:DIR is not a results directory."})
public final class PlotCommand implements Callable<Integer> {
    /** The exit codes the commands that read results share with this one. */
    static final String EXIT_DONE = "0:Done.";
    static final String EXIT_FAULT = "1:A fault while reading or writing; one line says what.";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "A results directory: the --out of a recon or matrix run.")
    Path dir;

    @Override
    public Integer call() {
        int plots = Report.render(dir, spec.commandLine().getErr());
        spec.commandLine().getErr().printf("plot: %d plot(s) in %s, report in %s%n", plots, dir.resolve("plots"),
                dir.resolve(Report.FILE));
        return 0;
    }
}
