package org.relukit.runner.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.ReconRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.relukit.runner.report.Plots.Plot;

/**
 * {@code DIR/report.html}: one self-contained page (its PNGs embedded as data URIs, its style
 * inline) with the run's config, a final summary per layer, and the plots.
 */
public final class Report {
    static final String FILE = "report.html";

    private Report() {}

    /**
     * Draws the plots of the results directory {@code dir} into {@code dir/plots/} and writes
     * {@code dir/report.html} from what is there: a run stopped early gets what it has.
     *
     * @param warnings where each damaged file or metrics line that is left out is named
     * @return the number of plots drawn
     * @throws IllegalArgumentException if {@code dir} is not a recon or matrix results directory
     */
    public static int render(Path dir, java.io.PrintWriter warnings) {
        RunResults run = RunResults.read(dir);
        run.warnings().forEach(w -> warnings.println("relukit: warning: " + w));
        List<Plot> plots = Plots.draw(run);
        write(run, plots);
        return plots.size();
    }

    static Path write(RunResults run, List<Plot> plots) {
        String experiment = run.experiment();
        StringBuilder html = page("relukit " + experiment + ": " + run.dir().getFileName());
        html.append("<h1>relukit ").append(experiment).append("</h1>\n<p>Results directory <code>")
                .append(escape(run.dir().toAbsolutePath().normalize().toString())).append("</code>; redraw with <code>relukit plot ")
                .append(escape(run.dir().toString())).append("</code>.</p>\n");
        if (experiment.equals("recon")) {
            reconSummary(run, html);
        } else {
            matrixSummary(run, html);
        }
        html.append("<h2>Config</h2>\n<table>\n<tr><th>parameter</th><th>value</th></tr>\n");
        for (Map.Entry<String, JsonElement> e : run.config().entrySet()) {
            JsonElement v = e.getValue();
            String text = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() ? v.getAsString() : v.toString();
            html.append("<tr><td>").append(escape(e.getKey())).append("</td><td>").append(escape(text)).append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Plots</h2>\n");
        if (plots.isEmpty()) {
            html.append("<p>Nothing to plot yet: the run wrote no evaluation.</p>\n");
        }
        for (Plot plot : plots) {
            figure(html, plot, " <code>plots/" + escape(plot.file().getFileName().toString()) + "</code>");
        }
        html.append("</body>\n</html>\n");
        Path file = run.dir().resolve(FILE);
        try {
            writeAtomically(file, html.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The start of a self-contained page, up to and including {@code <body>}: its style is inline. */
    static StringBuilder page(String title) {
        StringBuilder html = new StringBuilder(1 << 16);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(escape(title))
                .append("</title>\n").append("""
                        <style>
                        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 66em; color: #222; }
                        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
                        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
                        td.n { text-align: right; font-variant-numeric: tabular-nums; }
                        th { background: #f3f3f3; }
                        figure { margin: 1.5em 0; }
                        img { max-width: 100%; border: 1px solid #eee; }
                        figcaption { color: #555; font-size: 0.9em; }
                        code { font-size: 0.95em; }
                        </style>
                        </head>
                        <body>
                        """);
        return html;
    }

    /** The plot's PNG embedded as a data URI, so the page needs no other file; {@code captionHtml} follows its title. */
    static void figure(StringBuilder html, Plot plot, String captionHtml) {
        byte[] png;
        try {
            png = Files.readAllBytes(plot.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + plot.file(), e);
        }
        html.append("<figure>\n<img alt=\"").append(escape(plot.title())).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">\n<figcaption>")
                .append(escape(plot.title())).append(captionHtml).append("</figcaption>\n</figure>\n");
    }

    /**
     * Per layer, the teacher nodes' best correlations on the evaluation set at each trial's last
     * evaluation, averaged over trials; then each trial's final state.
     */
    private static void reconSummary(RunResults run, StringBuilder html) {
        Map<Integer, ReconRecord> lastEval = lastPerTrial(run.split("eval")), lastTrain = lastPerTrial(run.split("train"));
        Map<Integer, Integer> divergedAt = new TreeMap<>();
        for (ReconRecord m : run.recon()) {
            if (m.isDivergence()) {
                divergedAt.put(m.trial(), m.epoch());
            }
        }
        if (lastEval.isEmpty()) {
            html.append("<p>No evaluation was written yet.</p>\n");
            return;
        }
        int numEpoch = run.config().get("num_epoch").getAsInt(), numTrial = run.config().get("num_trial").getAsInt();
        JsonArray ks = run.config().getAsJsonArray("ks");
        int nodeMulti = run.config().get("node_multi").getAsInt();
        int layers = lastEval.values().iterator().next().bestCorrMean().length;
        html.append("<h2>Final summary per layer</h2>\n<p>Best correlation of each teacher node with a student node"
                + " on the evaluation set after each trial's last epoch: min, mean and max over the teacher nodes, each"
                + " averaged over ").append(lastEval.size()).append(" of ").append(numTrial).append(" trial(s).</p>\n")
                .append("<table>\n<tr><th>layer</th><th>teacher nodes</th><th>student nodes</th><th>min</th><th>mean</th>"
                        + "<th>max</th><th>mean on train</th></tr>\n");
        for (int l = 0; l < layers; l++) {
            int layer = l;
            int teacher = ks.get(l).getAsInt();
            int student = studentNodes(run, l, teacher * nodeMulti);
            html.append("<tr><td>L").append(l).append("</td>").append(cell(teacher)).append(cell(student));
            for (String stat : new String[] {"min", "mean", "max"}) {
                html.append(cell(lastEval.values().stream()
                        .mapToDouble(m -> m.bestCorr(stat)[layer]).average().orElse(Double.NaN)));
            }
            html.append(cell(lastTrain.values().stream()
                    .mapToDouble(m -> m.bestCorrMean()[layer]).average().orElse(Double.NaN)));
            html.append("</tr>\n");
        }
        html.append("</table>\n<h2>Trials</h2>\n<table>\n<tr><th>trial</th><th>epochs trained</th><th>state</th>"
                + "<th>train loss</th><th>eval loss</th>");
        for (int l = 0; l < layers; l++) {
            html.append("<th>L").append(l).append(" mean</th>");
        }
        html.append("</tr>\n");
        for (Map.Entry<Integer, ReconRecord> e : lastEval.entrySet()) {
            int trial = e.getKey(), epochs = e.getValue().epoch() + 1;
            String state = divergedAt.containsKey(trial) ? "diverged in epoch " + divergedAt.get(trial)
                    : epochs == numEpoch ? "finished" : "stopped";
            html.append("<tr><td>").append(trial).append("</td>").append(cell(epochs)).append("<td>").append(state)
                    .append("</td>").append(cell(lastTrain.get(trial).loss()))
                    .append(cell(e.getValue().loss()));
            for (int l = 0; l < layers; l++) {
                html.append(cell(e.getValue().bestCorrMean()[l]));
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static int studentNodes(RunResults run, int layer, int fallback) {
        if (run.correlations().isEmpty()) {
            return fallback;
        }
        JsonObject first = run.correlations().values().iterator().next();
        return first.getAsJsonArray("layers").get(layer).getAsJsonObject().get("student_nodes").getAsInt();
    }

    /** The last record of each trial, trials in order. */
    private static Map<Integer, ReconRecord> lastPerTrial(List<ReconRecord> records) {
        Map<Integer, ReconRecord> last = new TreeMap<>();
        for (ReconRecord m : records) {
            last.put(m.trial(), m);
        }
        return last;
    }

    private static void matrixSummary(RunResults run, StringBuilder html) {
        List<MatrixRecord> metrics = run.matrix();
        if (metrics.isEmpty()) {
            html.append("<p>No evaluation was written yet.</p>\n");
            return;
        }
        MatrixRecord last = metrics.getLast();
        JsonArray teacher = run.config().getAsJsonArray("ks"), student = run.config().getAsJsonArray("student_widths");
        html.append("<h2>Final summary per layer</h2>\n<p>After ").append(last.iter() + 1)
                .append(" of ").append(run.config().get("num_iter").getAsInt()).append(" iterations: loss ")
                .append(number(last.loss())).append(", eval_loss ")
                .append(number(last.evalLoss())).append(".</p>\n")
                .append("<table>\n<tr><th>hidden layer</th><th>teacher nodes</th><th>student nodes</th>"
                        + "<th>max_corrs (mean best correlation)</th><th>zero_cnt</th></tr>\n");
        float[] corrs = last.maxCorrs();
        int[] zeros = last.zeroCnt();
        for (int l = 0; l < corrs.length; l++) {
            html.append("<tr><td>L").append(l).append("</td>").append(cell(teacher.get(l + 1).getAsInt()))
                    .append(cell(student.get(l + 1).getAsInt())).append(cell(corrs[l]))
                    .append(cell(zeros[l])).append("</tr>\n");
        }
        html.append("</table>\n");
        if (run.finalState() == null || !run.finalState().has("w_row_norm")) {
            return;
        }
        html.append("<p>The final fan-out of every node: the norms of the rows of each layer's W (bias row last).</p>\n"
                + "<table>\n<tr><th>W of layer</th><th>rows</th><th>min</th><th>median</th><th>max</th>"
                + "<th>rows under 1% of the max</th></tr>\n");
        JsonArray layers = run.finalState().getAsJsonArray("w_row_norm");
        for (int k = 0; k < layers.size(); k++) {
            double[] norms = layers.get(k).getAsJsonArray().asList().stream().mapToDouble(JsonElement::getAsDouble).toArray();
            Arrays.sort(norms);
            double max = norms[norms.length - 1];
            html.append("<tr><td>").append(k).append("</td>").append(cell(norms.length)).append(cell(norms[0]))
                    .append(cell(norms[norms.length / 2])).append(cell(max))
                    .append(cell(Arrays.stream(norms).filter(v -> v < 0.01 * max).count())).append("</tr>\n");
        }
        html.append("</table>\n");
    }

    private static String cell(long value) {
        return "<td class=\"n\">" + value + "</td>";
    }

    private static String cell(double value) {
        return "<td class=\"n\">" + number(value) + "</td>";
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.4g", value);
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }

    /**
     * As the run's own files: a temporary file renamed over the old one, so no reader sees half of
     * it; a failed write (a full disk) leaves no temporary file.
     */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteAfterFailure(tmp, e);
            throw e;
        }
    }

    /** Removes what a failed write left, keeping the write's own error as the one to report. */
    static void deleteAfterFailure(Path tmp, IOException failure) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException alsoFailed) {
            failure.addSuppressed(alsoFailed);
        }
    }
}
