package org.relukit.runner.slurm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A sweep's unfinished cells as one Slurm array job: {@code DIR/slurm/sweep.sbatch}, whose task i
 * runs {@code relukit sweep --resume DIR --cells FROM:TO} for its own range, and the relukit jar
 * copied to {@code DIR/slurm/relukit.jar} that every task runs. Compute nodes need the shared
 * directory and a java, nothing else: no task builds anything, so no build races on a shared
 * checkout, and a rebuild after submission cannot change what queued tasks run.
 *
 * <p>The ranges are written into the script itself rather than a side file: sbatch keeps a copy of
 * the script it was given, so a later resubmit that rewrites sweep.sbatch cannot change the cells of
 * tasks still queued from an earlier one.
 */
public final class SlurmArray {
    /** The JVM flags of every relukit process, from the file the launchers read too (it says why). */
    static final List<String> JVM_FLAGS = jvmFlags();
    static final String SCRIPT = "sweep.sbatch";
    static final String JAR = "relukit.jar";
    /** Slurm's time limit forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or no limit. */
    private static final Pattern TIME = Pattern.compile("(?i)infinite|unlimited|(\\d+-)?\\d+(:\\d{1,2}){0,2}");
    private static final Pattern PARTITION = Pattern.compile("[A-Za-z0-9_.,-]+");
    /** What #SBATCH lines and the single-quoted shell words below can carry unquoted. */
    private static final Pattern PLAIN_PATH = Pattern.compile("[^\\s'\"\\\\`$]+");

    /**
     * The sbatch settings of an array.
     *
     * @param partition    Slurm partition, or null for the cluster's default
     * @param time         time limit of each task, or null for the partition's default
     * @param cpusPerTask  CPUs Slurm gives each task
     * @param cellsPerTask cells each task runs, one JVM for all of them
     * @param jobsPerTask  cells a task runs at once (its local pool)
     * @param java         the java every task runs, an absolute path that every node has
     */
    public record Options(String partition, String time, int cpusPerTask, int cellsPerTask, int jobsPerTask, Path java) {
        public Options {
            if (partition != null && !PARTITION.matcher(partition).matches()) {
                throw new IllegalArgumentException("--partition '" + partition + "' is not a partition name: use one that sinfo lists");
            }
            if (time != null && !TIME.matcher(time).matches()) {
                throw new IllegalArgumentException("--time '" + time
                        + "' is not a Slurm time limit: use minutes, HH:MM:SS or D-HH:MM:SS, e.g. --time 2:00:00");
            }
            if (cpusPerTask < 1 || cpusPerTask > 4096) {
                throw new IllegalArgumentException("--cpus-per-task must be between 1 and 4096, got " + cpusPerTask);
            }
            if (cellsPerTask < 1) {
                throw new IllegalArgumentException("--cells-per-task must be at least 1, got " + cellsPerTask);
            }
            if (jobsPerTask < 1 || jobsPerTask > 4096) {
                throw new IllegalArgumentException("--jobs must be between 1 and 4096, got " + jobsPerTask);
            }
            if (!java.isAbsolute() || !PLAIN_PATH.matcher(java.toString()).matches()) {
                throw new IllegalArgumentException("--java " + java + ": give the absolute path of a java 25 that every node has, without spaces or quotes");
            }
        }

        /** The java of the JDK (or jlink image) running this relukit. */
        public static Path runningJava() {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
    }

    private SlurmArray() {}

    /**
     * The cells of each task as {@code FROM:TO} (TO excluded): the unfinished indices in order, cut
     * into groups of {@code cellsPerTask}, each group spanning from its first index to its last.
     * Ranges never overlap, and a cell inside a range that is not in {@code unfinished} is done,
     * which the task skips; so each task runs exactly its group. On a fresh sweep task i gets
     * {@code i·c : (i+1)·c}.
     */
    static List<String> taskRanges(List<Integer> unfinished, int cellsPerTask) {
        for (int i = 1; i < unfinished.size(); i++) {
            if (unfinished.get(i) <= unfinished.get(i - 1)) {
                throw new IllegalStateException("unfinished cells must be distinct and ascending: " + unfinished);
            }
        }
        List<String> ranges = new ArrayList<>();
        for (int first = 0; first < unfinished.size(); first += cellsPerTask) {
            int last = Math.min(first + cellsPerTask, unfinished.size()) - 1;
            ranges.add(unfinished.get(first) + ":" + (unfinished.get(last) + 1));
        }
        return ranges;
    }

    /** The text of sweep.sbatch for the sweep in {@code dir} (absolute), one task per range. */
    static String script(Path dir, Options options, List<String> ranges) {
        Path slurm = dir.resolve("slurm");
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/bash\n");
        s.append("# relukit sweep ").append(dir).append(" as a Slurm array job, written by `relukit sweep --slurm` at ")
                .append(Instant.now()).append(".\n");
        s.append("# Task i runs the unfinished cells of cells[i] (FROM:TO, TO excluded) with the jar next to this file.\n");
        s.append("# A task that fails or runs out of time leaves its cells unfinished; to run just those again:\n");
        s.append("#   relukit sweep --resume ").append(dir).append(" --slurm --submit\n");
        s.append("#SBATCH --job-name=relukit-sweep-").append(jobName(dir)).append('\n');
        s.append("#SBATCH --array=0-").append(ranges.size() - 1).append('\n');
        s.append("#SBATCH --ntasks=1\n");
        s.append("#SBATCH --cpus-per-task=").append(options.cpusPerTask()).append('\n');
        if (options.partition() != null) {
            s.append("#SBATCH --partition=").append(options.partition()).append('\n');
        }
        if (options.time() != null) {
            s.append("#SBATCH --time=").append(options.time()).append('\n');
        }
        s.append("#SBATCH --output=").append(slurm.resolve("logs")).append("/%A_%a.out\n");
        s.append("set -u\n");
        s.append("cells=(").append(String.join(" ", ranges)).append(")\n");
        s.append("range=${cells[$SLURM_ARRAY_TASK_ID]}\n");
        s.append("java='").append(options.java()).append("'\n");
        s.append("if [ ! -x \"$java\" ]; then\n");
        s.append("    echo \"relukit: $java is not on $(hostname): rewrite this script with relukit sweep --resume ")
                .append(dir).append(" --slurm --java PATH, a java 25 that every node has\" >&2\n");
        s.append("    exit 2\n");
        s.append("fi\n");
        // The timestamps give the per-task overhead (JVM start, warm-up) against the cells' own times.
        s.append("echo \"relukit-task start $(date +%s.%N) host $(hostname) job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} cells $range\"\n");
        s.append("\"$java\" '").append(String.join("' '", JVM_FLAGS)).append("' -jar '").append(slurm.resolve(JAR))
                .append("' sweep --resume '").append(dir).append("' --cells \"$range\" --jobs ").append(options.jobsPerTask()).append('\n');
        s.append("status=$?\n");
        s.append("echo \"relukit-task end $(date +%s.%N) exit $status\"\n");
        s.append("exit $status\n");
        return s.toString();
    }

    private static List<String> jvmFlags() {
        try (InputStream in = SlurmArray.class.getResourceAsStream("/org/relukit/runner/jvm-flags")) {
            if (in == null) {
                throw new IllegalStateException("org/relukit/runner/jvm-flags is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Slurm shows job names in squeue; the sweep directory's name, restricted to safe characters. */
    private static String jobName(Path dir) {
        Path name = dir.getFileName();
        return name == null ? "root" : name.toString().replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Writes {@code dir/slurm/sweep.sbatch} over the unfinished cells and copies {@code jar} (the
     * running relukit) next to it; returns the script, or null when no cell is unfinished.
     */
    public static Path write(Path dir, Path jar, List<Integer> unfinished, Options options) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (!PLAIN_PATH.matcher(absolute.toString()).matches()) {
            throw new IllegalArgumentException("--slurm needs a sweep directory whose path has no spaces, quotes, $ or \\"
                    + " (#SBATCH lines cannot quote them): move " + absolute + " to such a path");
        }
        if (unfinished.isEmpty()) {
            return null;
        }
        checkJar(jar);
        Path slurm = absolute.resolve("slurm");
        Path script = slurm.resolve(SCRIPT);
        try {
            Files.createDirectories(slurm.resolve("logs"));
            Path target = slurm.resolve(JAR);
            if (!Files.exists(target) || !Files.isSameFile(jar, target)) {
                // Copied, then renamed: a task starting meanwhile sees the old jar or the new one, never half of one.
                Path partial = slurm.resolve(JAR + ".tmp");
                Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Path partial = slurm.resolve(SCRIPT + ".tmp");
            Files.writeString(partial, script(absolute, options, taskRanges(unfinished, options.cellsPerTask())), StandardCharsets.UTF_8);
            Files.move(partial, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + script + " or copy " + jar + " next to it", e);
        }
        return script;
    }

    /** The compute nodes run {@code jar}, so it must be one; a relukit run from a build tree's classes has none to give. */
    static void checkJar(Path jar) {
        if (jar == null || !Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            throw new IllegalArgumentException("--slurm runs the relukit jar on the compute nodes, but this relukit runs from "
                    + jar + ", not a jar: build it (./relukit builds runner/target/relukit.jar) and run that");
        }
    }

    /** The jar this relukit runs from, or the classes directory when it runs from a build tree (tests). */
    public static Path runningJar() {
        try {
            return Path.of(SlurmArray.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
