package org.relukit.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatrixCommandTest {
    private static CommandLineTest.Result run(String... args) {
        return CommandLineTest.run(args);
    }

    @Test
    void writesConfigMetricsAndFinalRowNorms(@TempDir Path dir) throws IOException {
        CommandLineTest.Result r = run("matrix", "--perturb", "--node_multi", "2", "--lr", "0.05", "--init_std", "0.1",
                "--batchsize", "64", "--seed", "232", "--num_iter", "201", "--verbose", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> out = r.out().lines().toList();
        // A line per report (iterations 0, 100, 200) and, with --verbose, one per layer's W_row_norm.
        assertEquals(9, out.size(), r.out());
        assertTrue(out.get(0).startsWith("iter      0  loss "), out.get(0));
        assertTrue(out.get(2).startsWith("  [1] W_row_norm: ["), out.get(2));

        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        assertEquals("matrix", config.get("experiment").getAsString());
        assertEquals(2, config.get("node_multi").getAsInt());
        assertEquals(232, config.get("seed").getAsLong());
        assertTrue(config.get("seed_x").isJsonNull(), "no --seed_x: the data come from --seed");
        assertTrue(config.get("perturb").getAsBoolean());

        List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(3, metrics.size());
        for (int i = 0; i < metrics.size(); i++) {
            JsonObject m = JsonParser.parseString(metrics.get(i)).getAsJsonObject();
            assertEquals(Set.of("iter", "loss", "eval_loss", "max_corrs", "zero_cnt"), new TreeSet<>(m.keySet()));
            assertEquals(100 * i, m.get("iter").getAsInt());
            assertEquals(1, m.getAsJsonArray("max_corrs").size());
            assertTrue(m.get("eval_loss").getAsDouble() > 0);
        }

        JsonObject last = JsonParser.parseString(Files.readString(dir.resolve("final.json"))).getAsJsonObject();
        JsonArray rowNorms = last.getAsJsonArray("w_row_norm");
        assertEquals(2, rowNorms.size());
        assertEquals(11, rowNorms.get(0).getAsJsonArray().size());
        assertEquals(41, rowNorms.get(1).getAsJsonArray().size());
        for (JsonElement norm : rowNorms.get(1).getAsJsonArray()) {
            assertTrue(norm.getAsDouble() >= 0 && norm.getAsDouble() < 10, "row norm " + norm);
        }
        assertFalse(Files.exists(dir.resolve("final.json.tmp")));
    }

    @Test
    void seedNamesAndKebabCaseNamesAreTheSameFlags(@TempDir Path dir) {
        String[] common = {"matrix", "--batchsize", "4", "--ks", "[5, 6, 7]", "--overwrite", "--out", dir.toString()};
        CommandLineTest.Result seedNames = run(concat(common, "--node_multi", "3", "--init_std", "0.2", "--seed_init", "5", "--seed_x", "6",
                "--eval_batchsize", "32", "--num_iter", "101", "--use_gd", "--init_neg_teacher", "--use_accurate_grad"));
        String[] kebabArgs = concat(common, "--node-multi", "3", "--init-std", "0.2", "--seed-init", "5", "--seed-x", "6",
                "--eval-batchsize", "32", "--num-iter", "101", "--use-gd", "--init-neg-teacher", "--use-accurate-grad");
        CommandLineTest.Result kebab = run(kebabArgs);
        assertEquals(0, seedNames.exit(), seedNames.err());
        assertEquals(2, seedNames.out().lines().count(), seedNames.out());
        assertEquals(seedNames.out(), kebab.out());
        for (String flag : new String[] {"--seed-x", "--init-neg-teacher", "--use-accurate-grad", "--use-gd"}) {
            List<String> args = new ArrayList<>(List.of(kebabArgs));
            int at = args.indexOf(flag);
            if (flag.equals("--seed-x")) {
                args.set(at + 1, "7");
            } else {
                args.remove(at);
            }
            CommandLineTest.Result other = run(args.toArray(String[]::new));
            assertEquals(0, other.exit(), other.err());
            assertFalse(seedNames.out().equals(other.out()), flag + " is read");
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
