package org.relukit.matrix;

import org.relukit.backend.HostNorms;
import org.relukit.nn.Initialisation;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** The teacher and the student of the matrix form (docs/math.md#matrix-experiment), on the host, in the folded layout. */
public final class MatrixInit {
    private MatrixInit() {}

    /**
     * Teacher layer i: "separate" rows of shape {@code ks[i+1] × ks[i]}, transposed, a bias row of
     * {@code -bias}, then every column scaled to unit L2 norm. Unlike the seed, whose teacher came
     * from an unseeded generator, it is drawn from {@code rng}, so a run is reproducible.
     */
    public static List<FoldedLayer> teacher(MatrixConfig config, RandomGenerator rng) {
        List<FoldedLayer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < config.ks().size(); i++) {
            int nIn = config.ks().get(i), nOut = config.ks().get(i + 1);
            float[] rows = Initialisation.separateRows(rng, nOut, nIn);
            float[] w = new float[(nIn + 1) * nOut];
            for (int j = 0; j < nOut; j++) {
                for (int p = 0; p < nIn; p++) {
                    w[p * nOut + j] = rows[j * nIn + p];
                }
                w[nIn * nOut + j] = (float) -config.bias();
            }
            HostNorms.normalizeColumns(w, nIn + 1, nOut);
            layers.add(new FoldedLayer(nIn, nOut, w));
        }
        return layers;
    }

    /**
     * Student layer i: N(0, init_std²) weights over the student widths; with {@code --perturb} the
     * teacher's block is added into the first columns (its input rows into the first input rows,
     * its bias row into the bias row); with {@code --init_neg_teacher} each column beyond the
     * teacher's count loses a randomly picked teacher column, laid out the same way (the seed
     * subtracted whole columns, which only fit when the two layers have as many inputs); then every
     * column is scaled to unit norm (a zero column stays zero).
     */
    public static List<FoldedLayer> student(MatrixConfig config, List<FoldedLayer> teacher, RandomGenerator rng) {
        List<Integer> widths = config.studentWidths();
        List<FoldedLayer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.size(); i++) {
            int nIn = widths.get(i), nOut = widths.get(i + 1);
            float[] w = Initialisation.gaussian(rng, (nIn + 1) * nOut, config.initStd());
            FoldedLayer t = teacher.get(i);
            if (config.perturb()) {
                for (int j = 0; j < t.outputs(); j++) {
                    addTeacherColumn(w, nIn, nOut, j, t, j, 1f);
                }
            }
            if (config.initNegTeacher()) {
                for (int j = t.outputs(); j < nOut; j++) {
                    addTeacherColumn(w, nIn, nOut, j, t, rng.nextInt(t.outputs()), -1f);
                }
            }
            HostNorms.normalizeColumns(w, nIn + 1, nOut);
            layers.add(new FoldedLayer(nIn, nOut, w));
        }
        return layers;
    }

    /** Student column j += sign · teacher column kk, input row p onto input row p, bias onto bias. */
    private static void addTeacherColumn(float[] w, int nIn, int nOut, int j, FoldedLayer t, int kk, float sign) {
        for (int p = 0; p < t.inputs(); p++) {
            w[p * nOut + j] += sign * t.get(p, kk);
        }
        w[nIn * nOut + j] += sign * t.get(t.inputs(), kk);
    }
}
