package org.relukit.runner.slurm;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The Slurm flags of {@code relukit sweep}: with {@code --slurm} the sweep's cells run as one
 * Slurm array job instead of in this process.
 */
public final class SlurmOptions {
    /**
     * A task runs its cells in one JVM: each task pays the JVM start and the JIT warm-up once, so
     * this many cells share that cost; measured by .ci/slurm/sweep-test.sh.
     */
    static final int DEFAULT_CELLS_PER_TASK = 4;

    @Option(names = "--slurm", description = {"Run the cells on Slurm: write DIR/slurm/sweep.sbatch, an array job whose task i runs",
            "its share of the cells not done, with a copy of this relukit's jar (default: ${DEFAULT-VALUE})."})
    boolean slurm;

    @Option(names = "--submit", description = "With --slurm: submit sweep.sbatch with sbatch and print the job id (default: ${DEFAULT-VALUE}).")
    boolean submit;

    @Option(names = "--partition", paramLabel = "NAME", description = "With --slurm: the partition (default: the cluster's default).")
    String partition;

    @Option(names = "--time", paramLabel = "LIMIT", description = "With --slurm: each task's time limit, e.g. 2:00:00 (default: the partition's).")
    String time;

    @Option(names = "--cpus-per-task", paramLabel = "N", description = "With --slurm: CPUs per task; also its --jobs unless given (default: 1).")
    Integer cpusPerTask;

    @Option(names = "--cells-per-task", paramLabel = "N",
            description = "With --slurm: cells per task, all in one JVM (default: " + DEFAULT_CELLS_PER_TASK + ").")
    Integer cellsPerTask;

    @Option(names = "--java", paramLabel = "PATH",
            description = "With --slurm: the java each task runs, one every node has, e.g. a jlink image's bin/java (default: this relukit's java).")
    Path java;

    /** Whether the cells go to Slurm; without --slurm, a Slurm flag is a mistake. */
    public boolean requested() {
        if (!slurm) {
            List<String> given = new ArrayList<>();
            if (submit) {
                given.add("--submit");
            }
            if (partition != null) {
                given.add("--partition");
            }
            if (time != null) {
                given.add("--time");
            }
            if (cpusPerTask != null) {
                given.add("--cpus-per-task");
            }
            if (cellsPerTask != null) {
                given.add("--cells-per-task");
            }
            if (java != null) {
                given.add("--java");
            }
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(String.join(", ", given) + " go(es) with --slurm: add --slurm to run the cells on Slurm");
            }
        }
        return slurm;
    }

    /**
     * Checks the flags and finds sbatch and squeue, before the sweep writes anything.
     *
     * @param jobs the sweep's --jobs, or null: each task's local pool
     */
    public Submission prepare(Integer jobs) {
        int cpus = cpusPerTask != null ? cpusPerTask : 1;
        SlurmArray.Options options = new SlurmArray.Options(partition, time, cpus,
                cellsPerTask != null ? cellsPerTask : DEFAULT_CELLS_PER_TASK, jobs != null ? jobs : cpus,
                java != null ? java.toAbsolutePath() : SlurmArray.Options.runningJava());
        Path jar = SlurmArray.runningJar();
        SlurmArray.checkJar(jar);
        return new Submission(options, Slurm.onPath(System.getenv("PATH")), submit, jar);
    }

    /** A checked --slurm request, to write (and submit) once the sweep directory exists. */
    public record Submission(SlurmArray.Options options, Slurm slurm, boolean submit, Path jar) {
        /**
         * Writes DIR/slurm/sweep.sbatch over the {@code unfinished} cells (ascending indices) and
         * with --submit submits it, printing the job id alone on {@code out}.
         */
        public int run(Path dir, List<Integer> unfinished, PrintWriter out, PrintWriter err) {
            if (unfinished.isEmpty()) {
                err.println("sweep: every cell of " + dir + " is done; nothing to run on Slurm");
                return 0;
            }
            if (submit) {
                List<String> active = slurm.activeJobs(dir.resolve("slurm"));
                if (!active.isEmpty()) {
                    throw new IllegalArgumentException("job(s) " + String.join(", ", active) + " of " + dir
                            + " still have tasks queued or running: wait for them (squeue -j " + String.join(",", active)
                            + ") or cancel them (scancel), then submit again");
                }
            }
            Path script = SlurmArray.write(dir, jar, unfinished, options);
            int tasks = (unfinished.size() + options.cellsPerTask() - 1) / options.cellsPerTask();
            err.printf("sweep: %s: %d task(s) over %d unfinished cell(s), %d per task%n", script, tasks, unfinished.size(),
                    options.cellsPerTask());
            if (!submit) {
                err.println("sweep: submit it with: sbatch " + script + "  (or add --submit)");
                return 0;
            }
            String id = slurm.submit(script, unfinished);
            out.println(id);
            out.flush();
            err.printf("sweep: submitted Slurm job %s; follow it with: squeue -j %s; relukit sweep --status %s%n", id, id, dir);
            return 0;
        }
    }
}
