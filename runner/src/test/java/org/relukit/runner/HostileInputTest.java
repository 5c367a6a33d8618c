package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizes beyond memory, rates float32 cannot hold, and results files that are damaged or are no files. */
class HostileInputTest {
    private static final List<String> SMALL = ResultsIntegrityTest.SMALL;

    @Test
    void sizesBeyondMemoryAreRefusedUpFrontWithTheMemoryNeeded(@TempDir Path tmp) {
        for (String[] args : List.of(new String[] {"recon", "--ks", "[100000]"},
                new String[] {"recon", "--ks", "[1000000]", "--node_multi", "100000"},
                new String[] {"recon", "--train_size", "2000000000", "--data_d", "1000"})) {
            CommandLineTest.Result r = CommandLineTest.run(ResultsIntegrityTest.args(List.of(args), "--out",
                    tmp.resolve("never").toString()));
            assertEquals(2, r.exit(), r.err());
            ResultsIntegrityTest.assertOneLine(r.err());
            assertTrue(r.err().contains("needs about") || r.err().contains("nodes"), r.err());
            assertTrue(!Files.exists(tmp.resolve("never")), "nothing is written for a run that cannot start");
        }
    }

    @Test
    void aLearningRateThatIsZeroInFloat32IsRefused() {
        for (String[] args : List.of(new String[] {"recon", "--lr", "1e-50"},
                new String[] {"recon", "--lr", "{0: 0.05, 3: 1e-46}"}, new String[] {"matrix", "--lr", "1e-50"})) {
            CommandLineTest.Result r = CommandLineTest.run(args);
            ResultsIntegrityTest.assertRefused(r, "rounds to 0 in float32");
        }
    }

    @Test
    void aCheckpointClaimingTwoToThe31RowsStatesTheMemoryItNeeds(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d");
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", dir.toString())).exit());
        Path teacher = tmp.resolve("teacher.json");
        ResultsIntegrityTest.edit(dir.resolve("checkpoints/trial-0.json"), teacher,
                json -> json.getAsJsonArray("teacher").get(0).getAsJsonObject().addProperty("n", 1L << 31));
        CommandLineTest.Result r = CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--load_teacher", teacher.toString(),
                "--out", tmp.resolve("never").toString()));
        ResultsIntegrityTest.assertRefused(r, "teacher[0].weights claims 2147483648 x 6 weights, which need 48.0 GB");
    }

    @Test
    void plotSkipsDamagedMetricsLinesNamingThemAndPlotsTheRest(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("d");
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", dir.toString())).exit());
        CommandLineTest.Result clean = CommandLineTest.run("plot", dir.toString());
        assertEquals(0, clean.exit(), clean.err());

        Path metrics = dir.resolve(RunFiles.METRICS);
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics));
        lines.add(2, "{\"trial\":0,\"epoch\":0,\"spl");
        lines.add(5, "{\"trial\":\"zero\",\"epoch\":0,\"split\":\"eval\",\"loss\":1}");
        lines.add(7, "\u0000\u0001binary");
        Files.write(metrics, lines);
        CommandLineTest.Result damaged = CommandLineTest.run("plot", dir.toString());
        assertEquals(0, damaged.exit(), damaged.err());
        for (String line : List.of("line 3 ", "line 6: field trial", "line 8 ")) {
            assertTrue(damaged.err().contains(line), "no warning naming " + line + " in: " + damaged.err());
        }
        assertEquals(lastLine(clean.err()), lastLine(damaged.err()), "the same plots from the lines that are whole");
    }

    @Test
    void plotOfFilesThatAreNoFilesIsOneLine(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("d");
        assertEquals(0, CommandLineTest.run(ResultsIntegrityTest.args(SMALL, "--out", dir.toString())).exit());
        Path metrics = dir.resolve(RunFiles.METRICS);
        Files.delete(metrics);
        assertEquals(0, new ProcessBuilder("mkfifo", metrics.toString()).inheritIO().start().waitFor());
        CommandLineTest.Result r = CommandLineTest.run("plot", dir.toString());
        ResultsIntegrityTest.assertRefused(r, "not a regular file");

        Path config = dir.resolve(RunFiles.CONFIG);
        Files.delete(config);
        Files.createSymbolicLink(config, Path.of("/dev/zero"));
        r = CommandLineTest.run("plot", dir.toString());
        assertEquals(2, r.exit(), r.err());
        ResultsIntegrityTest.assertOneLine(r.err());
    }

    private static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.getLast();
    }
}
