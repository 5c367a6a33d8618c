package org.relukit.runner.slurm;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The Slurm commands a sweep uses, {@code sbatch} and {@code squeue}, found on the PATH. Each
 * submission of a sweep is recorded in {@code DIR/slurm/jobs.txt}, so that a resubmit can refuse
 * to run cells that a queued or running task of an earlier submission still owns.
 */
public final class Slurm {
    static final String JOBS = "jobs.txt";
    private final Path sbatch;
    private final Path squeue;

    private Slurm(Path sbatch, Path squeue) {
        this.sbatch = sbatch;
        this.squeue = squeue;
    }

    /** sbatch and squeue from the directories of {@code path} (a PATH value); a missing one is a user error. */
    public static Slurm onPath(String path) {
        return new Slurm(find("sbatch", path), find("squeue", path));
    }

    static Path find(String tool, String path) {
        for (String entry : (path == null ? "" : path).split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, tool)) && !Files.isDirectory(Path.of(entry, tool))) {
                return Path.of(entry, tool).toAbsolutePath();
            }
        }
        throw new IllegalArgumentException("--slurm needs Slurm's " + tool + " on the PATH, and it is not there: run this on a"
                + " Slurm login node, or drop --slurm to run the sweep here");
    }

    /**
     * Submits the script with {@code sbatch --parsable} and records the job in {@code DIR/slurm/jobs.txt};
     * returns the job id. sbatch's refusal (an unknown partition, a time over the limit) is a user error.
     */
    public String submit(Path script, List<Integer> cells) {
        Ran ran = run(List.of(sbatch.toString(), "--parsable", script.toString()));
        if (ran.exit != 0) {
            throw new IllegalArgumentException("sbatch refused " + script + ": " + firstLine(ran.err)
                    + "; fix the flag it names and submit again (the script is kept)");
        }
        // --parsable prints "id" or "id;cluster".
        String id = ran.out.strip().split(";")[0];
        if (!id.matches("\\d+")) {
            throw new IllegalStateException("sbatch printed '" + ran.out.strip() + "', not a job id");
        }
        try {
            Files.writeString(script.resolveSibling(JOBS), id + "\tcells " + cells + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("job " + id + " is submitted, but " + script.resolveSibling(JOBS) + " cannot record it", e);
        }
        return id;
    }

    /** The jobs recorded in {@code slurmDir/jobs.txt} that still have a task queued or running. */
    public List<String> activeJobs(Path slurmDir) {
        List<String> ids = new ArrayList<>();
        try {
            if (Files.exists(slurmDir.resolve(JOBS))) {
                for (String line : Files.readAllLines(slurmDir.resolve(JOBS))) {
                    if (!line.isBlank()) {
                        ids.add(line.split("\t")[0].strip());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + slurmDir.resolve(JOBS), e);
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        // squeue lists only jobs that are pending, running or completing: an array's id appears while any task does.
        Ran ran = run(List.of(squeue.toString(), "--noheader", "--format=%F", "--jobs=" + String.join(",", ids)));
        if (ran.exit != 0) {
            // One id that slurmctld has forgotten is "Invalid job id"; that job is long finished.
            if (ran.err.contains("Invalid job id")) {
                return List.of();
            }
            throw new IllegalStateException("squeue cannot say whether jobs " + ids + " still run: " + firstLine(ran.err));
        }
        return ran.out.lines().map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
    }

    /**
     * Whether Slurm still has job {@code id} ({@code 123}, or {@code 123_4} for an array task)
     * queued, running or completing. True when that cannot be told (no squeue on the PATH, no
     * answer from slurmctld): a cell is better left waiting than run twice at once.
     */
    public static boolean stillActive(String id) {
        try {
            Path squeue = find("squeue", System.getenv("PATH"));
            Ran ran = run(List.of(squeue.toString(), "--noheader", "--format=%i", "--jobs=" + id));
            if (ran.exit != 0) {
                // slurmctld forgets a job some minutes after it ends (MinJobAge): it is long gone.
                return !ran.err.contains("Invalid job id");
            }
            return !ran.out.isBlank();
        } catch (IllegalArgumentException | UncheckedIOException | IllegalStateException e) {
            return true;
        }
    }

    private record Ran(int exit, String out, String err) {}

    private static Ran run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            return new Ran(process.waitFor(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("(no message)");
    }
}
