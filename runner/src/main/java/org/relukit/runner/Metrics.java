package org.relukit.runner;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.relukit.stats.BestMatch;
import org.relukit.workload.Evaluation;

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
