package org.relukit.runner.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.relukit.runner.report.Plots.Plot;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.ReconRecord;

/**
 * What {@code relukit collect} writes: {@code metrics.csv} (long format), {@code summary.csv}
 * (final statistics per group of runs), {@code plots/sweep-corr-layerL.png} and {@code sweep.html}.
 *
 * <p>A group is the runs that share every parameter but the seed: its statistics are over seeds
 * and trials together. Standard deviations are sample ones (n − 1), as pandas computes them; NaN
 * for fewer than two values.
 */
final class SweepReport {
    static final String METRICS = "metrics.csv", SUMMARY = "summary.csv", HTML = "sweep.html";
    static final List<String> STATS = List.of("min", "mean", "max");
    private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
    private static final Color[] PALETTE = {new Color(0x1F, 0x77, 0xB4), new Color(0xFF, 0x7F, 0x0E), new Color(0x2C, 0xA0, 0x2C),
            new Color(0xD6, 0x27, 0x28), new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B), new Color(0xE3, 0x77, 0xC2),
            new Color(0x7F, 0x7F, 0x7F), new Color(0xBC, 0xBD, 0x22), new Color(0x17, 0xBE, 0xCF)};

    private SweepReport() {}

    /** One row of summary.csv: a group's final statistics on one split and layer. */
    record Summary(Map<String, String> params, String split, int layer, int seeds, int n, int diverged,
                   double[] meanOf, double[] stdOf) {}

    /** @return the number of plots drawn */
    static int write(Collected collected, Path out) {
        try {
            Files.createDirectories(out.resolve("plots"));
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + out + " cannot be written (" + e.getMessage() + ")");
        }
        writeMetrics(collected, out.resolve(METRICS));
        List<Summary> summary = summary(collected);
        writeSummary(collected, summary, out.resolve(SUMMARY));
        List<Plot> plots = plots(collected, out.resolve("plots"));
        html(collected, summary, plots, out.resolve(HTML));
        return plots.size();
    }

    /**
     * One row per run, trial, epoch, split and layer; epoch −1 is before training, as in metrics.jsonl.
     * Also each recon run's own metrics.csv, for the one run it collects.
     */
    static void writeMetrics(Collected collected, Path file) {
        List<String> header = new ArrayList<>(List.of("cell"));
        header.addAll(collected.params());
        header.addAll(List.of("seed", "trial", "epoch", "split", "layer", "loss", "best_corr_min", "best_corr_mean", "best_corr_max"));
        writeCsv(file, header, csv -> {
            for (Collected.Run run : collected.runs()) {
                for (ReconRecord m : run.results().recon()) {
                    if (m.split() == null) {
                        continue;
                    }
                    for (int l = 0; l < m.bestCorrMean().length; l++) {
                        List<String> row = new ArrayList<>(List.of(run.cell()));
                        row.addAll(run.params().values());
                        row.addAll(List.of(run.seed(), Integer.toString(m.trial()), Integer.toString(m.epoch()), m.split(),
                                Integer.toString(l), Float.toString(m.loss())));
                        for (String stat : STATS) {
                            row.add(Float.toString(m.bestCorr(stat)[l]));
                        }
                        csv.printRecord(row);
                    }
                }
            }
        });
    }

    /** A matrix run's metrics.jsonl in the same long format: one row per report and hidden layer. */
    static void writeMatrixMetrics(RunResults run, Path file) {
        writeCsv(file, List.of("iter", "layer", "loss", "eval_loss", "max_corr", "zero_cnt"), csv -> {
            for (MatrixRecord m : run.matrix()) {
                for (int l = 0; l < m.maxCorrs().length; l++) {
                    csv.printRecord(Integer.toString(m.iter()), Integer.toString(l), Float.toString(m.loss()),
                            Float.toString(m.evalLoss()), Float.toString(m.maxCorrs()[l]), Integer.toString(m.zeroCnt()[l]));
                }
            }
        });
    }

    /**
     * Per group, split and layer: the best correlations (min, mean and max over teacher nodes)
     * and the loss at the last epoch of every trial that finished, as mean and std over those
     * trials of every seed. Diverged trials are counted, not averaged; unfinished ones are left out.
     */
    static List<Summary> summary(Collected collected) {
        Map<Map<String, String>, List<Collected.Run>> groups = groups(collected);
        List<Summary> rows = new ArrayList<>();
        for (Map.Entry<Map<String, String>, List<Collected.Run>> group : groups.entrySet()) {
            for (String split : List.of("train", "eval")) {
                List<ReconRecord> finals = new ArrayList<>();
                Set<String> seeds = new LinkedHashSet<>();
                int diverged = 0;
                for (Collected.Run run : group.getValue()) {
                    Set<Integer> divergedTrials = new LinkedHashSet<>();
                    Map<Integer, ReconRecord> last = new TreeMap<>();
                    for (ReconRecord m : run.results().recon()) {
                        if (m.isDivergence()) {
                            divergedTrials.add(m.trial());
                        } else if (split.equals(m.split())) {
                            last.put(m.trial(), m);
                        }
                    }
                    diverged += divergedTrials.size();
                    for (Map.Entry<Integer, ReconRecord> e : last.entrySet()) {
                        if (!divergedTrials.contains(e.getKey()) && e.getValue().epoch() == run.numEpoch() - 1) {
                            finals.add(e.getValue());
                            seeds.add(run.seed());
                        }
                    }
                }
                int layers = finals.isEmpty() ? 0 : finals.getFirst().bestCorrMean().length;
                for (int l = 0; l < layers; l++) {
                    double[] meanOf = new double[STATS.size() + 1], stdOf = new double[STATS.size() + 1];
                    for (int s = 0; s <= STATS.size(); s++) {
                        double[] values = new double[finals.size()];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = s < STATS.size() ? finals.get(i).bestCorr(STATS.get(s))[l] : finals.get(i).loss();
                        }
                        meanOf[s] = mean(values);
                        stdOf[s] = std(values);
                    }
                    rows.add(new Summary(group.getKey(), split, l, seeds.size(), finals.size(), diverged, meanOf, stdOf));
                }
            }
        }
        return rows;
    }

    private static void writeSummary(Collected collected, List<Summary> summary, Path file) {
        List<String> header = new ArrayList<>(collected.params());
        header.addAll(List.of("split", "layer", "seeds", "n", "diverged"));
        for (String stat : List.of("min", "mean", "max", "loss")) {
            header.add("mean_of_" + stat);
            header.add("std_of_" + stat);
        }
        writeCsv(file, header, csv -> {
            for (Summary s : summary) {
                List<String> row = new ArrayList<>(s.params().values());
                row.addAll(List.of(s.split(), Integer.toString(s.layer()), Integer.toString(s.seeds()), Integer.toString(s.n()),
                        Integer.toString(s.diverged())));
                for (int i = 0; i < s.meanOf().length; i++) {
                    row.add(Double.toString(s.meanOf()[i]));
                    row.add(Double.toString(s.stdOf()[i]));
                }
                csv.printRecord(row);
            }
        });
    }

    /** Runs that share every parameter but the seed, in the order their first run was given. */
    private static Map<Map<String, String>, List<Collected.Run>> groups(Collected collected) {
        Map<Map<String, String>, List<Collected.Run>> groups = new LinkedHashMap<>();
        for (Collected.Run run : collected.runs()) {
            groups.computeIfAbsent(run.params(), p -> new ArrayList<>()).add(run);
        }
        return groups;
    }

    /**
     * Per hidden layer, the mean best correlation of the teacher nodes on the evaluation set
     * against the epochs trained: one line per group, its mean over seeds and trials, with a band
     * of ± one std.
     */
    private static List<Plot> plots(Collected collected, Path plots) {
        Map<Map<String, String>, List<Collected.Run>> groups = groups(collected);
        int layers = 0;
        for (Collected.Run run : collected.runs()) {
            for (ReconRecord m : run.results().split("eval")) {
                layers = Math.max(layers, m.bestCorrMean().length);
            }
        }
        List<Plot> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            XYChart chart = Plots.lineChart("Layer " + l + ": mean best correlation of the teacher nodes (eval), mean ± std",
                    "epochs trained", "mean best correlation");
            chart.getStyler().setYAxisMax(1.0).setYAxisDecimalPattern("0.00");
            int color = 0;
            for (Map.Entry<Map<String, String>, List<Collected.Run>> group : groups.entrySet()) {
                Map<Integer, List<Double>> byEpoch = new TreeMap<>();
                for (Collected.Run run : group.getValue()) {
                    for (ReconRecord m : run.results().split("eval")) {
                        if (l < m.bestCorrMean().length) {
                            byEpoch.computeIfAbsent(m.epoch() + 1, e -> new ArrayList<>()).add((double) m.bestCorrMean()[l]);
                        }
                    }
                }
                if (byEpoch.isEmpty()) {
                    continue;
                }
                Color c = PALETTE[color++ % PALETTE.length];
                band(chart, label(group.getKey()), byEpoch, c);
            }
            out.add(Plots.save(chart, plots.resolve("sweep-corr-layer" + l + ".png"), "Layer " + l
                    + ": the mean over teacher nodes of their best correlation with a student node, on the evaluation set;"
                    + " each line is the mean over seeds and trials of one group of runs, its band ± one standard deviation."));
        }
        return out;
    }

    private static void band(XYChart chart, String name, Map<Integer, List<Double>> byEpoch, Color color) {
        int n = byEpoch.size();
        double[] x = new double[n], mean = new double[n], polygonX = new double[2 * n], polygonY = new double[2 * n];
        int i = 0;
        for (Map.Entry<Integer, List<Double>> e : byEpoch.entrySet()) {
            double[] values = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            double std = values.length > 1 ? std(values) : 0;
            x[i] = e.getKey();
            mean[i] = mean(values);
            // The band's outline: along the top from the left, back along the bottom.
            polygonX[i] = x[i];
            polygonY[i] = mean[i] + std;
            polygonX[2 * n - 1 - i] = x[i];
            polygonY[2 * n - 1 - i] = mean[i] - std;
            i++;
        }
        XYSeries area = chart.addSeries(name + " ± std", polygonX, polygonY);
        area.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
        area.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 0x40));
        area.setLineColor(new Color(0, 0, 0, 0));
        area.setMarker(SeriesMarkers.NONE);
        area.setShowInLegend(false);
        XYSeries line = chart.addSeries(name, x, mean);
        line.setLineColor(color);
        line.setMarkerColor(color);
        line.setMarker(n <= 20 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    private static String label(Map<String, String> params) {
        if (params.isEmpty()) {
            return "all runs";
        }
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    private static void html(Collected collected, List<Summary> summary, List<Plot> plots, Path file) {
        StringBuilder html = Report.page("relukit collect");
        html.append("<h1>relukit collect</h1>\n");
        html.append("<p>").append(collected.runs().size()).append(" recon run(s); parameters: <code>")
                .append(Report.escape(collected.params().isEmpty() ? "none besides the seed" : String.join(", ", collected.params())))
                .append("</code>. Tables: <code>").append(METRICS).append("</code> (every evaluation) and <code>").append(SUMMARY)
                .append("</code> (below).</p>\n");
        for (String note : collected.notes()) {
            html.append("<p>").append(Report.escape(note)).append("</p>\n");
        }
        html.append("<h2>Final best correlations on the evaluation set</h2>\n<p>At the last epoch of every finished trial:"
                + " mean ± std over seeds and trials of the min, mean and max over teacher nodes of their best correlation.</p>\n<table>\n<tr>");
        for (String p : collected.params()) {
            html.append("<th>").append(Report.escape(p)).append("</th>");
        }
        html.append("<th>layer</th><th>seeds</th><th>n</th><th>diverged</th><th>min</th><th>mean</th><th>max</th><th>loss</th></tr>\n");
        for (Summary s : summary) {
            if (!s.split().equals("eval")) {
                continue;
            }
            html.append("<tr>");
            s.params().values().forEach(v -> html.append("<td>").append(Report.escape(v)).append("</td>"));
            html.append("<td>L").append(s.layer()).append("</td><td class=\"n\">").append(s.seeds()).append("</td><td class=\"n\">")
                    .append(s.n()).append("</td><td class=\"n\">").append(s.diverged()).append("</td>");
            for (int i = 0; i < s.meanOf().length; i++) {
                html.append("<td class=\"n\">").append(String.format(Locale.ROOT, "%.4f ± %.4f", s.meanOf()[i], s.stdOf()[i]))
                        .append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n<h2>Plots</h2>\n");
        for (Plot plot : plots) {
            Report.figure(html, plot, "");
        }
        html.append("<h2>Runs</h2>\n<table>\n<tr><th>cell</th><th>seed</th><th>results</th></tr>\n");
        for (Collected.Run run : collected.runs()) {
            html.append("<tr><td>").append(Report.escape(run.cell())).append("</td><td>").append(Report.escape(run.seed()))
                    .append("</td><td><code>").append(Report.escape(run.results().dir().toString())).append("</code></td></tr>\n");
        }
        html.append("</table>\n</body>\n</html>\n");
        try {
            Report.writeAtomically(file, html.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? Double.NaN : sum / values.length;
    }

    /** Sample standard deviation (n − 1), as pandas' std; NaN for fewer than two values. */
    static double std(double[] values) {
        if (values.length < 2) {
            return Double.NaN;
        }
        double m = mean(values), sum = 0;
        for (double v : values) {
            sum += (v - m) * (v - m);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    private interface Rows {
        void print(CSVPrinter csv) throws IOException;
    }

    /** Streamed to a temporary file and renamed: a large sweep's metrics.csv never sits in memory, nor half written. */
    private static void writeCsv(Path file, List<String> header, Rows rows) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                 CSVPrinter csv = new CSVPrinter(writer, CSV)) {
                csv.printRecord(header);
                rows.print(csv);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Report.deleteAfterFailure(tmp, e);
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
