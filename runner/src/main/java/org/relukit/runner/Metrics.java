package org.relukit.runner;

import org.relukit.stats.BestMatch;
import org.relukit.stats.Evaluation;
import org.relukit.stats.MatrixSummary;
import org.relukit.stats.RelationStats;
import org.relukit.stats.WeightDrift;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON form of results: one object per line of metrics.jsonl. */
final class Metrics {
    /** NaN is written as NaN (Python's json reads it) so a diverged value is never silently dropped. */
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().serializeNulls().create();
    private static final Gson PRETTY = new GsonBuilder().serializeSpecialFloatingPointValues().serializeNulls()
            .setPrettyPrinting().create();

    private Metrics() {}

    static Map<String, Object> of(Evaluation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", e.trial());
        m.put("epoch", e.epoch());
        m.put("split", e.split());
        m.put("loss", e.loss());
        m.put("best_corr_min", e.bestCorrMin());
        m.put("best_corr_mean", e.bestCorrMean());
        m.put("best_corr_max", e.bestCorrMax());
        m.put("steps_per_s", e.stepsPerSecond());
        if (!e.weightDrift().isEmpty()) {
            putWeightDrift(m, e.weightDrift());
        }
        if (e.relations() != null) {
            RelationStats r = e.relations();
            m.put("H_st", summaries(r.hStudentTeacher()));
            m.put("H_ss", summaries(r.hStudentStudent()));
            m.put("beta_st", summaries(r.betaStudentTeacher()));
            m.put("beta_ss", summaries(r.betaStudentStudent()));
        }
        return m;
    }

    /** --stats_w: one array per quantity, one entry per student layer (the output layer last). */
    private static void putWeightDrift(Map<String, Object> m, List<WeightDrift> layers) {
        m.put("w_norm", layers.stream().mapToDouble(WeightDrift::norm).toArray());
        m.put("w_rms", layers.stream().mapToDouble(WeightDrift::rms).toArray());
        m.put("w_drift_rms", layers.stream().mapToDouble(WeightDrift::driftRms).toArray());
        m.put("w_drift_rel", layers.stream().mapToDouble(WeightDrift::driftRel).toArray());
        m.put("w_drift_rel_col_min", layers.stream().mapToDouble(WeightDrift::colDriftRelMin).toArray());
        m.put("w_drift_rel_col_mean", layers.stream().mapToDouble(WeightDrift::colDriftRelMean).toArray());
        m.put("w_drift_rel_col_max", layers.stream().mapToDouble(WeightDrift::colDriftRelMax).toArray());
    }

    /** --stats_H: per matrix kind, one array per summary, one entry per hidden layer; diagonal ones for square matrices only. */
    private static Map<String, Object> summaries(List<MatrixSummary> layers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fro", layers.stream().mapToDouble(MatrixSummary::frobenius).toArray());
        m.put("mean_abs", layers.stream().mapToDouble(MatrixSummary::meanAbs).toArray());
        m.put("max_abs", layers.stream().mapToDouble(MatrixSummary::maxAbs).toArray());
        if (layers.stream().allMatch(MatrixSummary::square)) {
            m.put("diag_mean", layers.stream().mapToDouble(MatrixSummary::diagMean).toArray());
            m.put("offdiag_mean_abs", layers.stream().mapToDouble(MatrixSummary::offDiagMeanAbs).toArray());
        }
        return m;
    }

    /** Each hidden layer's teacher × student correlation matrix (row-major), for heat maps. */
    static Map<String, Object> correlations(Evaluation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", e.trial());
        m.put("epoch", e.epoch());
        m.put("split", e.split());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (BestMatch layer : e.layers()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("teacher_nodes", layer.teacherNodes());
            l.put("student_nodes", layer.studentNodes());
            l.put("best_student", layer.bestStudent());
            l.put("correlations", layer.correlations());
            layers.add(l);
        }
        m.put("layers", layers);
        return m;
    }

    static String toJson(Object value) {
        return GSON.toJson(value);
    }

    static String toPrettyJson(Object value) {
        return PRETTY.toJson(value);
    }
}
