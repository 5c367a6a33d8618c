package org.relukit.runner.report;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Redraws the plots and the report of a recon or matrix results directory.",
                "Writes DIR/plots/*.png and DIR/report.html, as recon and matrix do at the end of a run.",
                "Exit code: 0 done, 2 DIR is not a results directory."})
public final class PlotCommand implements Callable<Integer> {
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
