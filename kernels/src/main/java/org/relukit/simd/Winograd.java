package org.relukit.simd;

import java.util.Arrays;

/**
 * The transforms of Winograd's minimal filtering F(2 × 2, 3 × 3) (Lavin and Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2016), which turn a 3 × 3 convolution into 16 matrix products
 * with 4/9 of the patch matrix's multiply-adds. The outputs go in 2 × 2 tiles; tile (ti, tj) reads
 * the 4 × 4 block of the input from row 2·ti, column 2·tj, and each of the 16 points ξ = 4·q + p of
 * the transformed domain is a plane of its own, a matrix over (channel or filter) × tile:
 * <pre>
 *   V = Bᵀ d B   (input block d, 4 × 4)       U = G g Gᵀ   (filter g, 3 × 3)
 *   M_ξ[n][t] = Σ_c U_ξ[n][c] · V_ξ[c][t]    y = Aᵀ M A   (2 × 2 outputs)
 * </pre>
 * and, for training, their adjoints: {@code dM = A dy Aᵀ}, {@code dV_ξ = U_ξᵀ dM_ξ}, {@code dd = B dV Bᵀ}
 * (added back where d was read) and {@code dU_ξ = dM_ξ V_ξᵀ}, {@code dg = Gᵀ dU G}. The matrices'
 * entries are 0, ±1 and ±½, so a transform only adds and halves. A tile past an odd output size
 * reads zeros and its extra outputs are dropped. Images are rows of {@code x[B × C·H·W]}; a group of
 * images' tiles are numbered image by image, then row by row: {@code t = g·th·tw + ti·tw + tj}.
 */
final class Winograd {
    /** Points of the transformed 4 × 4 domain: the number of products per convolution. */
    static final int POINTS = 16;

    private Winograd() {}

    /** Tiles along an output side of {@code outputs} values. */
    static int tiles(int outputs) {
        return (outputs + 1) / 2;
    }

    /** Floats of the row buffer {@link #inputTiles} needs for maps {@code width} wide. */
    static int rowBufferSize(int width) {
        return 4 * (2 * tiles(width - 2) + 2);
    }

    /** {@code u[ξ][n·C + c] = (G g Gᵀ)_ξ} for the 3 × 3 filter g of filter n on channel c of {@code w[N × C·9]}. */
    static void filters(float[] w, int filters, int channels, float[][] u) {
        for (int n = 0; n < filters; n++) {
            for (int c = 0; c < channels; c++) {
                int g = (n * channels + c) * 9, o = n * channels + c;
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

    /**
     * {@code v[ξ][c·channelStride + t·tileStride] = (Bᵀ d B)_ξ} for every channel and tile of
     * {@code images} consecutive images, the first at {@code x[xOff]}. Bᵀ first combines four input
     * rows over the whole width ({@code rows}, a buffer of {@link #rowBufferSize}), then each tile
     * combines four columns of those.
     */
    static void inputTiles(float[] x, int xOff, int imageStride, int images, int channels, int height, int width,
                           float[] rows, float[][] v, int channelStride, int tileStride) {
        int th = tiles(height - 2), tw = tiles(width - 2), span = 2 * tw + 2, map = height * width;
        Arrays.fill(rows, 0, 4 * span, 0f);
        for (int g = 0; g < images; g++) {
            for (int c = 0; c < channels; c++) {
                int base = xOff + g * imageStride + c * map;
                for (int ti = 0; ti < th; ti++) {
                    int r0 = base + 2 * ti * width, r1 = r0 + width, r2 = r1 + width, r3 = r2 + width;
                    // Only the fourth row can lie past the map: the last tile row of an odd output height.
                    boolean fourth = 2 * ti + 3 < height;
                    for (int s = 0; s < width; s++) {
                        float d0 = x[r0 + s], d1 = x[r1 + s], d2 = x[r2 + s], d3 = fourth ? x[r3 + s] : 0f;
                        rows[s] = d0 - d2;
                        rows[span + s] = d1 + d2;
                        rows[2 * span + s] = d2 - d1;
                        rows[3 * span + s] = d1 - d3;
                    }
                    int t = (g * th + ti) * tw;
                    for (int tj = 0; tj < tw; tj++, t++) {
                        int o = c * channelStride + t * tileStride;
                        for (int q = 0; q < 4; q++) {
                            int e = q * span + 2 * tj;
                            float e0 = rows[e], e1 = rows[e + 1], e2 = rows[e + 2], e3 = rows[e + 3];
                            v[4 * q][o] = e0 - e2;
                            v[4 * q + 1][o] = e1 + e2;
                            v[4 * q + 2][o] = e2 - e1;
                            v[4 * q + 3][o] = e1 - e3;
                        }
                    }
                }
            }
        }
    }

    /**
     * The outputs from {@code m[ξ][n·ld + t]}: {@code y = Aᵀ M A}, plus filter n's bias (may be null),
     * then ReLU when asked, for {@code images} images, the first at {@code y[yOff]}.
     */
    static void outputTiles(float[][] m, int ld, int images, int filters, int oh, int ow, float[] bias, boolean relu,
                            float[] y, int yOff, int imageStride) {
        int th = tiles(oh), tw = tiles(ow), positions = oh * ow;
        for (int g = 0; g < images; g++) {
            for (int n = 0; n < filters; n++) {
                float b = bias == null ? 0f : bias[n];
                int out = yOff + g * imageStride + n * positions;
                for (int ti = 0; ti < th; ti++) {
                    int t = n * ld + (g * th + ti) * tw;
                    boolean secondRow = 2 * ti + 1 < oh;
                    for (int tj = 0; tj < tw; tj++, t++) {
                        // Aᵀ down each column (m0 + m1 + m2, m1 − m2 − m3), then along the two rows.
                        float a0 = m[0][t] + m[4][t] + m[8][t], a1 = m[1][t] + m[5][t] + m[9][t];
                        float a2 = m[2][t] + m[6][t] + m[10][t], a3 = m[3][t] + m[7][t] + m[11][t];
                        float b0 = m[4][t] - m[8][t] - m[12][t], b1 = m[5][t] - m[9][t] - m[13][t];
                        float b2 = m[6][t] - m[10][t] - m[14][t], b3 = m[7][t] - m[11][t] - m[15][t];
                        int o = out + 2 * ti * ow + 2 * tj;
                        boolean secondColumn = 2 * tj + 1 < ow;
                        y[o] = finish(a0 + a1 + a2 + b, relu);
                        if (secondColumn) {
                            y[o + 1] = finish(a1 - a2 - a3 + b, relu);
                        }
                        if (secondRow) {
                            y[o + ow] = finish(b0 + b1 + b2 + b, relu);
                            if (secondColumn) {
                                y[o + ow + 1] = finish(b1 - b2 - b3 + b, relu);
                            }
                        }
                    }
                }
            }
        }
    }

    private static float finish(float v, boolean relu) {
        return relu ? Math.max(v, 0f) : v;
    }

    /**
     * {@code dm[ξ][n·ld + t] = (A dy Aᵀ)_ξ} for every filter and tile of {@code images} images'
     * output gradients, the first at {@code dy[dyOff]}; outputs past an odd size count as zeros.
     */
    static void outputGradTiles(float[] dy, int dyOff, int imageStride, int images, int filters, int oh, int ow,
                                float[][] dm, int ld) {
        int th = tiles(oh), tw = tiles(ow), positions = oh * ow;
        for (int g = 0; g < images; g++) {
            for (int n = 0; n < filters; n++) {
                int in = dyOff + g * imageStride + n * positions;
                for (int ti = 0; ti < th; ti++) {
                    int t = n * ld + (g * th + ti) * tw;
                    boolean secondRow = 2 * ti + 1 < oh;
                    for (int tj = 0; tj < tw; tj++, t++) {
                        int i = in + 2 * ti * ow + 2 * tj;
                        boolean secondColumn = 2 * tj + 1 < ow;
                        float y00 = dy[i], y01 = secondColumn ? dy[i + 1] : 0f;
                        float y10 = secondRow ? dy[i + ow] : 0f, y11 = secondRow && secondColumn ? dy[i + ow + 1] : 0f;
                        // A = [1 0; 1 1; 1 −1; 0 −1] down the columns, then along the rows.
                        gradRow(y00, y01, dm, 0, t);
                        gradRow(y00 + y10, y01 + y11, dm, 4, t);
                        gradRow(y00 - y10, y01 - y11, dm, 8, t);
                        gradRow(-y10, -y11, dm, 12, t);
                    }
                }
            }
        }
    }

    private static void gradRow(float z0, float z1, float[][] dm, int point, int t) {
        dm[point][t] = z0;
        dm[point + 1][t] = z0 + z1;
        dm[point + 2][t] = z0 - z1;
        dm[point + 3][t] = -z1;
    }

    /**
     * The input gradient of {@code images} images, the first at {@code dx[dxOff]}, from
     * {@code dv[ξ][c·ld + t]}: clears their maps, adds {@code B dV Bᵀ} of every tile onto the 4 × 4
     * block it was read from (the parts past the map dropped), then zeroes where {@code gate ≤ 0}
     * when a gate (shaped like dx) is given.
     */
    static void inputGradTiles(float[][] dv, int ld, int images, int channels, int height, int width, float[] gate,
                               float[] dx, int dxOff, int imageStride) {
        int th = tiles(height - 2), tw = tiles(width - 2), map = height * width;
        for (int g = 0; g < images; g++) {
            int image = dxOff + g * imageStride;
            Arrays.fill(dx, image, image + channels * map, 0f);
            for (int c = 0; c < channels; c++) {
                int base = image + c * map;
                for (int ti = 0; ti < th; ti++) {
                    int t = c * ld + (g * th + ti) * tw;
                    boolean fourthRow = 2 * ti + 3 < height;
                    for (int tj = 0; tj < tw; tj++, t++) {
                        boolean fourthColumn = 2 * tj + 3 < width;
                        // B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1] down each column, then along the rows.
                        float k00 = dv[0][t], k01 = dv[1][t], k02 = dv[2][t], k03 = dv[3][t];
                        float k30 = -dv[12][t], k31 = -dv[13][t], k32 = -dv[14][t], k33 = -dv[15][t];
                        float k10 = dv[4][t] - dv[8][t] - k30, k11 = dv[5][t] - dv[9][t] - k31;
                        float k12 = dv[6][t] - dv[10][t] - k32, k13 = dv[7][t] - dv[11][t] - k33;
                        float k20 = dv[4][t] + dv[8][t] - k00, k21 = dv[5][t] + dv[9][t] - k01;
                        float k22 = dv[6][t] + dv[10][t] - k02, k23 = dv[7][t] + dv[11][t] - k03;
                        int o = base + 2 * ti * width + 2 * tj;
                        addRow(k00, k01, k02, k03, dx, o, fourthColumn);
                        addRow(k10, k11, k12, k13, dx, o + width, fourthColumn);
                        addRow(k20, k21, k22, k23, dx, o + 2 * width, fourthColumn);
                        if (fourthRow) {
                            addRow(k30, k31, k32, k33, dx, o + 3 * width, fourthColumn);
                        }
                    }
                }
            }
            if (gate != null) {
                ConvKernels.applyGate(dx, gate, image, channels * map);
            }
        }
    }

    /** Adds {@code B (k0, k1, k2, k3)} to the four values from {@code dx[o]} (the fourth only when it is on the map). */
    private static void addRow(float k0, float k1, float k2, float k3, float[] dx, int o, boolean fourth) {
        dx[o] += k0;
        dx[o + 1] += k1 - k2 + k3;
        dx[o + 2] += k1 + k2 - k0;
        if (fourth) {
            dx[o + 3] -= k3;
        }
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
