package org.relukit.runner.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlurmArrayTest {
    private static final SlurmArray.Options DEFAULTS = new SlurmArray.Options(null, null, 2, 3, 2, SlurmArray.Options.runningJava());

    @Test
    void aFreshSweepGivesTaskIItsOwnBlockOfCells() {
        assertEquals(List.of("0:4", "4:8", "8:10"), SlurmArray.taskRanges(range(0, 10), 4));
        assertEquals(List.of("0:1", "1:2", "2:3"), SlurmArray.taskRanges(range(0, 3), 1));
        assertEquals(List.of("0:3"), SlurmArray.taskRanges(range(0, 3), 100));
    }

    @Test
    void aResubmitCoversOnlyTheUnfinishedCells() {
        assertEquals(List.of("1:3", "7:10"), SlurmArray.taskRanges(List.of(1, 2, 7, 9), 2));
        assertEquals(List.of("1:2", "2:3", "7:8", "9:10"), SlurmArray.taskRanges(List.of(1, 2, 7, 9), 1));
        assertEquals(List.of(), SlurmArray.taskRanges(List.of(), 4));
    }

    /** Over random sets of unfinished cells: ranges ascend, never overlap, and hold each unfinished cell once, at most c per task. */
    @Test
    void rangesPartitionTheUnfinishedCells() {
        Random random = new Random(14);
        for (int round = 0; round < 500; round++) {
            int cells = 1 + random.nextInt(200), perTask = 1 + random.nextInt(12);
            TreeSet<Integer> unfinished = new TreeSet<>();
            for (int i = 0; i < cells; i++) {
                if (random.nextInt(3) == 0) {
                    unfinished.add(i);
                }
            }
            List<String> ranges = SlurmArray.taskRanges(new ArrayList<>(unfinished), perTask);
            assertEquals((unfinished.size() + perTask - 1) / perTask, ranges.size());
            List<Integer> covered = new ArrayList<>();
            int previousEnd = 0;
            for (String range : ranges) {
                int from = Integer.parseInt(range.split(":")[0]), to = Integer.parseInt(range.split(":")[1]);
                assertTrue(from >= previousEnd && from < to, ranges.toString());
                previousEnd = to;
                List<Integer> mine = unfinished.subSet(from, to).stream().toList();
                assertTrue(mine.size() >= 1 && mine.size() <= perTask, range + " holds " + mine);
                covered.addAll(mine);
            }
            assertEquals(new ArrayList<>(unfinished), covered);
        }
    }

    @Test
    void unorderedCellsAreAnInternalError() {
        assertThrows(IllegalStateException.class, () -> SlurmArray.taskRanges(List.of(3, 1), 2));
        assertThrows(IllegalStateException.class, () -> SlurmArray.taskRanges(List.of(1, 1), 2));
    }

    @Test
    void theScriptIsAnArrayOverTheRangesWithTheGivenSettings(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("sweep-1");
        SlurmArray.Options options = new SlurmArray.Options("short", "1:30:00", 4, 2, 3, Path.of("/opt/jdk-25/bin/java"));
        String script = SlurmArray.script(dir, options, List.of("0:2", "5:7", "9:10"));
        List<String> lines = script.lines().toList();
        assertTrue(lines.contains("#SBATCH --array=0-2"), script);
        assertTrue(lines.contains("#SBATCH --cpus-per-task=4"), script);
        assertTrue(lines.contains("#SBATCH --partition=short"), script);
        assertTrue(lines.contains("#SBATCH --time=1:30:00"), script);
        assertTrue(lines.contains("#SBATCH --output=" + dir.resolve("slurm/logs") + "/%A_%a.out"), script);
        assertTrue(lines.contains("cells=(0:2 5:7 9:10)"), script);
        assertTrue(lines.contains("java='/opt/jdk-25/bin/java'"), script);
        assertTrue(script.contains("-jar '" + dir.resolve("slurm/relukit.jar") + "' sweep --resume '" + dir
                + "' --cells \"$range\" --jobs 3"), script);
        // sbatch reads #SBATCH lines only before the first command.
        int lastDirective = 0, firstCommand = lines.size();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#SBATCH")) {
                lastDirective = i;
            } else if (!lines.get(i).startsWith("#") && firstCommand == lines.size()) {
                firstCommand = i;
            }
        }
        assertTrue(lastDirective < firstCommand, script);
        Path file = Files.writeString(tmp.resolve("check.sbatch"), script);
        Process syntax = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
        String complaint = new String(syntax.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, syntax.waitFor(), complaint);
    }

    @Test
    void withoutPartitionOrTimeTheClusterDefaultsApply(@TempDir Path tmp) {
        String script = SlurmArray.script(tmp, DEFAULTS, List.of("0:3"));
        assertFalse(script.contains("--partition"), script);
        assertFalse(script.contains("--time"), script);
        assertTrue(script.lines().anyMatch("#SBATCH --array=0-0"::equals), script);
    }

    /** Run for real by bash as Slurm would, on a node that lacks the recorded java: the task fails and says why. */
    @Test
    void aTaskOnANodeWithoutTheJavaFailsNamingIt(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("no-jdk/bin/java");
        SlurmArray.Options options = new SlurmArray.Options(null, null, 1, 1, 1, missing);
        Path file = Files.writeString(tmp.resolve("task.sbatch"), SlurmArray.script(tmp, options, List.of("0:1", "1:2")));
        ProcessBuilder task = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        task.environment().put("SLURM_ARRAY_TASK_ID", "1");
        task.environment().put("SLURM_ARRAY_JOB_ID", "7");
        Process process = task.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.waitFor(), output);
        assertTrue(output.contains(missing + " is not on") && output.contains("--java"), output);
    }

    @Test
    void writeCopiesTheJarAndWritesTheScript(@TempDir Path tmp) throws IOException {
        Path jar = Files.write(tmp.resolve("relukit.jar"), new byte[] {'P', 'K', 3, 4, 42});
        Path dir = tmp.resolve("sweep");
        Path script = SlurmArray.write(dir, jar, List.of(0, 1, 2, 3, 4), DEFAULTS);
        assertEquals(dir.resolve("slurm/sweep.sbatch").toAbsolutePath(), script);
        assertTrue(Files.readString(script).lines().anyMatch("cells=(0:3 3:5)"::equals));
        assertEquals(-1, Files.mismatch(jar, dir.resolve("slurm/relukit.jar")));
        assertTrue(Files.isDirectory(dir.resolve("slurm/logs")));
        try (var left = Files.list(dir.resolve("slurm"))) {
            assertTrue(left.noneMatch(p -> p.toString().endsWith(".tmp")));
        }
        // A resubmit rewrites the script over the cells still unfinished.
        SlurmArray.write(dir, jar, List.of(3), DEFAULTS);
        assertTrue(Files.readString(script).lines().anyMatch("cells=(3:4)"::equals));
    }

    @Test
    void nothingUnfinishedWritesNothing(@TempDir Path tmp) throws IOException {
        Path jar = Files.write(tmp.resolve("relukit.jar"), new byte[] {1});
        assertNull(SlurmArray.write(tmp.resolve("sweep"), jar, List.of(), DEFAULTS));
        assertFalse(Files.exists(tmp.resolve("sweep/slurm")));
    }

    @Test
    void runningFromClassesIsRefusedWithTheFix(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SlurmArray.write(tmp.resolve("sweep"), tmp, List.of(0), DEFAULTS));
        assertTrue(e.getMessage().contains("not a jar"), e.getMessage());
    }

    @Test
    void aDirectoryThatSbatchCannotQuoteIsRefused(@TempDir Path tmp) throws IOException {
        Path jar = Files.write(tmp.resolve("relukit.jar"), new byte[] {1});
        var e = assertThrows(IllegalArgumentException.class,
                () -> SlurmArray.write(tmp.resolve("my sweep"), jar, List.of(0), DEFAULTS));
        assertTrue(e.getMessage().contains("no spaces"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("my sweep")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "time 2 hours      | --time",
        "time 1:2:3:4      | --time",
        "partition a b     | --partition",
        "cpus 0            | --cpus-per-task",
        "cells 0           | --cells-per-task",
        "jobs 0            | --jobs",
        "java bin/java     | --java",
    })
    void badSettingsNameTheFlag(String setting, String flag) {
        String[] kv = setting.split(" ", 2);
        String value = kv[1];
        var e = assertThrows(IllegalArgumentException.class, () -> new SlurmArray.Options(
                kv[0].equals("partition") ? value : null,
                kv[0].equals("time") ? value : null,
                kv[0].equals("cpus") ? Integer.parseInt(value) : 1,
                kv[0].equals("cells") ? Integer.parseInt(value) : 1,
                kv[0].equals("jobs") ? Integer.parseInt(value) : 1,
                kv[0].equals("java") ? Path.of(value) : SlurmArray.Options.runningJava()));
        assertTrue(e.getMessage().startsWith(flag), e.getMessage());
    }

    @Test
    void slurmTimeFormsAreAccepted() {
        for (String time : List.of("30", "30:00", "1:30:00", "2-0", "2-12:00", "2-12:00:00", "UNLIMITED", "infinite")) {
            assertEquals(time, new SlurmArray.Options(null, time, 1, 1, 1, SlurmArray.Options.runningJava()).time());
        }
    }

    @Test
    void sbatchMissingFromThePathIsNamed(@TempDir Path tmp) throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> Slurm.onPath(tmp + ":" + tmp.resolve("nothing")));
        assertTrue(e.getMessage().contains("sbatch") && e.getMessage().contains("PATH"), e.getMessage());
        // Found in any PATH entry; a plain file that is not executable does not count.
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("sbatch"), "");
        assertThrows(IllegalArgumentException.class, () -> Slurm.find("sbatch", bin.toString()));
        Files.setPosixFilePermissions(bin.resolve("sbatch"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(bin.resolve("sbatch"), Slurm.find("sbatch", tmp + ":" + bin));
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> cells = new ArrayList<>();
        for (int i = from; i < to; i++) {
            cells.add(i);
        }
        return cells;
    }
}
