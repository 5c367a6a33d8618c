package org.relukit.runner.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.relukit.runner.sweep.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "collect", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Merges sweeps and runs into CSV tables, plots and sweep.html.",
        description = {"Merges the recon results of sweeps and single runs into tables and plots:",
                "metrics.csv, one row per run, trial, epoch, split and layer; summary.csv, the",
                "final best correlations as mean and std over seeds and trials; per-layer plots",
                "plots/sweep-corr-layerL.png; and sweep.html, which holds them all.",
                "A run's parameters are its sweep's grid and the flags that differ between runs."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {PlotCommand.EXIT_DONE, PlotCommand.EXIT_FAULT,
                "2:A DIR is neither a sweep nor a recon results directory."})
public final class CollectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Sweep directories (relukit sweep --out) and recon results directories.")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where to write the tables, plots and sweep.html (default: the sweep directory, when a single one is given).")
    Path out;

    @Override
    public Integer call() {
        Path target = out;
        if (target == null) {
            if (dirs.size() != 1 || !Files.exists(dirs.getFirst().resolve(Sweep.FILE))) {
                throw new IllegalArgumentException("give --out DIR for what collect writes: it defaults to the sweep"
                        + " directory only when a single sweep is collected");
            }
            target = dirs.getFirst();
        }
        Collected collected = Collected.read(dirs);
        int plots = SweepReport.write(collected, target);
        spec.commandLine().getErr().printf("collect: %d run(s), %d metrics rows; %s, %s, %d plot(s) and %s%n",
                collected.runs().size(), collected.rows(), target.resolve(SweepReport.METRICS), target.resolve(SweepReport.SUMMARY),
                plots, target.resolve(SweepReport.HTML));
        return 0;
    }
}
