package org.relukit.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.relukit.runner.results.ReconRecord;
import org.relukit.runner.results.ReconRecord.RelationSummary;
import org.relukit.stats.BestMatch;
import org.relukit.stats.Evaluation;
import org.relukit.stats.MatrixSummary;
import org.relukit.stats.RelationStats;
import org.relukit.stats.WeightDrift;

/** Results in the form their files hold them: an evaluation as a metrics line, the final correlation matrices. */
final class Metrics {
    private Metrics() {}

    static ReconRecord of(Evaluation e) {
        List<WeightDrift> w = e.weightDrift();
        RelationStats r = e.relations();
        return new ReconRecord(e.trial(), e.epoch(), null, null, e.split(), e.loss(), e.accuracy(), e.bestCorrMin(), e.bestCorrMean(),
                e.bestCorrMax(),
                drift(w, WeightDrift::norm), drift(w, WeightDrift::rms), drift(w, WeightDrift::driftRms),
                drift(w, WeightDrift::driftRel), drift(w, WeightDrift::colDriftRelMin),
                drift(w, WeightDrift::colDriftRelMean), drift(w, WeightDrift::colDriftRelMax),
                r == null ? null : summaries(r.hStudentTeacher()), r == null ? null : summaries(r.hStudentStudent()),
                r == null ? null : summaries(r.betaStudentTeacher()), r == null ? null : summaries(r.betaStudentStudent()));
    }

    /** --stats_w: one entry per student layer (the output layer last); absent when off. */
    private static double[] drift(List<WeightDrift> layers, ToDoubleFunction<WeightDrift> quantity) {
        return layers.isEmpty() ? null : layers.stream().mapToDouble(quantity).toArray();
    }

    /** --stats_H: one entry per hidden layer; the diagonal summaries for square matrices only. */
    private static RelationSummary summaries(List<MatrixSummary> layers) {
        boolean square = layers.stream().allMatch(MatrixSummary::square);
        return new RelationSummary(column(layers, MatrixSummary::frobenius), column(layers, MatrixSummary::meanAbs),
                column(layers, MatrixSummary::maxAbs), square ? column(layers, MatrixSummary::diagMean) : null,
                square ? column(layers, MatrixSummary::offDiagMeanAbs) : null);
    }

    private static double[] column(List<MatrixSummary> layers, ToDoubleFunction<MatrixSummary> summary) {
        return layers.stream().mapToDouble(summary).toArray();
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
}
