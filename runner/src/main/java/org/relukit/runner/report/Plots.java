package org.relukit.runner.report;

import org.relukit.nn.Layer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.relukit.runner.results.MatrixRecord;
import org.relukit.runner.results.ReconRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG plots of a results directory, under {@code DIR/plots/}.
 *
 * <p>recon: for each hidden layer, the min, mean and max over teacher nodes of their best
 * correlation with a student node, against the epochs trained, on the training set (solid) and
 * the evaluation set (dashed); the loss on both; and each layer's correlation matrix as a heat
 * map. With several trials every curve is the mean over the trials that reached that epoch (the
 * report's per-trial table gives their spread), and the heat maps are of the first finished trial.
 *
 * <p>matrix: the loss and evaluation loss, each hidden layer's {@code max_corrs} against the
 * iterations, and each layer's final {@code W_row_norm} (a node's fan-out) as bars on a log scale.
 */
final class Plots {
    static {
        // Charts are drawn into images, never shown: no display is needed, nor wanted on a server.
        System.setProperty("java.awt.headless", "true");
    }

    /** One drawn plot: what it shows, in a sentence, and its PNG file. */
    record Plot(String title, Path file) {}

    private static final int WIDTH = 800, HEIGHT = 480;
    private static final Color MIN = new Color(0xD6, 0x27, 0x28), MEAN = new Color(0x1F, 0x77, 0xB4),
            MAX = new Color(0x2C, 0xA0, 0x2C);
    private static final BasicStroke SOLID = new BasicStroke(2f),
            DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);

    private Plots() {}

    static List<Plot> draw(RunResults run) {
        Path plots = run.dir().resolve("plots");
        try {
            Files.createDirectories(plots);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create " + plots + " (" + e.getMessage() + ")");
        }
        return run.experiment().equals("recon") ? recon(run, plots) : matrix(run, plots);
    }

    private static List<Plot> recon(RunResults run, Path plots) {
        List<Plot> out = new ArrayList<>();
        List<ReconRecord> train = run.split("train"), eval = run.split("eval");
        int trials = (int) run.recon().stream().filter(m -> m.split() != null).mapToInt(ReconRecord::trial)
                .distinct().count();
        String over = trials > 1 ? " (mean over " + trials + " trials)" : "";
        int layers = train.isEmpty() ? 0 : train.getFirst().bestCorrMean().length;
        for (int l = 0; l < layers; l++) {
            int layer = l;
            XYChart chart = lineChart("Layer " + l + ": best correlation of each teacher node" + over,
                    "epochs trained", "best correlation");
            chart.getStyler().setYAxisMax(1.0).setYAxisDecimalPattern("0.00");
            for (String stat : new String[] {"min", "mean", "max"}) {
                Color color = stat.equals("min") ? MIN : stat.equals("mean") ? MEAN : MAX;
                ToDoubleFunction<ReconRecord> value = m -> m.bestCorr(stat)[layer];
                addLine(chart, "train " + stat, byEpoch(train, value), color, SOLID);
                addLine(chart, "eval " + stat, byEpoch(eval, value), color, DASHED);
            }
            out.add(save(chart, plots.resolve("recon-corr-layer" + l + ".png"),
                    "Layer " + l + ": min, mean and max over teacher nodes of the best correlation with a student node"
                            + over + "; train solid, eval dashed."));
        }
        if (!train.isEmpty()) {
            XYChart chart = lineChart("Loss" + over, "epochs trained", "loss");
            addLine(chart, "train", byEpoch(train, ReconRecord::loss), MEAN, SOLID);
            addLine(chart, "eval", byEpoch(eval, ReconRecord::loss), MIN, DASHED);
            logScaleIfPositive(chart);
            out.add(save(chart, plots.resolve("recon-loss.png"), "Loss between student and teacher outputs" + over + "."));
        }
        if (!run.correlations().isEmpty()) {
            Map.Entry<Integer, JsonObject> first = run.correlations().entrySet().iterator().next();
            JsonArray layerMatrices = first.getValue().getAsJsonArray("layers");
            for (int l = 0; l < layerMatrices.size(); l++) {
                String title = "Layer " + l + ", trial " + first.getKey() + ": teacher × best-matched student nodes";
                out.add(save(heatMap(title, layerMatrices.get(l).getAsJsonObject()),
                        plots.resolve("recon-heatmap-layer" + l + ".png"), "Layer " + l + ", trial " + first.getKey()
                                + ": correlation of each teacher node (row) with the student node that best matches"
                                + " each teacher node (column), at the end of training on the "
                                + first.getValue().get("split").getAsString()
                                + " set; a diagonal of ones means every teacher node is reconstructed."));
            }
        }
        return out;
    }

    private static List<Plot> matrix(RunResults run, Path plots) {
        List<Plot> out = new ArrayList<>();
        List<MatrixRecord> metrics = run.matrix();
        if (!metrics.isEmpty()) {
            double[] iter = column(metrics, MatrixRecord::iter);
            XYChart loss = lineChart("Loss", "iteration", "loss");
            addLine(loss, "loss (batch)", iter, column(metrics, MatrixRecord::loss), MEAN, SOLID);
            addLine(loss, "eval_loss", iter, column(metrics, MatrixRecord::evalLoss), MIN, DASHED);
            logScaleIfPositive(loss);
            out.add(save(loss, plots.resolve("matrix-loss.png"), "Loss on each iteration's batch and on fresh evaluation samples."));

            XYChart corrs = lineChart("max_corrs: mean best correlation of the teacher nodes", "iteration",
                    "mean best correlation");
            corrs.getStyler().setYAxisMax(1.0).setYAxisDecimalPattern("0.00");
            int hidden = metrics.getFirst().maxCorrs().length;
            for (int l = 0; l < hidden; l++) {
                int layer = l;
                addLine(corrs, "layer " + l, iter,
                        column(metrics, m -> m.maxCorrs()[layer]), null, SOLID);
            }
            out.add(save(corrs, plots.resolve("matrix-max-corrs.png"),
                    "For each hidden layer, the mean over teacher nodes of their best correlation with a student node."));
        }
        if (run.finalState() != null && run.finalState().has("w_row_norm")) {
            JsonArray layers = run.finalState().getAsJsonArray("w_row_norm");
            for (int k = 0; k < layers.size(); k++) {
                double[] norms = column(layers.get(k).getAsJsonArray().asList(), JsonElement::getAsDouble);
                long zeros = Arrays.stream(norms).filter(v -> v == 0).count();
                out.add(save(rowNormBars(k, norms), plots.resolve("matrix-w-row-norm-layer" + k + ".png"),
                        "Layer " + k + ": the final norm of each row of W (a node's fan-out; the bias row last), log scale"
                                + (zeros > 0 ? "; " + zeros + " zero norm(s) drawn at a tenth of the smallest non-zero one." : ".")));
            }
        }
        return out;
    }

    static XYChart lineChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(5);
        return chart;
    }

    private static void style(AxesChartStyler s) {
        s.setLegendPosition(LegendPosition.OutsideS);
        s.setLegendLayout(LegendLayout.Horizontal);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        s.setPlotBorderVisible(false);
        s.setLegendBorderColor(Color.WHITE);
        s.setAntiAlias(true);
    }

    /** Epoch -1 (before training) becomes 0 epochs trained; each point is the mean over the trials that have it. */
    private static double[][] byEpoch(List<ReconRecord> records, ToDoubleFunction<ReconRecord> value) {
        Map<Integer, double[]> sums = new TreeMap<>();
        for (ReconRecord m : records) {
            double[] sum = sums.computeIfAbsent(m.epoch() + 1, e -> new double[2]);
            sum[0] += value.applyAsDouble(m);
            sum[1]++;
        }
        double[][] xy = new double[2][sums.size()];
        int i = 0;
        for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
            xy[0][i] = e.getKey();
            xy[1][i++] = e.getValue()[0] / e.getValue()[1];
        }
        return xy;
    }

    private static void addLine(XYChart chart, String name, double[][] xy, Color color, BasicStroke stroke) {
        addLine(chart, name, xy[0], xy[1], color, stroke);
    }

    private static void addLine(XYChart chart, String name, double[] x, double[] y, Color color, BasicStroke stroke) {
        if (x.length == 0) {
            return;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setLineStyle(stroke);
        // One point is no line: a marker makes it visible; with many points markers only clutter.
        series.setMarker(x.length <= 20 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        if (color != null) {
            series.setLineColor(color);
            series.setMarkerColor(color);
        }
    }

    /** Losses fall by orders of magnitude, so a log axis, unless a value is zero or not finite. */
    private static void logScaleIfPositive(XYChart chart) {
        boolean positive = chart.getSeriesMap().values().stream().allMatch(s -> {
            for (double y : s.getYData()) {
                if (!(y > 0 && Double.isFinite(y))) {
                    return false;
                }
            }
            return true;
        });
        chart.getStyler().setYAxisLogarithmic(positive);
    }

    /**
     * Rows are the teacher nodes a (0 at the top), column b is the student node that best matches
     * teacher node b, so cell (a, b) is corr(teacher a, best student of b) and the diagonal holds
     * each teacher node's best correlation.
     */
    private static HeatMapChart heatMap(String title, JsonObject layer) {
        int kt = layer.get("teacher_nodes").getAsInt(), ks = layer.get("student_nodes").getAsInt();
        JsonArray best = layer.getAsJsonArray("best_student"), c = layer.getAsJsonArray("correlations");
        List<String> columns = new ArrayList<>(), rows = new ArrayList<>();
        for (int b = 0; b < kt; b++) {
            String label = "s" + best.get(b).getAsInt();
            // Two teacher nodes can share a best student; category labels must stay distinct.
            while (columns.contains(label)) {
                label += "'";
            }
            columns.add(label);
        }
        for (int a = kt - 1; a >= 0; a--) {
            rows.add("t" + a);
        }
        List<Number[]> cells = new ArrayList<>();
        for (int a = 0; a < kt; a++) {
            for (int b = 0; b < kt; b++) {
                cells.add(new Number[] {b, kt - 1 - a, c.get(a * ks + best.get(b).getAsInt()).getAsDouble()});
            }
        }
        int side = Math.max(480, Math.min(900, 260 + 26 * kt));
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 120).height(side).title(title)
                .xAxisTitle("best-matched student node").yAxisTitle("teacher node").build();
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
        chart.getStyler().setMin(-1).setMax(1);
        chart.getStyler().setRangeColors(new Color[] {new Color(0x3B, 0x4C, 0xC0), Color.WHITE, new Color(0xB4, 0x04, 0x26)});
        chart.getStyler().setShowValue(kt <= 12).setHeatMapValueDecimalPattern("0.00")
                .setValueFont(chart.getStyler().getValueFont().deriveFont(11f));
        chart.getStyler().setXAxisLabelRotation(90);
        chart.addSeries("correlation", columns, rows, cells);
        return chart;
    }

    private static CategoryChart rowNormBars(int layer, double[] norms) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Layer " + layer + ": W_row_norm (fan-out of each node)").xAxisTitle("row of W (bias last)")
                .yAxisTitle("row norm").build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisMaxLabelCount(25);
        chart.getStyler().setAvailableSpaceFill(0.8);
        chart.getStyler().setOverlapped(true);
        double floor = Double.POSITIVE_INFINITY;
        for (double v : norms) {
            if (v > 0) {
                floor = Math.min(floor, v);
            }
        }
        // A log axis has no zero: a zero norm is drawn at a tenth of the smallest non-zero one.
        double zero = Double.isFinite(floor) ? floor / 10 : 1e-12;
        double[] rowIndex = new double[norms.length], shown = new double[norms.length];
        for (int i = 0; i < norms.length; i++) {
            rowIndex[i] = i;
            shown[i] = norms[i] > 0 ? norms[i] : zero;
        }
        // Bars start from the axis minimum, which XChart takes as 0 unless told: a decade under the shortest bar.
        double shortest = Arrays.stream(shown).min().orElse(1), tallest = Arrays.stream(shown).max().orElse(1);
        double bottom = Math.pow(10, Math.floor(Math.log10(shortest / 2)));
        chart.getStyler().setYAxisMin(bottom);
        if (tallest < 10 * bottom) {
            // Within one decade, label 2, 3, ... 9 of it too, or the axis has one label.
            chart.getStyler().setYAxisMax(10 * bottom).setYAxisLogarithmicDecadeOnly(false);
        }
        chart.addSeries("W_row_norm", rowIndex, shown).setFillColor(MEAN);
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    private static <T> double[] column(List<T> records, ToDoubleFunction<T> value) {
        double[] out = new double[records.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value.applyAsDouble(records.get(i));
        }
        return out;
    }

    static Plot save(Chart<?, ?> chart, Path file, String title) {
        byte[] png;
        try {
            png = BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
        } catch (IOException | RuntimeException e) {
            // XChart says what it cannot draw with IllegalArgumentException: a bug here, not the user's mistake.
            throw new IllegalStateException("cannot draw " + file.getFileName() + ": " + e.getMessage(), e);
        }
        try {
            Report.writeAtomically(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return new Plot(title, file);
    }
}
