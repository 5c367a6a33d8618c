package org.relukit.stats;

import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * Measures a student against its teacher on {@code samples} rows of a data set
 * (docs/math.md#evaluation-and-correlation): the output loss and, per hidden layer, the correlation of every
 * teacher node's activations with every student node's (for a conv layer: of every teacher
 * channel's with every student channel's, over samples and positions). Both networks run in eval mode (BatchNorm
 * on its running statistics), as the seed's {@code get_stats} does. Optionally also the weights'
 * drift from the initialisation ({@code --stats_w}) and the H and β matrices ({@code --stats_H}).
 */
public final class Evaluator implements AutoCloseable {
    private final Backend backend;
    private final Network teacher;
    private final Network student;
    private final int samples;
    private final Tensor x, teacherOut, studentOut, gradOut;
    private final Network.Activations teacherActs, studentActs;
    private final Tensor[] correlations;
    /** Per conv layer, its activations one row per (sample, position) and one column per channel; null entries for FC layers. */
    private final Tensor[] teacherRows, studentRows;
    private final float[][] correlationsHost;
    /** The student's outputs for {@link #accuracy}. */
    private final float[] outputsHost;
    /** The student's weights at initialisation; null without --stats_w. */
    private final List<Layer> initialStudent;
    /** Null without --stats_H. */
    private final RelationMatrices relations;

    /**
     * The correlations and the loss of a teacher and a student of your own, on {@code samples}
     * rows at a time; close it to free its tensors (the networks stay the caller's).
     *
     * @throws IllegalArgumentException if {@code samples < 2} or the networks' widths differ
     */
    public Evaluator(Backend backend, Network teacher, Network student, int samples) {
        this(backend, teacher, student, samples, null, false);
    }

    /**
     * @param samples        rows per evaluation; a correlation needs at least 2
     * @param initialStudent the student's weights at initialisation for {@code --stats_w}, or null
     * @param statsH         compute {@code --stats_H}
     * @throws IllegalArgumentException if {@code samples < 2}, or teacher and student differ in their
     *                                  input or output width or in their number of hidden layers
     */
    public Evaluator(Backend backend, Network teacher, Network student, int samples, List<Layer> initialStudent, boolean statsH) {
        int[] t = teacher.widths(), s = student.widths();
        if (t.length != s.length || t[0] != s[0] || t[t.length - 1] != s[s.length - 1]) {
            throw new IllegalArgumentException("teacher " + Arrays.toString(t) + " and student "
                    + Arrays.toString(s) + " need the same input and output widths and as many hidden layers");
        }
        if (samples < 2) {
            throw new IllegalArgumentException("an evaluation needs at least 2 samples for a correlation, got " + samples);
        }
        this.backend = backend;
        this.teacher = teacher;
        this.student = student;
        this.samples = samples;
        this.initialStudent = initialStudent == null ? null : List.copyOf(initialStudent);
        int out = student.width(student.hiddenCount());
        x = backend.allocate(samples, student.widths()[0]);
        teacherOut = backend.allocate(samples, out);
        studentOut = backend.allocate(samples, out);
        gradOut = backend.allocate(samples, out);
        outputsHost = new float[samples * out];
        teacherActs = teacher.allocateActivations(samples);
        studentActs = student.allocateActivations(samples);
        correlations = new Tensor[student.hiddenCount()];
        correlationsHost = new float[student.hiddenCount()][];
        teacherRows = new Tensor[student.hiddenCount()];
        studentRows = new Tensor[student.hiddenCount()];
        for (int l = 0; l < correlations.length; l++) {
            correlations[l] = backend.allocate(teacher.nodes(l), student.nodes(l));
            correlationsHost[l] = new float[correlations[l].size()];
            if (student.isConv(l)) {
                int positions = student.width(l) / student.nodes(l);
                teacherRows[l] = backend.allocate(samples * positions, teacher.nodes(l));
                studentRows[l] = backend.allocate(samples * positions, student.nodes(l));
            }
        }
        relations = statsH ? new RelationMatrices(backend, student, teacher, samples) : null;
    }

    /**
     * Measures on the first {@code samples} rows of {@code data}; {@code trial}, {@code epoch},
     * {@code split} and {@code stepsPerSecond} only label the result, as recon's metrics lines do.
     */
    public Evaluation evaluate(Tensor data, int trial, int epoch, String split, double stepsPerSecond) {
        backend.copyRows(data, 0, x, 0, samples);
        return measure(trial, epoch, split, stepsPerSecond);
    }

    /**
     * Measures on the rows {@code rows[0 .. samples)} of {@code data}, in that order: the first
     * batches of a shuffled loader, as the original evaluates.
     */
    public Evaluation evaluate(Tensor data, int[] rows, int trial, int epoch, String split, double stepsPerSecond) {
        if (rows.length < samples) {
            throw new IllegalArgumentException(rows.length + " rows for an evaluation of " + samples + " samples");
        }
        for (int i = 0; i < samples; i++) {
            backend.copyRows(data, rows[i], x, i, 1);
        }
        return measure(trial, epoch, split, stepsPerSecond);
    }

    private Evaluation measure(int trial, int epoch, String split, double stepsPerSecond) {
        teacher.forward(x, teacherActs, teacherOut, false);
        student.forward(x, studentActs, studentOut, false);
        float loss = backend.mseLoss(studentOut, teacherOut, gradOut);
        List<BestMatch> layers = new ArrayList<>();
        for (int l = 0; l < correlations.length; l++) {
            Tensor t = teacherActs.hidden(l), s = studentActs.hidden(l);
            if (student.isConv(l)) {
                // A channel's observations are its values at every position of every sample.
                backend.channelsToRows(t, teacher.nodes(l), teacherRows[l]);
                backend.channelsToRows(s, student.nodes(l), studentRows[l]);
                t = teacherRows[l];
                s = studentRows[l];
            }
            backend.correlation(t, s, correlations[l]);
            backend.download(correlations[l], correlationsHost[l]);
            layers.add(BestMatch.of(correlationsHost[l], teacher.nodes(l), student.nodes(l)));
        }
        List<WeightDrift> drift = new ArrayList<>();
        if (initialStudent != null) {
            List<Layer> now = student.download();
            for (int l = 0; l < now.size(); l++) {
                drift.add(WeightDrift.of(now.get(l), initialStudent.get(l)));
            }
        }
        RelationStats relationStats = null;
        if (relations != null) {
            relations.compute(studentActs, teacherActs);
            relationStats = relations.summary();
        }
        return new Evaluation(trial, epoch, split, loss, List.copyOf(layers), stepsPerSecond, drift, relationStats, null);
    }

    /**
     * The fraction of the rows of {@code data} whose student output is largest at the index
     * {@code labels} gives, the student in eval mode, {@code samples} rows at a time.
     */
    public double accuracy(Tensor data, int[] labels) {
        int outputs = studentOut.cols(), correct = 0;
        for (int start = 0; start < labels.length; start += samples) {
            int count = Math.min(samples, labels.length - start);
            // A short last chunk leaves the rows below it stale; eval mode treats every row alone, and they are not read.
            backend.copyRows(data, start, x, 0, count);
            student.forward(x, studentActs, studentOut, false);
            backend.download(studentOut, outputsHost);
            for (int r = 0; r < count; r++) {
                int best = 0;
                for (int o = 1; o < outputs; o++) {
                    if (outputsHost[r * outputs + o] > outputsHost[r * outputs + best]) {
                        best = o;
                    }
                }
                if (best == labels[start + r]) {
                    correct++;
                }
            }
        }
        return (double) correct / labels.length;
    }

    /** The H and β matrices of the last evaluation (tests); null without --stats_H. */
    RelationMatrices relations() {
        return relations;
    }

    /** The activations of the last evaluation's forward (tests). */
    Network.Activations studentActivations() {
        return studentActs;
    }

    Network.Activations teacherActivations() {
        return teacherActs;
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, teacherOut, studentOut, gradOut}) {
            t.close();
        }
        teacherActs.close();
        studentActs.close();
        for (Tensor[] group : new Tensor[][] {correlations, teacherRows, studentRows}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.close();
                }
            }
        }
        if (relations != null) {
            relations.close();
        }
    }
}
