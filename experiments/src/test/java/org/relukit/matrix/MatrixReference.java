package org.relukit.matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * docs/math.md#matrix-experiment in float64, written the seed's way, independent of the folded layout: explicit
 * concatenation of the ones column, explicit dropping of the bias row and column, plain loops.
 * Matrices are {@code double[rows][cols]}.
 */
final class MatrixReference {
    /** Inputs of every layer (activations with their ones column) and every hidden gate (ones column included). */
    final List<double[][]> studentIn = new ArrayList<>(), teacherIn = new ArrayList<>();
    final List<double[][]> studentGate = new ArrayList<>(), teacherGate = new ArrayList<>();
    /** Pre-activations of every layer, ones column left out. */
    final List<double[][]> studentPre = new ArrayList<>(), teacherPre = new ArrayList<>();
    final double[][][] l, lStar, h, hStar, beta, betaStar, deltaW;
    final double[][] pred, predStar;

    MatrixReference(List<FoldedLayer> student, List<FoldedLayer> teacher, double[][] x) {
        int layers = student.size(), n = x.length;
        double[][] s = x, t = x;
        double[][] ps = null, pt = null;
        for (int k = 0; k < layers; k++) {
            studentIn.add(s);
            teacherIn.add(t);
            double[][] zs = mul(s, matrix(student.get(k))), zt = mul(t, matrix(teacher.get(k)));
            studentPre.add(zs);
            teacherPre.add(zt);
            double[][][] fs = forward(zs), ft = forward(zt);
            s = fs[0];
            t = ft[0];
            if (k + 1 < layers) {
                studentGate.add(fs[1]);
                teacherGate.add(ft[1]);
            }
        }
        pred = s;
        predStar = t;

        l = new double[layers][][];
        lStar = new double[layers][][];
        for (int k = 0; k < layers; k++) {
            l[k] = scale(mul(transpose(studentIn.get(k)), studentIn.get(k)), 1.0 / n);
            lStar[k] = scale(mul(transpose(studentIn.get(k)), teacherIn.get(k)), 1.0 / n);
        }
        h = new double[layers][][];
        hStar = new double[layers][][];
        beta = new double[layers][][];
        betaStar = new double[layers][][];
        int out = student.get(layers - 1).outputs();
        h[layers - 1] = identity(out);
        hStar[layers - 1] = identity(out);
        for (int k = layers - 2; k >= 0; k--) {
            double[][] w = matrix(student.get(k + 1)), wStar = matrix(teacher.get(k + 1));
            double[][] b = mul(mul(w, h[k + 1]), transpose(w));
            double[][] bStar = mul(mul(w, hStar[k + 1]), transpose(wStar));
            double[][] gs = studentGate.get(k), gt = teacherGate.get(k);
            double[][] hk = hadamard(b, scale(mul(transpose(gs), gs), 1.0 / n));
            double[][] hkStar = hadamard(bStar, scale(mul(transpose(gs), gt), 1.0 / n));
            beta[k] = dropLast(b);
            betaStar[k] = dropLast(bStar);
            h[k] = dropLast(hk);
            hStar[k] = dropLast(hkStar);
        }
        deltaW = new double[layers][][];
        for (int k = 0; k < layers; k++) {
            double[][] teacherTerm = mul(mul(lStar[k], matrix(teacher.get(k))), transpose(hStar[k]));
            double[][] studentTerm = mul(mul(l[k], matrix(student.get(k))), transpose(h[k]));
            deltaW[k] = subtract(teacherTerm, studentTerm);
        }
    }

    /** The seed's loss {@code ||pred − pred*|| / N}. */
    double loss() {
        double sq = 0;
        for (int i = 0; i < pred.length; i++) {
            for (int j = 0; j < pred[i].length; j++) {
                sq += (pred[i][j] - predStar[i][j]) * (pred[i][j] - predStar[i][j]);
            }
        }
        return Math.sqrt(sq) / pred.length;
    }

    /** {@code [relu(z), 1]} and {@code [(z > 0), 1]}. */
    static double[][][] forward(double[][] z) {
        int rows = z.length, cols = z[0].length;
        double[][] f = new double[rows][cols + 1], g = new double[rows][cols + 1];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                g[i][j] = z[i][j] > 0 ? 1 : 0;
                f[i][j] = g[i][j] * z[i][j];
            }
            f[i][cols] = 1;
            g[i][cols] = 1;
        }
        return new double[][][] {f, g};
    }

    static double[][] matrix(FoldedLayer layer) {
        double[][] m = new double[layer.rows()][layer.outputs()];
        for (int i = 0; i < layer.rows(); i++) {
            for (int j = 0; j < layer.outputs(); j++) {
                m[i][j] = layer.get(i, j);
            }
        }
        return m;
    }

    static double[][] matrix(float[] flat, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = flat[i * cols + j];
            }
        }
        return m;
    }

    static double[][] mul(double[][] a, double[][] b) {
        int m = a.length, k = b.length, n = b[0].length;
        if (a[0].length != k) {
            throw new IllegalArgumentException(m + "x" + a[0].length + " times " + k + "x" + n);
        }
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += a[i][p] * b[p][j];
                }
            }
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] scale(double[][] a, double s) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = s * a[i][j];
            }
        }
        return c;
    }

    static double[][] hadamard(double[][] a, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] * b[i][j];
            }
        }
        return c;
    }

    static double[][] subtract(double[][] a, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] - b[i][j];
            }
        }
        return c;
    }

    static double[][] add(double[][] a, double[][] b, double s) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] + s * b[i][j];
            }
        }
        return c;
    }

    static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    /** The seed's {@code A[:-1, :-1]}. */
    static double[][] dropLast(double[][] a) {
        double[][] c = new double[a.length - 1][a[0].length - 1];
        for (int i = 0; i < c.length; i++) {
            System.arraycopy(a[i], 0, c[i], 0, c[i].length);
        }
        return c;
    }

    /** {@code ||out − ref|| / ||ref||} over all entries. */
    static double relativeError(double[][] out, double[][] ref) {
        if (out.length != ref.length || out[0].length != ref[0].length) {
            throw new AssertionError("shape " + out.length + "x" + out[0].length + " vs " + ref.length + "x" + ref[0].length);
        }
        double diff = 0, norm = 0;
        for (int i = 0; i < ref.length; i++) {
            for (int j = 0; j < ref[0].length; j++) {
                diff += (out[i][j] - ref[i][j]) * (out[i][j] - ref[i][j]);
                norm += ref[i][j] * ref[i][j];
            }
        }
        return Math.sqrt(diff / norm);
    }

    /** Smallest |pre-activation| over every layer of both nets: how far the batch is from a gate flip. */
    double smallestMargin() {
        double min = Double.POSITIVE_INFINITY;
        for (List<double[][]> pre : List.of(studentPre, teacherPre)) {
            for (double[][] z : pre) {
                for (double[] row : z) {
                    for (double v : row) {
                        min = Math.min(min, Math.abs(v));
                    }
                }
            }
        }
        return min;
    }
}
