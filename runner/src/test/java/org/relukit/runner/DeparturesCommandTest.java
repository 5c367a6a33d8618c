package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The flags that select relukit's variants over the original's defaults (docs/departures.md), on the command line. */
class DeparturesCommandTest {

    @Test
    void perturbSaysThatNodeMultiIsTakenAsOne(@TempDir Path dir) throws IOException {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--perturb", "0.05", "--node_multi", "7", "--seed", "3",
                "--num_trial", "1", "--num_epoch", "1", "--train_size", "640", "--ks", "[10, 15]", "--d_output", "20",
                "--quiet", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.contains("--node_multi 7 is taken as 1")).count(), r.err());
        JsonObject correlations = JsonParser.parseString(Files.readString(dir.resolve("correlations/trial-0.json")))
                .getAsJsonObject();
        var layers = correlations.getAsJsonArray("layers");
        assertEquals(10, layers.get(0).getAsJsonObject().get("student_nodes").getAsInt(), "the teacher's widths");
        assertEquals(15, layers.get(1).getAsJsonObject().get("student_nodes").getAsInt(), "the teacher's widths");
    }

    @Test
    void aRandomStudentPrintsNoSuchLine(@TempDir Path dir) {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--node_multi", "2", "--seed", "3", "--num_trial", "1",
                "--num_epoch", "1", "--train_size", "640", "--ks", "[10, 15]", "--d_output", "20", "--quiet",
                "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("taken as 1"), r.err());
    }

    @Test
    void variantFlagsNeedTheFlagTheyModify() {
        CommandLineTest.Result r = CommandLineTest.run("recon", "--teacher_bn_fit");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("add --teacher_bn"), r.err());
        CommandLineTest.Result m = CommandLineTest.run("matrix", "--accurate_grad_mean");
        assertEquals(2, m.exit());
        assertTrue(m.err().contains("add --use_accurate_grad"), m.err());
    }

    /** Each flag whose default follows the original names, in its --help, the flag that selects relukit's variant. */
    @Test
    void helpOfTheAffectedFlagsNamesTheVariantFlag() {
        Map<String, String> recon = Map.of("--teacher_bn", "--teacher_bn_fit", "--eval_batchsize", "--fixed_eval_samples");
        CommandLine command = new CommandLine(new Main()).getSubcommands().get("recon");
        recon.forEach((flag, variant) -> assertTrue(
                String.join(" ", command.getCommandSpec().findOption(flag).description()).contains(variant), flag));
        CommandLine matrix = new CommandLine(new Main()).getSubcommands().get("matrix");
        assertTrue(String.join(" ", matrix.getCommandSpec().findOption("--use_accurate_grad").description())
                .contains("--accurate_grad_mean"));
        assertTrue(String.join(" ", command.getCommandSpec().usageMessage().description()).contains("docs/departures.md"));
    }
}
