package org.relukit.runner.sweep;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.relukit.runner.slurm.SlurmOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Runs recon or matrix over a grid of flags, locally or on Slurm.",
        description = {"Runs recon or matrix over a grid of flags: every combination (a cell) gets its",
                "own results directory DIR/cells/NAME/, several cells at once in this JVM.",
                "DIR/sweep.json records the grid and each cell's status (DIR/status/*.json).",
                "Merge the results with: relukit collect DIR",
                "",
                "  relukit sweep recon --grid node_multi=1,2 --grid seed=1:5 --out DIR -- --bn",
                "  relukit sweep --file sweep.yaml --out DIR",
                "  relukit sweep --resume DIR [--cells FROM:TO] [--jobs N]",
                "  relukit sweep --status DIR [--detail]"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:Every cell done.", "1:A cell failed; its log in DIR/logs says why.",
                "2:Bad input, also a cell's flags; one line says how to fix it.",
                "3:A trial of some cell diverged.",
                "130:Stopped by Ctrl-C; relukit sweep --resume DIR finishes the rest.",
                "143:Stopped by SIGTERM, as for 130."})
public final class SweepCommand implements Callable<Integer> {
    private static final long REFRESH_NANOS = 10_000_000_000L;
    private static final Pattern CELLS = Pattern.compile("(\\d+):(\\d+)");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT",
            description = "recon or matrix (default: the sweep file's experiment).")
    String experiment;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "FIXED",
            description = "Flags every cell gets, after --, e.g. -- --num_epoch 10 --ks \"[10, 15]\" (default: none).")
    List<String> fixed = new ArrayList<>();

    @Option(names = "--grid", paramLabel = "NAME=VALUES",
            description = {"A swept flag and its values, repeatable: a list (node_multi=5,10,20; ks=[10, 15],[20, 25])",
                    "or an inclusive integer range (seed=1:10); names as the experiment takes them, snake or kebab case (default: none)."})
    List<String> grid = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE",
            description = "A sweep file, YAML or JSON: experiment, grid (flag: [values] or \"FROM:TO\") and fixed (flag: value) (default: none).")
    Path file;

    @Option(names = "--out", paramLabel = "DIR", description = "The sweep directory (default: runs/sweep-<timestamp>).")
    Path out;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Cells run at once, each on its own thread and backend (default: the number of cores).")
    Integer jobs;

    @Option(names = "--cells", paramLabel = "FROM:TO",
            description = "Run only the cells with index FROM (inclusive) to TO (exclusive); what a cluster task runs (default: all).")
    String cells;

    @Option(names = "--plan", description = "Write DIR/sweep.json and run no cell, for a scheduler to run them with --resume DIR --cells (default: ${DEFAULT-VALUE}).")
    boolean plan;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Run the cells of the sweep in DIR that are not done: waiting, failed, stopped or interrupted (default: none, a new sweep).")
    Path resume;

    @Option(names = "--status", paramLabel = "DIR", description = "Print how many cells of the sweep in DIR are done, running, failed and waiting (default: none).")
    Path status;

    @Option(names = "--detail", description = "With --status: one more line per cell (default: ${DEFAULT-VALUE}).")
    boolean detail;

    @Mixin
    SlurmOptions slurm;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        if (status != null) {
            refuseWith("--status", resume != null, "--resume", !grid.isEmpty(), "--grid", file != null, "--file",
                    out != null, "--out", cells != null, "--cells", plan, "--plan", experiment != null || !fixed.isEmpty(), "an experiment or fixed flags",
                    slurm.requested(), "--slurm");
            return printStatus(SweepDir.open(status), stdout);
        }
        if (detail) {
            throw new IllegalArgumentException("--detail goes with --status DIR");
        }
        int[] range = range();
        SlurmOptions.Submission submission = null;
        if (slurm.requested()) {
            if (cells != null || plan) {
                throw new IllegalArgumentException((plan ? "--plan" : "--cells") + " does not go with --slurm: each task of the"
                        + " array gets its cells from DIR/slurm/sweep.sbatch");
            }
            // Before the sweep directory is written: a missing sbatch or a bad flag leaves nothing behind.
            submission = slurm.prepare(jobs);
        }
        if (jobs == null) {
            jobs = Runtime.getRuntime().availableProcessors();
        }
        if (jobs < 1 || jobs > 4096) {
            throw new IllegalArgumentException("--jobs must be between 1 and 4096, got " + jobs);
        }
        SweepDir dir;
        if (resume != null) {
            refuseWith("--resume", !grid.isEmpty(), "--grid", file != null, "--file", out != null, "--out", plan, "--plan",
                    experiment != null || !fixed.isEmpty(), "an experiment or fixed flags (they are the sweep's own)");
            dir = SweepDir.open(resume);
        } else {
            Sweep sweep = Grid.define(experiment, grid, file, fixed, commands());
            dir = SweepDir.create(out != null ? out : defaultDir(), sweep);
        }
        if (submission != null) {
            List<Integer> notDone = dir.statuses().values().stream().filter(s -> !s.effectiveState().equals(CellStatus.DONE))
                    .map(CellStatus::index).toList();
            return submission.run(dir.dir(), notDone, stdout, stderr);
        }
        if (plan) {
            stderr.printf("sweep: %d cells planned in %s; run them with: relukit sweep --resume %s [--cells FROM:TO]%n",
                    dir.cells().size(), dir.dir(), dir.dir());
            return 0;
        }
        return new Run(dir, range, stderr).all();
    }

    private Commands commands() {
        if (!(spec.root().userObject() instanceof Commands commands)) {
            throw new IllegalStateException("sweep runs under the relukit command line, whose root implements Commands");
        }
        return commands;
    }

    private int[] range() {
        if (cells == null) {
            return new int[] {0, Integer.MAX_VALUE};
        }
        Matcher m = CELLS.matcher(cells);
        if (!m.matches() || Long.parseLong(m.group(1)) >= Long.parseLong(m.group(2)) || m.group(2).length() > 9) {
            throw new IllegalArgumentException("--cells " + cells + ": write FROM:TO with 0 <= FROM < TO, e.g. --cells 0:4 for cells 0, 1, 2 and 3");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** Refuses the flags that make no sense with {@code mode}: pairs of (given, what). */
    private static void refuseWith(String mode, Object... givenAndName) {
        for (int i = 0; i < givenAndName.length; i += 2) {
            if ((Boolean) givenAndName[i]) {
                throw new IllegalArgumentException(mode + " takes no " + givenAndName[i + 1]
                        + ": the sweep directory already says what to run");
            }
        }
    }

    private static Path defaultDir() {
        return Path.of("runs", "sweep-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    private int printStatus(SweepDir dir, PrintWriter stdout) {
        Map<Sweep.Cell, CellStatus> statuses = dir.statuses();
        Map<String, Integer> counts = SweepDir.counts(statuses.values());
        stdout.printf("%s: %d cells: %d done, %d running, %d failed, %d waiting%n", dir.dir(), statuses.size(),
                counts.get(CellStatus.DONE), counts.get(CellStatus.RUNNING), counts.get(CellStatus.FAILED),
                counts.get(CellStatus.WAITING));
        if (detail) {
            statuses.forEach((cell, s) -> stdout.printf(Locale.ROOT, "%6d  %-8s %-5s %s%s%n", cell.index(), s.effectiveState(),
                    s.exit() == null ? "" : s.exit().toString(), cell.name(),
                    s.host() == null ? "" : "  (" + s.state() + " on " + s.host() + " pid " + s.pid() + ", started " + s.started()
                            + (s.ended() != null ? ", ended " + s.ended() : "") + (s.slurmJob() != null ? ", slurm " + s.slurmJob() : "")
                            + ")"));
        }
        return 0;
    }

    /** One pass over the cells to run in this process. */
    private final class Run {
        private final SweepDir dir;
        private final List<Sweep.Cell> todo;
        private final PrintWriter stderr;
        private final AtomicInteger finished = new AtomicInteger();
        /** The cells this process runs now, by index, with their latest status; also the lock of their status files. */
        private final Map<Integer, CellStatus> running = new java.util.HashMap<>();
        private final java.util.concurrent.atomic.AtomicLong lastRefresh = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        private volatile int stoppedBy;

        Run(SweepDir dir, int[] range, PrintWriter stderr) {
            this.dir = dir;
            this.stderr = stderr;
            this.todo = dir.cells().stream().filter(c -> c.index() >= range[0] && c.index() < range[1]).toList();
        }

        int all() {
            int threads = Math.max(1, Math.min(jobs, todo.size()));
            say(String.format(Locale.ROOT, "sweep: %d of %d cells in %s, %d at a time; per-cell output in %s", todo.size(),
                    dir.cells().size(), dir.dir(), threads, dir.dir().resolve("logs")));
            List<Integer> exits = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("sweep-cell-", 0).factory());
            ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("sweep-heartbeat").factory());
            long period = CellStatus.HEARTBEAT.toSeconds();
            heartbeat.scheduleAtFixedRate(this::beat, period, period, TimeUnit.SECONDS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (Sweep.Cell cell : todo) {
                    results.add(pool.submit(() -> cell(cell)));
                }
                for (Future<Integer> result : results) {
                    exits.add(result.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cells", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } finally {
                pool.shutdown();
                heartbeat.shutdownNow();
                dir.refresh();
            }
            Map<String, Integer> counts = SweepDir.counts(dir.statuses().values());
            String line = String.format(Locale.ROOT, "sweep: %d done, %d running, %d failed, %d waiting of %d cells in %s",
                    counts.get(CellStatus.DONE), counts.get(CellStatus.RUNNING), counts.get(CellStatus.FAILED),
                    counts.get(CellStatus.WAITING), dir.cells().size(), dir.dir());
            if (stoppedBy != 0) {
                say(line + "; stopped by signal; continue with: relukit sweep --resume " + dir.dir());
                return stoppedBy;
            }
            say(line + (counts.get(CellStatus.DONE) > 0 ? "; merge with: relukit collect " + dir.dir() : ""));
            if (exits.contains(2)) {
                say("relukit: a cell's flags were refused; its log says why (" + dir.dir().resolve("logs") + ")");
                return 2;
            }
            boolean failed = exits.stream().anyMatch(e -> e != null && e != 0 && e != 3);
            return failed ? 1 : exits.contains(3) ? 3 : 0;
        }

        private int coresPerCell() {
            int cellsAtOnce = Math.max(1, Math.min(jobs, todo.size()));
            return Math.max(1, Runtime.getRuntime().availableProcessors() / cellsAtOnce);
        }

        /** Runs one cell unless it is done, running elsewhere, or the sweep was stopped; null when not run. */
        private Integer cell(Sweep.Cell cell) {
            if (stoppedBy != 0) {
                return null;
            }
            boolean[] resumeIt = new boolean[1];
            CellStatus claim = dir.claim(cell, () -> {
                resumeIt[0] = dir.resumable(cell);
                return resumeIt[0] ? "resumed from its checkpoint" : "started afresh";
            });
            if (claim == null) {
                return null;
            }
            synchronized (running) {
                running.put(cell.index(), claim);
            }
            Path cellDir = dir.cellDir(cell);
            List<String> args = new ArrayList<>();
            boolean recon = dir.sweep().experiment().equals("recon");
            args.add(dir.sweep().experiment());
            if (resumeIt[0]) {
                args.addAll(List.of("--resume", cellDir.toString(), "--quiet"));
            } else {
                dir.clearCell(cell);
                args.addAll(cell.args());
                args.addAll(List.of("--out", cellDir.toString(), "--quiet"));
                // One thread a trial unless told otherwise: recon alone cannot know that other cells
                // share the machine. (A resumed cell keeps the flags it was started with.)
                if (recon && cell.args().stream().noneMatch(a -> a.startsWith("--threads"))) {
                    args.addAll(List.of("--threads", "1"));
                }
            }
            // A recon cell of several trials runs them at once on its share of the cores, unless told otherwise.
            if (recon && cell.args().stream().noneMatch(a -> a.startsWith("--jobs"))) {
                args.addAll(List.of("--jobs", Integer.toString(coresPerCell())));
            }
            long start = System.nanoTime();
            int exit;
            try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(dir.log(cell), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
                log.printf("== %s attempt %d on %s pid %d, %s: relukit %s%n", Instant.now(), claim.attempt(), claim.host(),
                        claim.pid(), claim.note(), String.join(" ", args));
                try {
                    exit = commands().execute(args.toArray(String[]::new), log, log);
                } catch (RuntimeException | Error e) {
                    e.printStackTrace(log);
                    exit = 1;
                }
            } catch (IOException e) {
                say("sweep: cell " + cell.index() + " not run: cannot write " + dir.log(cell) + " (" + e.getMessage() + ")");
                exit = 1;
            }
            CellStatus done;
            synchronized (running) {
                done = running.remove(cell.index()).finished(exit);
                done.write(dir.dir());
            }
            if (exit == 130 || exit == 143) {
                stoppedBy = exit;
            }
            long now = System.nanoTime(), last = lastRefresh.get();
            // sweep.json is a snapshot of status/ (which --status reads): rewriting it after every cell would read
            // every status file once per cell, too much for a large sweep on a shared file system.
            if (now - last > REFRESH_NANOS && lastRefresh.compareAndSet(last, now)) {
                dir.refresh();
            }
            say(String.format(Locale.ROOT, "sweep: [%d/%d] cell %d %s: %s, exit %d, %.1f s", finished.incrementAndGet(),
                    todo.size(), cell.index(), cell.name(), done.state(), exit, (System.nanoTime() - start) / 1e9));
            return exit;
        }

        /** Tells other machines that this process's running cells are alive; under the lock that keeps it from undoing a finish. */
        private void beat() {
            synchronized (running) {
                try {
                    running.replaceAll((index, status) -> {
                        CellStatus beat = status.beat();
                        beat.write(dir.dir());
                        return beat;
                    });
                } catch (RuntimeException e) {
                    say("sweep: cannot write a heartbeat (" + e.getMessage() + "); other machines may take this process's cells for lost");
                }
            }
        }

        private synchronized void say(String line) {
            stderr.println(line);
            stderr.flush();
        }
    }
}
