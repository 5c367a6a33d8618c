package org.relukit.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transforms of Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin and Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2016), which turn a 3 × 3 convolution into 16 matrix products
 * with 4/9 of the patch matrix's multiply-adds. The outputs go in 2 × 2 tiles; tile (ti, tj) reads
 * the 4 × 4 block of the input from row 2·ti, column 2·tj, and each of the 16 points ξ = 4·q + p of
 * the transformed domain is a plane of its own, a matrix over tile × (channel or filter):
 * <pre>
 *   V = Bᵀ d B   (input block d, 4 × 4)       U = G g Gᵀ   (filter g, 3 × 3)
 *   M_ξ[t][n] = Σ_c V_ξ[t][c] · U_ξ[c][n]    y = Aᵀ M A   (2 × 2 outputs)
 * </pre>
 * and, for training, their adjoints: {@code dM = A dy Aᵀ}, {@code dV_ξ = dM_ξ · U_ξᵀ}, {@code dd = B dV Bᵀ}
 * (added back where d was read) and {@code dU_ξ = dM_ξᵀ · V_ξ}, {@code dg = Gᵀ dU G}. The matrices'
 * entries are 0, ±1 and ±½, so a transform only adds and halves. A tile past an odd output size
 * reads zeros and its extra outputs are dropped: the maps are padded to even sides.
 *
 * <p>The maps are channels last ({@code [position][ld]}, an image's maps transposed by the caller),
 * so every transform is the same few vector adds over a vector of channels at a time, and its loads
 * and stores are whole vectors; a transform of the channels one by one ran at ≈ 100 cycles a tile
 * (jmh/PERFORMANCE.md, entry 26). All {@link #lanes} lanes of a row are transformed: those past the
 * channels carry whatever the array held and are never read as channels. A group of images' tiles
 * are numbered image by image, then row by row: {@code t = first + ti·tw + tj}.
 */
final class Winograd {
    /** Points of the transformed 4 × 4 domain: the number of products per convolution. */
    static final int POINTS = 16;

    private static final VectorSpecies<Float> S = SimdSpecies.FLOAT;
    private static final int V = S.length();

    private Winograd() {}

    /** Tiles along an output side of {@code outputs} values. */
    static int tiles(int outputs) {
        return (outputs + 1) / 2;
    }

    /** The row stride of a channels-last array of n channels: whole vectors, padded as {@link SimdKernels#paddedStride}. */
    static int lanes(int n) {
        return SimdKernels.paddedStride(Math.ceilDiv(n, V) * V);
    }

    /** {@code u[ξ][n·nStride + c·cStride] = (G g Gᵀ)_ξ} for the 3 × 3 filter g of filter n on channel c of {@code w[N × C·9]}. */
    static void filters(float[] w, int filters, int channels, float[][] u, int nStride, int cStride) {
        for (int n = 0; n < filters; n++) {
            for (int c = 0; c < channels; c++) {
                int g = (n * channels + c) * 9, o = n * nStride + c * cStride;
                // G down each column of g (rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2), then along each row.
                float a0 = w[g], a1 = w[g + 1], a2 = w[g + 2];
                float b0 = w[g + 3], b1 = w[g + 4], b2 = w[g + 5];
                float c0 = w[g + 6], c1 = w[g + 7], c2 = w[g + 8];
                float s0 = 0.5f * (a0 + c0), s1 = 0.5f * (a1 + c1), s2 = 0.5f * (a2 + c2);
                filterRow(a0, a1, a2, u, 0, o);
                filterRow(s0 + 0.5f * b0, s1 + 0.5f * b1, s2 + 0.5f * b2, u, 4, o);
                filterRow(s0 - 0.5f * b0, s1 - 0.5f * b1, s2 - 0.5f * b2, u, 8, o);
                filterRow(c0, c1, c2, u, 12, o);
            }
        }
    }

    private static void filterRow(float h0, float h1, float h2, float[][] u, int point, int o) {
        float sum = 0.5f * (h0 + h2);
        u[point][o] = h0;
        u[point + 1][o] = sum + 0.5f * h1;
        u[point + 2][o] = sum - 0.5f * h1;
        u[point + 3][o] = h2;
    }

    /** A map side rounded up to whole tiles: the maps below are padded with zeros to even sides. */
    static int even(int side) {
        return side + (side & 1);
    }

    /** Floats of one image's maps laid out by {@link #channelsLast}. */
    static int channelsLastSize(int height, int width, int ld) {
        return even(height) * even(width) * ld;
    }

    /** Floats of the {@code tmp} scratch the tile transforms take, for rows of up to max(ldc, ldn) lanes. */
    static int tileScratchSize(int ldc, int ldn) {
        return POINTS * Math.max(ldc, ldn);
    }

    /**
     * {@code xt[(r·even(width) + s)·ld + c] = x[xOff + (c·height + r)·width + s]}, one image's maps
     * channels last, with zeros in the padding row and column of odd sides (so a tile past an odd
     * output size reads zeros, and no transform tests its edges).
     */
    static void channelsLast(float[] x, int xOff, int channels, int height, int width, float[] xt, int ld) {
        int pw = even(width), map = height * width;
        if (pw == width) {
            // One transpose of the whole maps: each channel's map is read as one run, which the
            // prefetcher follows; a transpose per map row ran 4× slower in the conv step.
            SimdKernels.transpose(x, xOff, channels, map, xt, 0, ld);
        } else {
            for (int r = 0; r < height; r++) {
                SimdKernels.transpose(x, xOff + r * width, channels, width, map, xt, r * pw * ld, ld);
                Arrays.fill(xt, (r * pw + width) * ld, (r + 1) * pw * ld, 0f);
            }
        }
        Arrays.fill(xt, height * pw * ld, even(height) * pw * ld, 0f);
    }

    /** The inverse of {@link #channelsLast}: the padding dropped, into {@code x[xOff + (c·height + r)·width + s]}. */
    static void channelsFirst(float[] xt, int ld, int channels, int height, int width, float[] x, int xOff) {
        int pw = even(width), map = height * width;
        if (pw == width) {
            SimdKernels.transpose(xt, 0, map, channels, ld, x, xOff, map);
        } else {
            for (int r = 0; r < height; r++) {
                SimdKernels.transpose(xt, r * pw * ld, width, channels, ld, x, xOff + r * width, map);
            }
        }
    }

    /**
     * {@code v[ξ][t·ld + c] = (Bᵀ d B)_ξ} for the th × tw tiles of one image whose maps lie channels
     * last in {@code xt} ({@link #channelsLast}), its first tile numbered {@code first}.
     */
    static void inputTiles(float[] xt, int th, int tw, int ld, int first, float[][] v, float[] tmp) {
        int row = (2 * tw + 2) * ld;
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = ti * 2 * row + 2 * tj * ld, out = (first + ti * tw + tj) * ld;
                for (int b = 0; b < 4; b++) {
                    // Bᵀ down column b: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
                    for (int c = 0, i = in + b * ld; c < ld; c += V, i += V) {
                        FloatVector d0 = at(xt, i), d1 = at(xt, i + row), d2 = at(xt, i + 2 * row), d3 = at(xt, i + 3 * row);
                        d0.sub(d2).intoArray(tmp, b * ld + c);
                        d1.add(d2).intoArray(tmp, (4 + b) * ld + c);
                        d2.sub(d1).intoArray(tmp, (8 + b) * ld + c);
                        d1.sub(d3).intoArray(tmp, (12 + b) * ld + c);
                    }
                }
                for (int q = 0; q < 4; q++) {
                    // Then B along row q, the same combinations.
                    float[] v0 = v[4 * q], v1 = v[4 * q + 1], v2 = v[4 * q + 2], v3 = v[4 * q + 3];
                    for (int c = 0, e = 4 * q * ld; c < ld; c += V, e += V) {
                        FloatVector e0 = at(tmp, e), e1 = at(tmp, e + ld), e2 = at(tmp, e + 2 * ld), e3 = at(tmp, e + 3 * ld);
                        e0.sub(e2).intoArray(v0, out + c);
                        e1.add(e2).intoArray(v1, out + c);
                        e2.sub(e1).intoArray(v2, out + c);
                        e1.sub(e3).intoArray(v3, out + c);
                    }
                }
            }
        }
    }

    private static FloatVector at(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    /**
     * The outputs from {@code m[ξ][t·ldm + n]}: {@code y = Aᵀ M A} plus {@code bias[n]} (padded to
     * ld lanes), then ReLU when asked, for one image's th × tw tiles from {@code first}, into
     * {@code yt} as {@link #channelsLast} lays out maps of 2·th × 2·tw.
     */
    static void outputTiles(float[][] m, int ldm, int first, int th, int tw, float[] bias, boolean relu,
                            float[] yt, int ld, float[] tmp) {
        int row = 2 * tw * ld;
        // max(v, −∞) is v, NaN included, so the ReLU is a choice of floor rather than a branch on a vector.
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = (first + ti * tw + tj) * ldm, out = ti * 2 * row + 2 * tj * ld;
                for (int p = 0; p < 4; p++) {
                    // Aᵀ down column p: m0 + m1 + m2 and m1 − m2 − m3.
                    float[] m0 = m[p], m1 = m[4 + p], m2 = m[8 + p], m3 = m[12 + p];
                    for (int n = 0, i = in; n < ld; n += V, i += V) {
                        FloatVector y1 = at(m1, i), y2 = at(m2, i);
                        at(m0, i).add(y1).add(y2).intoArray(tmp, p * ld + n);
                        y1.sub(y2).sub(at(m3, i)).intoArray(tmp, (4 + p) * ld + n);
                    }
                }
                for (int r = 0; r < 2; r++) {
                    // Then along row r, plus the bias.
                    for (int n = 0, e = 4 * r * ld, o = out + r * row; n < ld; n += V, e += V, o += V) {
                        FloatVector e0 = at(tmp, e), e1 = at(tmp, e + ld), e2 = at(tmp, e + 2 * ld), e3 = at(tmp, e + 3 * ld);
                        FloatVector b = at(bias, n);
                        e0.add(e1).add(e2).add(b).max(floor).intoArray(yt, o);
                        e1.sub(e2).sub(e3).add(b).max(floor).intoArray(yt, o + ld);
                    }
                }
            }
        }
    }

    /**
     * {@code dm[ξ][t·ld + n] = (A dy Aᵀ)_ξ} for one image's th × tw tiles of output gradients, laid
     * out by {@link #channelsLast} (so those past an odd size are zeros), its first tile numbered {@code first}.
     */
    static void outputGradTiles(float[] dyt, int th, int tw, int ld, int first, float[][] dm, float[] tmp) {
        int row = 2 * tw * ld;
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = ti * 2 * row + 2 * tj * ld, out = (first + ti * tw + tj) * ld;
                for (int s = 0; s < 2; s++) {
                    // A = [1 0; 1 1; 1 −1; 0 −1] down column s: y0, y0 + y1, y0 − y1, −y1.
                    for (int n = 0, i = in + s * ld; n < ld; n += V, i += V) {
                        FloatVector y0 = at(dyt, i), y1 = at(dyt, i + row);
                        y0.intoArray(tmp, s * ld + n);
                        y0.add(y1).intoArray(tmp, (2 + s) * ld + n);
                        y0.sub(y1).intoArray(tmp, (4 + s) * ld + n);
                        y1.neg().intoArray(tmp, (6 + s) * ld + n);
                    }
                }
                for (int q = 0; q < 4; q++) {
                    // Then along row q, the same combinations.
                    float[] g0 = dm[4 * q], g1 = dm[4 * q + 1], g2 = dm[4 * q + 2], g3 = dm[4 * q + 3];
                    for (int n = 0, e = 2 * q * ld; n < ld; n += V, e += V) {
                        FloatVector z0 = at(tmp, e), z1 = at(tmp, e + ld);
                        z0.intoArray(g0, out + n);
                        z0.add(z1).intoArray(g1, out + n);
                        z0.sub(z1).intoArray(g2, out + n);
                        z1.neg().intoArray(g3, out + n);
                    }
                }
            }
        }
    }

    /**
     * Adds {@code B dV Bᵀ} of one image's th × tw tiles (from {@code dv[ξ][t·ldv + c]}, the first
     * numbered {@code first}) onto the 4 × 4 blocks they were read from, in {@code dxt} as
     * {@link #channelsLast} lays it out.
     */
    static void inputGradTiles(float[][] dv, int ldv, int first, int th, int tw, float[] dxt, int ld, float[] tmp) {
        int row = (2 * tw + 2) * ld;
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = (first + ti * tw + tj) * ldv, out = ti * 2 * row + 2 * tj * ld;
                for (int p = 0; p < 4; p++) {
                    // B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1] down column p: k0, k1 − k2 + k3, k1 + k2 − k0, −k3.
                    float[] v0 = dv[p], v1 = dv[4 + p], v2 = dv[8 + p], v3 = dv[12 + p];
                    for (int c = 0, i = in; c < ld; c += V, i += V) {
                        FloatVector k0 = at(v0, i), k1 = at(v1, i), k2 = at(v2, i), k3 = at(v3, i);
                        k0.intoArray(tmp, p * ld + c);
                        k1.sub(k2).add(k3).intoArray(tmp, (4 + p) * ld + c);
                        k1.add(k2).sub(k0).intoArray(tmp, (8 + p) * ld + c);
                        k3.neg().intoArray(tmp, (12 + p) * ld + c);
                    }
                }
                for (int a = 0; a < 4; a++) {
                    // Then along row a, added onto row a of the block.
                    for (int c = 0, e = 4 * a * ld, o = out + a * row; c < ld; c += V, e += V, o += V) {
                        FloatVector e0 = at(tmp, e), e1 = at(tmp, e + ld), e2 = at(tmp, e + 2 * ld), e3 = at(tmp, e + 3 * ld);
                        add(dxt, o, e0);
                        add(dxt, o + ld, e1.sub(e2).add(e3));
                        add(dxt, o + 2 * ld, e1.add(e2).sub(e0));
                        add(dxt, o + 3 * ld, e3.neg());
                    }
                }
            }
        }
    }

    private static void add(float[] x, int o, FloatVector k) {
        at(x, o).add(k).intoArray(x, o);
    }

    /**
     * {@code w[n][c·9 + u·3 + v] = beta·w + alpha·(Gᵀ dU G)[u][v]} from {@code du[ξ][n·C + c]}; with
     * beta = 0 the old w is not read.
     */
    static void filterGrads(float[][] du, int filters, int channels, float[] w, float alpha, float beta) {
        for (int n = 0; n < filters; n++) {
            for (int c = 0; c < channels; c++) {
                int i = n * channels + c, g = i * 9;
                // Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1] down each column, then along the rows.
                float s0 = 0.5f * (du[4][i] + du[8][i]), s1 = 0.5f * (du[5][i] + du[9][i]);
                float s2 = 0.5f * (du[6][i] + du[10][i]), s3 = 0.5f * (du[7][i] + du[11][i]);
                gradFilterRow(du[0][i] + s0, du[1][i] + s1, du[2][i] + s2, du[3][i] + s3, w, g, alpha, beta);
                gradFilterRow(0.5f * (du[4][i] - du[8][i]), 0.5f * (du[5][i] - du[9][i]),
                        0.5f * (du[6][i] - du[10][i]), 0.5f * (du[7][i] - du[11][i]), w, g + 3, alpha, beta);
                gradFilterRow(s0 + du[12][i], s1 + du[13][i], s2 + du[14][i], s3 + du[15][i], w, g + 6, alpha, beta);
            }
        }
    }

    private static void gradFilterRow(float h0, float h1, float h2, float h3, float[] w, int o, float alpha, float beta) {
        float half = 0.5f * (h1 + h2);
        update(w, o, h0 + half, alpha, beta);
        update(w, o + 1, 0.5f * (h1 - h2), alpha, beta);
        update(w, o + 2, half + h3, alpha, beta);
    }

    private static void update(float[] w, int o, float gradient, float alpha, float beta) {
        w[o] = beta == 0f ? alpha * gradient : beta * w[o] + alpha * gradient;
    }
}
