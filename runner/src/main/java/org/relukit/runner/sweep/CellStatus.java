package org.relukit.runner.sweep;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.relukit.runner.results.RunMetadata;
import org.relukit.runner.slurm.Slurm;

/**
 * {@code DIR/status/INDEX.json}: where one cell is, written only by the process that runs it, as
 * a whole file renamed into place, so that processes on several machines can run cells of one
 * sweep at once without a shared lock.
 *
 * @param state        running, done (exit 0, or 3: a trial diverged), failed (any other exit) or
 *                     stopped (by a signal: resumable)
 * @param exit         the cell command's exit code; null while running
 * @param processStart when the running process started, to tell it from a later one given its pid
 * @param heartbeat    rewritten every minute while the cell runs: a cell running on another machine whose
 *                     heartbeat is older than {@link #STALE} was lost with its machine
 * @param attempt      1 for the first run of the cell, then one more each time it is run again
 * @param slurmJob     {@code SLURM_JOB_ID}, and {@code _SLURM_ARRAY_TASK_ID} when in an array, if any
 * @param note         how the cell was started: afresh, or resumed from its checkpoint
 */
record CellStatus(int index, String name, String state, Integer exit, String host, long pid, String processStart,
                  String started, String heartbeat, String ended, int attempt, String slurmJob, String note) {
    static final String RUNNING = "running", DONE = "done", FAILED = "failed", STOPPED = "stopped", WAITING = "waiting";
    static final String HOST = RunMetadata.hostName();
    /** Five missed heartbeats: longer than any pause of a live process, short enough to rerun a lost cell the same hour. */
    static final Duration STALE = Duration.ofMinutes(5);
    static final Duration HEARTBEAT = Duration.ofMinutes(1);

    /** This process starts running the cell now. */
    static CellStatus running(Sweep.Cell cell, int attempt, String note) {
        ProcessHandle self = ProcessHandle.current();
        String now = Instant.now().toString();
        return new CellStatus(cell.index(), cell.name(), RUNNING, null, HOST, self.pid(),
                self.info().startInstant().map(Instant::toString).orElse(null), now, now, null, attempt,
                slurmJobOfThisProcess(), note);
    }

    /** Still running, now. */
    CellStatus beat() {
        return new CellStatus(index, name, state, exit, host, pid, processStart, started, Instant.now().toString(), ended,
                attempt, slurmJob, note);
    }

    /** The cell's command returned {@code exit}: 0 and 3 (a trial diverged, a result too) are done, 130 and 143 are stopped. */
    CellStatus finished(int exit) {
        String end = exit == 0 || exit == 3 ? DONE : exit == 130 || exit == 143 ? STOPPED : FAILED;
        return new CellStatus(index, name, end, exit, host, pid, processStart, started, heartbeat, Instant.now().toString(),
                attempt, slurmJob, note);
    }

    /**
     * The state to count: a running cell whose process on this machine is gone was interrupted
     * (a kill, a crash, a Slurm time limit) and waits to run again, as a stopped one does; so does
     * one running on another machine whose heartbeat stopped (that machine failed), or whose Slurm
     * task Slurm no longer has (known at once, without waiting for the heartbeat to go stale).
     */
    String effectiveState() {
        if (state.equals(STOPPED) || state.equals(RUNNING) && !alive()) {
            return WAITING;
        }
        return state;
    }

    boolean alive() {
        if (!state.equals(RUNNING)) {
            return false;
        }
        if (!host.equals(HOST)) {
            if (slurmJob != null && !Slurm.stillActive(slurmJob)) {
                return false;
            }
            try {
                return heartbeat != null && Instant.parse(heartbeat).isAfter(Instant.now().minus(STALE));
            } catch (java.time.format.DateTimeParseException e) {
                return false;
            }
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive() && (processStart == null
                || process.get().info().startInstant().map(Instant::toString).map(processStart::equals).orElse(true));
    }

    static Path file(Path dir, int index) {
        return dir.resolve("status").resolve(index + ".json");
    }

    /** The cell's status, or null when it never ran (or its file is unreadable, which only a crash mid-rename could cause). */
    static CellStatus read(Path dir, int index) {
        try {
            return Sweep.GSON.fromJson(Files.readString(file(dir, index)), CellStatus.class);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file(dir, index), e);
        } catch (JsonParseException e) {
            return null;
        }
    }

    /** A temporary file named after this host and process, then renamed over the old status: no reader sees half of it. */
    void write(Path dir) {
        Path file = file(dir, index);
        Path tmp = file.resolveSibling(file.getFileName() + "." + HOST + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, Sweep.GSON.toJson(this) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String slurmJobOfThisProcess() {
        String job = System.getenv("SLURM_JOB_ID"), task = System.getenv("SLURM_ARRAY_TASK_ID");
        String array = System.getenv("SLURM_ARRAY_JOB_ID");
        if (array != null && task != null) {
            return array + "_" + task;
        }
        return job;
    }
}
