package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * relukit sweep's Slurm flags, misused: one line naming the flag, exit 2, and no sweep directory
 * written. Tests run relukit from its classes, not its jar, which --slurm refuses as early.
 */
class SweepSlurmFlagsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--partition short                         | --partition go(es) with --slurm",
        "--submit --cells-per-task 2               | --submit, --cells-per-task go(es) with --slurm",
        "--slurm --cells 0:1                       | --cells does not go with --slurm",
        "--slurm --plan                            | --plan does not go with --slurm",
        "--slurm --time 2h                         | --time '2h' is not a Slurm time limit",
        "--slurm --cells-per-task 0                | --cells-per-task must be at least 1",
        "--slurm --cpus-per-task 0                 | --cpus-per-task must be between 1 and 4096",
        "--slurm --partition a;b                   | --partition 'a;b' is not a partition name",
        "--slurm --java /opt/jdk'25/bin/java       | --java",
        "--slurm                                   | not a jar",
    })
    void misusedSlurmFlagsWriteNothing(String flags, String message, @TempDir Path tmp) {
        Path out = tmp.resolve("sweep");
        StringWriter stdout = new StringWriter(), stderr = new StringWriter();
        String[] args = ("sweep recon --grid seed=1:2 --out " + out + " " + flags + " -- --num_epoch 1").split(" +");
        int exit = Main.run(args, new PrintWriter(stdout, true), new PrintWriter(stderr, true));
        String err = stderr.toString();
        assertEquals(2, exit, err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(message), err);
        assertFalse(Files.exists(out), out + " was written");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "sweep --status DIR --slurm       | --status takes no --slurm",
    })
    void statusTakesNoSlurm(String line, String message, @TempDir Path tmp) {
        StringWriter stdout = new StringWriter(), stderr = new StringWriter();
        int exit = Main.run(line.replace("DIR", tmp.toString()).split(" +"), new PrintWriter(stdout, true),
                new PrintWriter(stderr, true));
        assertEquals(2, exit, stderr.toString());
        assertTrue(stderr.toString().contains(message), stderr.toString());
    }
}
