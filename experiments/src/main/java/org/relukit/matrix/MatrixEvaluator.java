package org.relukit.matrix;

import org.relukit.stats.BestMatch;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * docs/math.md#matrix-experiment's evaluation on a batch of fresh samples: per hidden layer, every teacher node's best
 * correlation with a student node, and the loss {@code ||pred − pred*|| / N}.
 */
final class MatrixEvaluator implements AutoCloseable {
    private final Backend backend;
    private final FoldedNetwork student;
    private final FoldedNetwork teacher;
    private final int samples;
    private final Tensor x, lossGrad;
    private final Tensor[] studentPre, studentGate, studentOut, teacherPre, teacherGate, teacherOut;
    private final Tensor[] correlations;
    /** Correlations as downloaded, ones columns included, and without them. */
    private final float[][] downloaded, compact;

    MatrixEvaluator(Backend backend, FoldedNetwork student, FoldedNetwork teacher, int samples) {
        this.backend = backend;
        this.student = student;
        this.teacher = teacher;
        this.samples = samples;
        int layers = student.layerCount();
        x = backend.allocate(samples, student.width(0) + 1);
        studentPre = student.allocateOutputs(samples);
        studentGate = student.allocateOutputs(samples);
        studentOut = student.allocateOutputs(samples);
        teacherPre = teacher.allocateOutputs(samples);
        teacherGate = teacher.allocateOutputs(samples);
        teacherOut = teacher.allocateOutputs(samples);
        lossGrad = backend.allocate(samples, student.width(layers) + 1);
        correlations = new Tensor[layers - 1];
        downloaded = new float[layers - 1][];
        compact = new float[layers - 1][];
        for (int k = 0; k < layers - 1; k++) {
            int kt = teacher.width(k + 1), ks = student.width(k + 1);
            correlations[k] = backend.allocate(kt + 1, ks + 1);
            downloaded[k] = new float[(kt + 1) * (ks + 1)];
            compact[k] = new float[kt * ks];
        }
    }

    /**
     * Measures on {@code data[samples × (ks[0] + 1)]} (ones last), filling {@code best} (one per
     * hidden layer); returns the evaluation loss.
     */
    float evaluate(float[] data, BestMatch[] best) {
        int layers = student.layerCount();
        backend.upload(data, x);
        student.forward(x, layers, studentPre, studentGate, studentOut);
        teacher.forward(x, layers, teacherPre, teacherGate, teacherOut);
        for (int k = 0; k < layers - 1; k++) {
            // The ones columns centre to zero, so they correlate 0 with everything; they are cut
            // before the row maxima so a teacher node whose correlations are all negative keeps its
            // negative best, as in the seed.
            backend.correlation(teacherOut[k], studentOut[k], correlations[k]);
            backend.download(correlations[k], downloaded[k]);
            int kt = teacher.width(k + 1), ks = student.width(k + 1);
            for (int a = 0; a < kt; a++) {
                System.arraycopy(downloaded[k], a * (ks + 1), compact[k], a * ks, ks);
            }
            best[k] = BestMatch.of(compact[k], kt, ks);
        }
        double mean = backend.mseLoss(studentOut[layers - 1], teacherOut[layers - 1], lossGrad);
        return (float) (Math.sqrt(mean * lossGrad.size()) / samples);
    }

    @Override
    public void close() {
        x.close();
        lossGrad.close();
        for (Tensor[] group : new Tensor[][] {studentPre, studentGate, studentOut, teacherPre, teacherGate, teacherOut,
                correlations}) {
            for (Tensor t : group) {
                t.close();
            }
        }
    }
}
