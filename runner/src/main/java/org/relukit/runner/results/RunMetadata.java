package org.relukit.runner.results;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The {@code run} entry of config.json: which relukit made the run, where, when, and how it ended.
 * It says how a run was made, not what it is: {@code --resume}, the sweep and {@code collect} never
 * compare it, so the same flags on another machine or day are the same run. Times are UTC, ISO-8601.
 *
 * @param status   {@link #RUNNING} until the run ends, then {@link #FINISHED}, {@link #STOPPED}
 *                 (a signal), {@link #DIVERGED} (a loss stopped being finite) or {@link #FAILED}
 * @param resumed  when {@code --resume} last continued the run; null if it never did
 * @param exitCode the process's exit status for that ending; null while running
 */
public record RunMetadata(String relukitVersion, String gitCommit, String host, String cpu, int cores, String jdk,
                          String started, String resumed, String ended, String status, Integer exitCode) {
    public static final String RUNNING = "running", FINISHED = "finished", STOPPED = "stopped", DIVERGED = "diverged",
            FAILED = "failed";

    /** A run starting now on this machine, built from {@code version} at git {@code commit}. */
    public static RunMetadata startingNow(String version, String commit) {
        Runtime.Version jdk = Runtime.version();
        return new RunMetadata(version, commit, hostName(), cpuModel(), Runtime.getRuntime().availableProcessors(),
                jdk + " (" + System.getProperty("java.vendor") + ")", now(), null, null, RUNNING, null);
    }

    /** The same run continued by {@code --resume} now, here: running again, on this machine's description. */
    public RunMetadata resumedNow() {
        RunMetadata here = startingNow(relukitVersion, gitCommit);
        return new RunMetadata(relukitVersion, gitCommit, here.host, here.cpu, here.cores, here.jdk, started, now(), null,
                RUNNING, null);
    }

    /** The run ended now, {@code status} with {@code exitCode}. */
    public RunMetadata endedNow(String status, int exitCode) {
        return new RunMetadata(relukitVersion, gitCommit, host, cpu, cores, jdk, started, resumed, now(), status, exitCode);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** This machine's name; {@code $HOSTNAME}, else "localhost", where the resolver cannot say. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "localhost";
        }
    }

    /** The CPU's model name as Linux reports it; the architecture ({@code os.arch}) elsewhere. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | SecurityException e) {
            // Not Linux, or /proc is hidden: the architecture is what can be said.
        }
        return System.getProperty("os.arch");
    }
}
