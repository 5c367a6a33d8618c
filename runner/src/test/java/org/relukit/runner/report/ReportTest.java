package org.relukit.runner.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.runner.Main;

/** The plots and the report of real and hand-made results directories, and {@code relukit plot}'s errors. */
class ReportTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final Pattern EMBEDDED = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");

    @TempDir
    static Path shared;
    static Path recon;
    static Result reconRun;

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    /** One small real recon run, shared by the tests that read its results. */
    @BeforeAll
    static void smallReconRun() {
        recon = shared.resolve("recon");
        reconRun = run("recon", "--seed", "124", "--num_trial", "1", "--num_epoch", "2", "--train_size", "2000",
                "--ks", "[10, 15]", "--node_multi", "3", "--d_output", "20", "--out", recon.toString());
    }

    @Test
    void reconDrawsEveryPlotAsAValidPng() throws IOException {
        assertEquals(0, reconRun.exit(), reconRun.err());
        assertTrue(reconRun.err().contains("report: "), reconRun.err());
        for (String name : List.of("recon-corr-layer0", "recon-corr-layer1", "recon-loss", "recon-heatmap-layer0",
                "recon-heatmap-layer1")) {
            assertValidPng(Files.readAllBytes(recon.resolve("plots/" + name + ".png")), name);
        }
        try (var plots = Files.list(recon.resolve("plots"))) {
            assertEquals(5, plots.count(), "two layers: 2 correlation curves, 1 loss, 2 heat maps");
        }
    }

    @Test
    void reconReportEmbedsItsPlotsAndTheConfig() throws IOException {
        assertEquals(0, reconRun.exit(), reconRun.err());
        String html = Files.readString(recon.resolve("report.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"), html.substring(0, 40));
        assertTrue(html.strip().endsWith("</html>"));
        assertTrue(html.contains("<tr><td>seed</td><td>124</td></tr>"), "the config table");
        assertTrue(html.contains("<tr><td>ks</td><td>[10,15]</td></tr>"), "the config table");
        assertTrue(html.contains("Final summary per layer"));
        assertTrue(html.contains("<td>L1</td>"), "a summary row per hidden layer");
        assertFalse(html.contains("src=\"plots/"), "images are embedded, not linked");
        assertEquals(5, assertEmbeddedPngs(html));
    }

    @Test
    void plotRedrawsWhatWasDeleted() throws IOException {
        assertEquals(0, reconRun.exit(), reconRun.err());
        Path copy = shared.resolve("redraw");
        Files.createDirectories(copy.resolve("correlations"));
        for (String name : List.of("config.json", "metrics.jsonl", "correlations/trial-0.json")) {
            Files.copy(recon.resolve(name), copy.resolve(name));
        }
        Result r = run("plot", copy.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("5 plot(s)"), r.err());
        assertValidPng(Files.readAllBytes(copy.resolve("plots/recon-heatmap-layer1.png")), "heat map");
        assertEquals(5, assertEmbeddedPngs(Files.readString(copy.resolve("report.html"))));
    }

    /** A run stopped in its first trial: no correlations yet, and a metrics line cut by the kill. */
    @Test
    void stoppedReconRunGetsWhatItHas(@TempDir Path dir) throws IOException {
        assertEquals(0, reconRun.exit(), reconRun.err());
        Files.copy(recon.resolve("config.json"), dir.resolve("config.json"));
        List<String> lines = Files.readAllLines(recon.resolve("metrics.jsonl"));
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n", lines.subList(0, 4)) + "\n"
                + lines.get(4).substring(0, 30));
        assertEquals(3, Report.render(dir, new java.io.PrintWriter(java.io.Writer.nullWriter())), "2 correlation curves and the loss, no heat map");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<td>stopped</td>"), "the trial's state");
        assertEquals(3, assertEmbeddedPngs(html));
    }

    /** matrix's files, as MatrixCommand writes them: 2 hidden layers, 3 weight matrices, one zero row norm. */
    @Test
    void matrixDrawsLossCorrelationsAndRowNormsOnALogScale(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"experiment": "matrix", "backend": "simd", "ks": [4, 3, 5, 2], "student_widths": [4, 6, 10, 2],
                 "node_multi": 2, "lr": 0.01, "num_iter": 300, "seed": 1}
                """);
        StringBuilder metrics = new StringBuilder();
        for (int iter = 0; iter < 300; iter += 100) {
            metrics.append(String.format(java.util.Locale.ROOT,
                    "{\"iter\":%d,\"loss\":%g,\"eval_loss\":%g,\"max_corrs\":[%g,%g],\"zero_cnt\":[0,1]}%n",
                    iter, 1.0 / (iter + 1), 1.2 / (iter + 1), 0.5 + iter / 1000.0, 0.4 + iter / 1000.0));
        }
        metrics.append("{\"iter\":299,\"loss\":0.003,\"eval_loss\":0.004,\"max_corrs\":[0.9,0.8],\"zero_cnt\":[0,1]}\n");
        Files.writeString(dir.resolve("metrics.jsonl"), metrics);
        Files.writeString(dir.resolve("final.json"), """
                {"iter": 299, "eval_loss": 0.004, "max_corrs": [0.9, 0.8], "zero_cnt": [0, 1],
                 "w_row_norm": [[1.0, 0.5, 0.001, 2.0, 1e-6], [0.3, 0.0, 1.5, 0.02, 0.7, 1e-4, 0.9],
                                [1.1, 0.9, 1e-5, 0.8, 0.05, 1.3, 0.6, 1e-3, 0.7, 1.0, 0.2]],
                 "seconds": 1.5}
                """);
        Result r = run("plot", dir.toString());
        assertEquals(0, r.exit(), r.err());
        for (String name : List.of("matrix-loss", "matrix-max-corrs", "matrix-w-row-norm-layer0",
                "matrix-w-row-norm-layer1", "matrix-w-row-norm-layer2")) {
            assertValidPng(Files.readAllBytes(dir.resolve("plots/" + name + ".png")), name);
        }
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<tr><td>num_iter</td><td>300</td></tr>"), "the config table");
        assertTrue(html.contains("<td>L1</td><td class=\"n\">5</td><td class=\"n\">10</td>"), "hidden layer 1: 5 teacher, 10 student nodes");
        assertEquals(5, assertEmbeddedPngs(html));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"missing", "empty", "not-json", "other-experiment", "a-file"})
    void plotOnABadDirectoryIsOneLineAndExitTwo(String kind, @TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve(kind);
        switch (kind) {
            case "missing" -> { }
            case "a-file" -> Files.writeString(dir, "x");
            default -> {
                Files.createDirectories(dir);
                if (kind.equals("not-json")) {
                    Files.writeString(dir.resolve("config.json"), "{not json");
                } else if (kind.equals("other-experiment")) {
                    Files.writeString(dir.resolve("config.json"), "{\"experiment\": \"bench\"}");
                }
            }
        }
        Result r = run("plot", dir.toString());
        assertEquals(2, r.exit(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("relukit: ") && lines[0].contains(dir.toString()), lines[0]);
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(dir.resolve("plots")), "nothing written");
    }

    @Test
    void plotWithoutADirectoryIsAUsageError() {
        Result r = run("plot");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("DIR"), r.err());
    }

    /** @return how many PNGs the page embeds, each checked */
    private static int assertEmbeddedPngs(String html) throws IOException {
        Matcher m = EMBEDDED.matcher(html);
        int count = 0;
        while (m.find()) {
            assertValidPng(Base64.getDecoder().decode(m.group(1)), "embedded image " + count);
            count++;
        }
        return count;
    }

    /** A PNG by its signature, that decodes, of a plot's size, and not one flat colour. */
    private static void assertValidPng(byte[] png, String what) throws IOException {
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8), what + ": PNG signature");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, what + " decodes");
        assertTrue(image.getWidth() >= 400 && image.getHeight() >= 300, what + ": " + image.getWidth() + "x" + image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) {
            for (int x = 0; x < image.getWidth(); x += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 5, what + " has only " + colours.size() + " colours");
    }
}
