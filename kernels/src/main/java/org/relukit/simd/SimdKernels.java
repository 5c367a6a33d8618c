package org.relukit.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels over row-major arrays. Every matrix product of the workload is one call of
 * {@link #gemm}: {@code c = epilogue(a · b)} with {@code b} read row-major with row stride
 * {@code ldb}, so weights and activations are used where they lie; only the forward layer needs
 * its weights transposed first ({@link #transpose}). The last partial vector of a row is loaded
 * and stored under a mask. The epilogue (scale, accumulate, bias, ReLU, gate) is applied in
 * registers before the single store, which is what fuses the forward layer and the SGD update.
 */
final class SimdKernels {
    private static final VectorSpecies<Float> S = SimdSpecies.FLOAT;
    private static final int V = S.length();

    /** Rows of the register-blocked micro-kernel; it holds 4 rows × 2 vectors of accumulators. */
    static final int MR = 4;

    private SimdKernels() {}

    /**
     * {@code t[p][j] = w[j][p]} for a row-major {@code w[n × k]}. Eight rows are read side by
     * side so the writes are runs of eight floats rather than single floats a whole row apart.
     */
    static void transpose(float[] w, int n, int k, float[] t) {
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            int r = j * k;
            for (int p = 0, o = j; p < k; p++, o += n) {
                t[o] = w[r + p];
                t[o + 1] = w[r + k + p];
                t[o + 2] = w[r + 2 * k + p];
                t[o + 3] = w[r + 3 * k + p];
                t[o + 4] = w[r + 4 * k + p];
                t[o + 5] = w[r + 5 * k + p];
                t[o + 6] = w[r + 6 * k + p];
                t[o + 7] = w[r + 7 * k + p];
            }
        }
        for (; j < n; j++) {
            for (int p = 0; p < k; p++) {
                t[p * n + j] = w[j * k + p];
            }
        }
    }

    /**
     * Rows {@code [rowFrom, rowTo)} of {@code c[m × n] = alpha·(a·b) + beta·c (+ bias) (ReLU) (⊙ gate>0)}.
     * {@code a} is read as {@code a[i·aRow + p·aCol]}, so a transposed left operand costs nothing;
     * {@code b} as {@code b[p·ldb + j]}. Each register tile is scaled and accumulated in registers,
     * stored once, and finished (bias, ReLU, gate) while it is still in L1.
     */
    static void gemm(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int rowFrom, int rowTo, int n,
                     int k, float alpha, float beta, float[] bias, boolean relu, float[] gate) {
        boolean finish = bias != null || relu || gate != null;
        int j = 0;
        for (; j + 2 * V <= n; j += 2 * V) {
            int i = rowFrom;
            for (; i + MR <= rowTo; i += MR) {
                tile4x2(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, MR, j, 2 * V, n, bias, relu, gate);
                }
            }
            for (; i < rowTo; i++) {
                tile1x2(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, 1, j, 2 * V, n, bias, relu, gate);
                }
            }
        }
        if (j + V <= n) {
            int i = rowFrom;
            for (; i + MR <= rowTo; i += MR) {
                tile4x1(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, MR, j, V, n, bias, relu, gate);
                }
            }
            for (; i < rowTo; i++) {
                tile1x1(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, 1, j, V, n, bias, relu, gate);
                }
            }
            j += V;
        }
        if (j < n) {
            int i = rowFrom;
            for (; i + MR <= rowTo; i += MR) {
                tile4x1Tail(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, MR, j, n - j, n, bias, relu, gate);
                }
            }
            for (; i < rowTo; i++) {
                tile1x1Tail(a, aRow, aCol, b, ldb, c, i, j, n, k, alpha, beta);
                if (finish) {
                    finish(c, i, 1, j, n - j, n, bias, relu, gate);
                }
            }
        }
    }

    private static void tile4x2(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0, ap = 0, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        int o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        if (alpha != 1f) {
            c00 = c00.mul(alpha);
            c01 = c01.mul(alpha);
            c10 = c10.mul(alpha);
            c11 = c11.mul(alpha);
            c20 = c20.mul(alpha);
            c21 = c21.mul(alpha);
            c30 = c30.mul(alpha);
            c31 = c31.mul(alpha);
        }
        if (beta != 0f) {
            c00 = FloatVector.fromArray(S, c, o0).mul(beta).add(c00);
            c01 = FloatVector.fromArray(S, c, o0 + V).mul(beta).add(c01);
            c10 = FloatVector.fromArray(S, c, o1).mul(beta).add(c10);
            c11 = FloatVector.fromArray(S, c, o1 + V).mul(beta).add(c11);
            c20 = FloatVector.fromArray(S, c, o2).mul(beta).add(c20);
            c21 = FloatVector.fromArray(S, c, o2 + V).mul(beta).add(c21);
            c30 = FloatVector.fromArray(S, c, o3).mul(beta).add(c30);
            c31 = FloatVector.fromArray(S, c, o3 + V).mul(beta).add(c31);
        }
        c00.intoArray(c, o0);
        c01.intoArray(c, o0 + V);
        c10.intoArray(c, o1);
        c11.intoArray(c, o1 + V);
        c20.intoArray(c, o2);
        c21.intoArray(c, o2 + V);
        c30.intoArray(c, o3);
        c31.intoArray(c, o3 + V);
    }

    private static void tile1x2(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        for (int p = 0, ap = i * aRow, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c0 = x.fma(FloatVector.fromArray(S, b, bo), c0);
            c1 = x.fma(FloatVector.fromArray(S, b, bo + V), c1);
        }
        int o = i * n + j;
        c0 = c0.mul(alpha);
        c1 = c1.mul(alpha);
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, o).mul(beta).add(c0);
            c1 = FloatVector.fromArray(S, c, o + V).mul(beta).add(c1);
        }
        c0.intoArray(c, o);
        c1.intoArray(c, o + V);
    }

    /** One vector of columns, four rows: what is left of a row after the double-vector blocks. */
    private static void tile4x1(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0, ap = 0, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
        }
        int o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        c0 = c0.mul(alpha);
        c1 = c1.mul(alpha);
        c2 = c2.mul(alpha);
        c3 = c3.mul(alpha);
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, o0).mul(beta).add(c0);
            c1 = FloatVector.fromArray(S, c, o1).mul(beta).add(c1);
            c2 = FloatVector.fromArray(S, c, o2).mul(beta).add(c2);
            c3 = FloatVector.fromArray(S, c, o3).mul(beta).add(c3);
        }
        c0.intoArray(c, o0);
        c1.intoArray(c, o1);
        c2.intoArray(c, o2);
        c3.intoArray(c, o3);
    }

    /**
     * The last, partial vector of columns: loads and stores under a mask, so b needs no padding.
     * The mask is made here: passed in, it would be a boxed object. Kept small so C1 and C2 both
     * compile it (a two-vector masked tile ran out of C1's registers and stayed interpreted).
     */
    private static void tile4x1Tail(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                    int n, int k, float alpha, float beta) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int a0 = i * aRow, a1 = a0 + aRow, a2 = a1 + aRow, a3 = a2 + aRow;
        for (int p = 0, ap = 0, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo, m);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(b0, c3);
        }
        int o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        c0 = c0.mul(alpha);
        c1 = c1.mul(alpha);
        c2 = c2.mul(alpha);
        c3 = c3.mul(alpha);
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, o0, m).mul(beta).add(c0);
            c1 = FloatVector.fromArray(S, c, o1, m).mul(beta).add(c1);
            c2 = FloatVector.fromArray(S, c, o2, m).mul(beta).add(c2);
            c3 = FloatVector.fromArray(S, c, o3, m).mul(beta).add(c3);
        }
        c0.intoArray(c, o0, m);
        c1.intoArray(c, o1, m);
        c2.intoArray(c, o2, m);
        c3.intoArray(c, o3, m);
    }

    private static void tile1x1(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                int n, int k, float alpha, float beta) {
        FloatVector c0 = FloatVector.zero(S);
        for (int p = 0, ap = i * aRow, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            c0 = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, b, bo), c0);
        }
        int o = i * n + j;
        c0 = c0.mul(alpha);
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, o).mul(beta).add(c0);
        }
        c0.intoArray(c, o);
    }

    private static void tile1x1Tail(float[] a, int aRow, int aCol, float[] b, int ldb, float[] c, int i, int j,
                                    int n, int k, float alpha, float beta) {
        VectorMask<Float> m = S.indexInRange(j, n);
        FloatVector c0 = FloatVector.zero(S);
        for (int p = 0, ap = i * aRow, bo = j; p < k; p++, ap += aCol, bo += ldb) {
            c0 = FloatVector.broadcast(S, a[ap]).fma(FloatVector.fromArray(S, b, bo, m), c0);
        }
        int o = i * n + j;
        c0 = c0.mul(alpha);
        if (beta != 0f) {
            c0 = FloatVector.fromArray(S, c, o, m).mul(beta).add(c0);
        }
        c0.intoArray(c, o, m);
    }

    /**
     * The rest of the epilogue on a just-stored tile ({@code rows × cols} at (i, j)): bias, ReLU,
     * gate. A method of its own over the array, not the registers: a call that took vectors would
     * box them, and inlined into every tile it would exceed what C2 is willing to inline.
     */
    private static void finish(float[] c, int i, int rows, int j, int cols, int n,
                               float[] bias, boolean relu, float[] gate) {
        for (int r = i; r < i + rows; r++) {
            for (int q = j; q < j + cols; q += V) {
                VectorMask<Float> m = S.indexInRange(q, j + cols);
                int off = r * n + q;
                FloatVector v = FloatVector.fromArray(S, c, off, m);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, q, m));
                }
                if (relu) {
                    v = v.max(0f);
                }
                if (gate != null) {
                    v = v.blend(0f, FloatVector.fromArray(S, gate, off, m).compare(VectorOperators.LE, 0f));
                }
                v.intoArray(c, off, m);
            }
        }
    }

    /** z[i] = x[i] · y[i] for i < count. */
    static void hadamard(float[] x, float[] y, float[] z, int count) {
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector.fromArray(S, x, i).mul(FloatVector.fromArray(S, y, i)).intoArray(z, i);
        }
        for (; i < count; i++) {
            z[i] = x[i] * y[i];
        }
    }

    /** g[i] = (z[i] > 0) ? 1 : 0 for i < count. */
    static void gate(float[] z, float[] g, int count) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector.zero(S).blend(one, FloatVector.fromArray(S, z, i).compare(VectorOperators.GT, 0f)).intoArray(g, i);
        }
        for (; i < count; i++) {
            g[i] = z[i] > 0f ? 1f : 0f;
        }
    }

    /** Σ over rows of {@code dz[batch × n]}, into {@code out = beta·out + alpha·Σ}. */
    static void columnSums(float[] dz, int batch, int n, float[] out, float alpha, float beta) {
        int j = 0;
        for (; j < S.loopBound(n); j += V) {
            FloatVector sum = FloatVector.zero(S);
            for (int i = 0; i < batch; i++) {
                sum = sum.add(FloatVector.fromArray(S, dz, i * n + j));
            }
            FloatVector old = beta == 0f ? FloatVector.zero(S) : FloatVector.fromArray(S, out, j).mul(beta);
            old.add(sum.mul(alpha)).intoArray(out, j);
        }
        for (; j < n; j++) {
            float sum = 0f;
            for (int i = 0; i < batch; i++) {
                sum += dz[i * n + j];
            }
            out[j] = (beta == 0f ? 0f : beta * out[j]) + alpha * sum;
        }
    }

    /** dy = 2 (ys − yt) / count; returns the mean of (ys − yt)². */
    static float mseLoss(float[] ys, float[] yt, float[] dy, int count) {
        float scale = 2f / count;
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(count); i += V) {
            FloatVector d = FloatVector.fromArray(S, ys, i).sub(FloatVector.fromArray(S, yt, i));
            acc = d.fma(d, acc);
            d.mul(scale).intoArray(dy, i);
        }
        // Lanes summed in a fixed order: reduceLanes may associate differently once C2 compiles it,
        // which would make the same run print different losses.
        double sum = 0;
        for (int lane = 0; lane < V; lane++) {
            sum += acc.lane(lane);
        }
        for (; i < count; i++) {
            float d = ys[i] - yt[i];
            sum += d * d;
            dy[i] = scale * d;
        }
        return count == 0 ? 0f : (float) (sum / count);
    }

    /** Subtracts each column's mean in place and returns {@code rsqrt(Σ centred² + 1e-10)} per column. */
    static void centreColumns(float[] x, int rows, int cols, float[] mean, float[] invNorm) {
        java.util.Arrays.fill(mean, 0, cols, 0f);
        java.util.Arrays.fill(invNorm, 0, cols, 0f);
        for (int i = 0; i < rows; i++) {
            addRow(x, i * cols, mean, cols, 1f);
        }
        float inv = rows == 0 ? 0f : 1f / rows;
        for (int j = 0; j < cols; j++) {
            mean[j] *= inv;
        }
        for (int i = 0; i < rows; i++) {
            addRow(mean, 0, x, i * cols, cols, -1f);
            for (int j = 0; j < cols; j++) {
                float d = x[i * cols + j];
                invNorm[j] += d * d;
            }
        }
        for (int j = 0; j < cols; j++) {
            invNorm[j] = (float) (1 / Math.sqrt(invNorm[j] + 1e-10));
        }
    }

    private static void addRow(float[] src, int srcOff, float[] dst, int cols, float scale) {
        addRow(src, srcOff, dst, 0, cols, scale);
    }

    /** dst[dstOff + j] += scale · src[srcOff + j]. */
    private static void addRow(float[] src, int srcOff, float[] dst, int dstOff, int cols, float scale) {
        int j = 0;
        for (; j < S.loopBound(cols); j += V) {
            FloatVector.fromArray(S, src, srcOff + j).mul(scale).add(FloatVector.fromArray(S, dst, dstOff + j))
                    .intoArray(dst, dstOff + j);
        }
        for (; j < cols; j++) {
            dst[dstOff + j] += scale * src[srcOff + j];
        }
    }
}
