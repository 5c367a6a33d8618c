package org.relukit.runner.sweep;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A sweep directory: {@code sweep.json} (the definition and a snapshot of every cell's status),
 * {@code status/INDEX.json} (each cell's status, the truth), {@code cells/NAME/} (each cell's
 * results directory), {@code logs/NAME.log} (each cell's output) and {@code sweep.lock}.
 *
 * <p>Changes that read and then write shared state (claiming a cell, rewriting sweep.json) hold
 * an exclusive lock on sweep.lock, so processes on other machines of a cluster wait for each
 * other where the shared file system supports locks.
 */
final class SweepDir {
    static final String LOCK = "sweep.lock";
    /** FileChannel locks belong to the whole JVM, so threads of one process take turns through this first. */
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private final Path dir;
    private final Sweep sweep;
    private final List<Sweep.Cell> cells;

    private SweepDir(Path dir, Sweep sweep) {
        this.dir = dir;
        this.sweep = sweep;
        this.cells = sweep.cells();
    }

    /**
     * The directory of a new sweep, or of the same sweep started before (its done cells are kept).
     *
     * @throws IllegalArgumentException when {@code dir} holds another sweep, saying what differs, or other files
     */
    static SweepDir create(Path dir, Sweep sweep) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute.resolve(Sweep.FILE))) {
            List<String> differences = sweep.differences(Sweep.in(absolute));
            if (!differences.isEmpty()) {
                throw new IllegalArgumentException("--out " + dir + " holds another sweep (" + String.join("; ", differences)
                        + "): choose a new --out, or continue that sweep with relukit sweep --resume " + dir);
            }
        } else if (Files.isDirectory(absolute)) {
            try (Stream<Path> files = Files.list(absolute)) {
                if (files.findAny().isPresent()) {
                    throw new IllegalArgumentException("--out " + dir + " is not empty and holds no " + Sweep.FILE
                            + ": choose a new or empty directory for the sweep");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("--out " + dir + " cannot be read (" + e.getMessage() + ")");
            }
        } else if (Files.exists(absolute)) {
            throw new IllegalArgumentException("--out " + dir + " is a file: choose a directory for the sweep");
        }
        try {
            Files.createDirectories(absolute.resolve("status"));
            Files.createDirectories(absolute.resolve("cells"));
            Files.createDirectories(absolute.resolve("logs"));
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + " cannot be written (" + e.getMessage()
                    + "): choose a directory you can write to");
        }
        SweepDir created = new SweepDir(absolute, sweep);
        created.refresh();
        return created;
    }

    /** The sweep already in {@code dir}, for --resume and --status. */
    static SweepDir open(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        return new SweepDir(absolute, Sweep.in(absolute));
    }

    Path dir() {
        return dir;
    }

    Sweep sweep() {
        return sweep;
    }

    List<Sweep.Cell> cells() {
        return cells;
    }

    Path cellDir(Sweep.Cell cell) {
        return dir.resolve("cells").resolve(cell.name());
    }

    Path log(Sweep.Cell cell) {
        return dir.resolve("logs").resolve(cell.name() + ".log");
    }

    CellStatus status(Sweep.Cell cell) {
        return CellStatus.read(dir, cell.index());
    }

    /**
     * Marks the cell running by this process, unless it is done or running in a live process. A
     * cell marked running whose process is gone (killed, or a Slurm task past its time) is
     * claimed again: the caller resumes it from its checkpoint or starts it afresh.
     *
     * @return the running status written, or null when the cell is not to be run here
     */
    CellStatus claim(Sweep.Cell cell, Supplier<String> note) {
        return locked(() -> {
            CellStatus now = status(cell);
            if (now != null && (now.state().equals(CellStatus.DONE) || now.alive())) {
                return null;
            }
            CellStatus running = CellStatus.running(cell, now == null ? 1 : now.attempt() + 1, note.get());
            running.write(dir);
            return running;
        });
    }

    /**
     * Whether the cell's directory holds a checkpoint of this very cell, so that
     * {@code recon --resume} continues it; a directory from other flags is never continued.
     */
    boolean resumable(Sweep.Cell cell) {
        Path cellDir = cellDir(cell);
        if (!sweep.experiment().equals("recon") || !Files.exists(cellDir.resolve("checkpoint.json"))) {
            return false;
        }
        try {
            JsonObject config = JsonParser.parseString(Files.readString(cellDir.resolve("config.json"))).getAsJsonObject();
            List<String> args = new ArrayList<>();
            config.getAsJsonArray("args").forEach(a -> args.add(a.getAsString()));
            return withoutOwnFlags(args).equals(withoutOwnFlags(cell.args()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The flags a cell was run with, less {@code --out DIR}, {@code --quiet}, {@code --jobs N} and
     * {@code --threads N} (which change no result): a sweep moved to another path or machine still matches.
     */
    private static final List<String> OWN_FLAGS = List.of("--out", "--jobs", "--threads");

    private static List<String> withoutOwnFlags(List<String> args) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (OWN_FLAGS.contains(arg)) {
                i++;
            } else if (!arg.equals("--quiet") && OWN_FLAGS.stream().noneMatch(f -> arg.startsWith(f + "="))) {
                kept.add(arg);
            }
        }
        return kept;
    }

    /** Removes what a cell that will start afresh left behind: results of a run that cannot be continued. */
    void clearCell(Sweep.Cell cell) {
        Path cellDir = cellDir(cell);
        if (!Files.exists(cellDir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(cellDir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + cellDir + " to start the cell afresh", e);
        }
    }

    /** Each cell's status from status/ (the truth), with cells that never ran as waiting. */
    Map<Sweep.Cell, CellStatus> statuses() {
        Map<Sweep.Cell, CellStatus> all = new LinkedHashMap<>();
        for (Sweep.Cell cell : cells) {
            CellStatus s = status(cell);
            all.put(cell, s != null ? s : new CellStatus(cell.index(), cell.name(), CellStatus.WAITING, null, null, 0, null,
                    null, null, null, 0, null, null));
        }
        return all;
    }

    /** done, running, failed and waiting, in that order. */
    static Map<String, Integer> counts(Iterable<CellStatus> statuses) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String state : List.of(CellStatus.DONE, CellStatus.RUNNING, CellStatus.FAILED, CellStatus.WAITING)) {
            counts.put(state, 0);
        }
        for (CellStatus s : statuses) {
            counts.merge(s.effectiveState(), 1, Integer::sum);
        }
        return counts;
    }

    /** Rewrites sweep.json from the status files, under the lock, as a whole file renamed into place. */
    void refresh() {
        locked(() -> {
            Map<Sweep.Cell, CellStatus> statuses = statuses();
            List<Sweep.Entry> entries = new ArrayList<>();
            statuses.forEach((cell, s) -> entries.add(new Sweep.Entry(cell.index(), cell.name(), cell.params(), cell.args(), s)));
            Sweep.File file = new Sweep.File(Sweep.VERSION, sweep.experiment(), sweep.grid(), sweep.fixed(), entries,
                    counts(statuses.values()));
            Path target = dir.resolve(Sweep.FILE);
            Path tmp = target.resolveSibling(Sweep.FILE + "." + CellStatus.HOST + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Files.writeString(tmp, Sweep.GSON.toJson(file) + "\n");
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + target, e);
            }
            return null;
        });
    }

    @SuppressWarnings("try") // the lock is held for the body, not used in it
    private <T> T locked(Supplier<T> action) {
        synchronized (JVM_LOCKS.computeIfAbsent(dir, d -> new Object())) {
            try (FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = channel.lock()) {
                return action.get();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + dir.resolve(LOCK)
                        + " (a shared file system without locks? mount it with locking, e.g. NFS with lockd, Lustre with flock)", e);
            }
        }
    }
}
