package org.relukit.workload;

import java.util.ArrayList;
import java.util.List;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;
import org.relukit.stats.BestMatch;

/**
 * Measures a student against its teacher on the first {@code samples} rows of a data set
 * (SPEC §1 "What is measured"): the output loss and, per hidden layer, the correlation of every
 * teacher node's post-ReLU activations with every student node's.
 */
final class Evaluator implements AutoCloseable {
    private final Backend backend;
    private final Network teacher;
    private final Network student;
    private final int samples;
    private final Tensor x, teacherOut, studentOut, gradOut;
    private final Tensor[] teacherHidden, studentHidden, correlations;
    private final float[][] correlationsHost;

    Evaluator(Backend backend, Network teacher, Network student, int samples) {
        this.backend = backend;
        this.teacher = teacher;
        this.student = student;
        this.samples = samples;
        int out = student.width(student.hiddenCount());
        x = backend.allocate(samples, student.widths()[0]);
        teacherOut = backend.allocate(samples, out);
        studentOut = backend.allocate(samples, out);
        gradOut = backend.allocate(samples, out);
        teacherHidden = teacher.allocateHidden(samples);
        studentHidden = student.allocateHidden(samples);
        correlations = new Tensor[student.hiddenCount()];
        correlationsHost = new float[student.hiddenCount()][];
        for (int l = 0; l < correlations.length; l++) {
            correlations[l] = backend.allocate(teacher.width(l), student.width(l));
            correlationsHost[l] = new float[correlations[l].size()];
        }
    }

    Evaluation evaluate(Tensor data, int trial, int epoch, String split, double stepsPerSecond) {
        backend.copyRows(data, 0, x, 0, samples);
        teacher.forward(x, teacherHidden, teacherOut);
        student.forward(x, studentHidden, studentOut);
        float loss = backend.mseLoss(studentOut, teacherOut, gradOut);
        List<BestMatch> layers = new ArrayList<>();
        for (int l = 0; l < correlations.length; l++) {
            backend.correlation(teacherHidden[l], studentHidden[l], correlations[l]);
            backend.download(correlations[l], correlationsHost[l]);
            layers.add(BestMatch.of(correlationsHost[l], teacher.width(l), student.width(l)));
        }
        return new Evaluation(trial, epoch, split, loss, List.copyOf(layers), stepsPerSecond);
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {x, teacherOut, studentOut, gradOut}) {
            t.close();
        }
        for (Tensor[] group : new Tensor[][] {teacherHidden, studentHidden, correlations}) {
            for (Tensor t : group) {
                t.close();
            }
        }
    }
}
