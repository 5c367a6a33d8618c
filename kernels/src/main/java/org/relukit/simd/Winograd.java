package org.relukit.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transforms of Winograd's minimal filtering F(4 × 4, 3 × 3) (Lavin and Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2016), which turn a 3 × 3 convolution into 36 matrix products
 * with 1/4 of the patch matrix's multiply-adds. The outputs go in 4 × 4 tiles; tile (ti, tj) reads
 * the 6 × 6 block of the input from row 4·ti, column 4·tj, and each of the 36 points ξ = 6·q + p of
 * the transformed domain is a plane of its own, a matrix over tile × (channel or filter):
 * <pre>
 *   V = Bᵀ d B   (input block d, 6 × 6)       U = G g Gᵀ   (filter g, 3 × 3)
 *   M_ξ[t][n] = Σ_c V_ξ[t][c] · U_ξ[c][n]    y = Aᵀ M A   (4 × 4 outputs)
 * </pre>
 * with the interpolation points 0, ±1, ±2 (the matrices are written out where they are applied),
 * and, for training, their adjoints: {@code dM = A dy Aᵀ}, {@code dV_ξ = dM_ξ · U_ξᵀ},
 * {@code dd = B dV Bᵀ} (added back where d was read) and {@code dU_ξ = dM_ξᵀ · V_ξ}, {@code dg = Gᵀ dU G}.
 * Tiles past an output size that is not a multiple of 4 read zeros and their extra outputs are
 * dropped: the maps are padded ({@link #inputSide}, {@link #outputSide}).
 *
 * <p>The maps are channels last ({@code [position][ld]}, an image's maps transposed by the caller),
 * so every transform is the same few vector operations over a vector of channels at a time, and
 * its loads and stores are whole vectors; a transform of the channels one by one ran at ≈ 100
 * cycles a 4 × 4 tile (jmh/PERFORMANCE.md, entry 26). All {@link #lanes} lanes of a row are
 * transformed: those past the channels carry whatever the array held and are never read as
 * channels. A group of images' tiles are numbered image by image, then row by row:
 * {@code t = first + ti·tw + tj}. Each transform goes down the block's columns into {@code tmp},
 * then along its rows: done in one pass, a transform was too big for C2 to inline its vector
 * operations, and its vectors were boxed (entries 26 and 27a).
 */
final class Winograd {
    /** Points of the transformed 6 × 6 domain: the number of products per convolution. */
    static final int POINTS = 36;

    private static final VectorSpecies<Float> S = SimdSpecies.FLOAT;
    private static final int V = S.length();

    private Winograd() {}

    /** Tiles along an output side of {@code outputs} values. */
    static int tiles(int outputs) {
        return Math.ceilDiv(outputs, 4);
    }

    /** An input side padded with zeros to the blocks its tiles read: 4 per tile and 2 more. */
    static int inputSide(int side) {
        return 4 * tiles(side - 2) + 2;
    }

    /** An output side padded to whole tiles. */
    static int outputSide(int side) {
        return 4 * tiles(side);
    }

    /** The row stride of a channels-last array of n channels: whole vectors, padded as {@link SimdKernels#paddedStride}. */
    static int lanes(int n) {
        return SimdKernels.paddedStride(Math.ceilDiv(n, V) * V);
    }

    /** Floats of the {@code tmp} scratch the transforms take: a row of tw tiles, rows of up to max(ldc, ldn) lanes. */
    static int tileScratchSize(int tw, int ldc, int ldn) {
        return POINTS * tw * Math.max(ldc, ldn);
    }

    /**
     * {@code u[ξ][c·F + n]} (filtersInner, for the forward) or {@code u[ξ][n·C + c]} (for the input
     * gradient) {@code = (G g Gᵀ)_ξ} for the 3 × 3 filter g of filter n on channel c of
     * {@code w[F × C·9]}. w is transposed into {@code wt} first ({@code F·C·9} floats), so that the
     * transform runs over whole vectors of the inner index; {@code tmp} holds 18 rows of it, each
     * rounded up to whole vectors.
     */
    static void filters(float[] w, int filters, int channels, float[][] u, boolean filtersInner, float[] wt, float[] tmp) {
        int outer = filtersInner ? channels : filters, inner = filtersInner ? filters : channels;
        if (filtersInner) {
            SimdKernels.transpose(w, 0, filters, 9 * channels, wt, 0, filters);
        } else {
            for (int n = 0; n < filters; n++) {
                SimdKernels.transpose(w, n * 9 * channels, channels, 9, wt, n * 9 * channels, channels);
            }
        }
        // wt[(a·9 + k)·inner + b] now holds tap k of the filter of (outer a, inner b). G goes down
        // the filters' columns j into tmp[(3q + j)·ts + b] (rows of whole vectors), then along its
        // rows q into the planes: G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
        // the filter at the points 0, ±1, ±2 and ∞. Whole vectors past a row's end read the next row
        // and write into the next plane row, which its own turn overwrites; past the last, they
        // reach the arrays' slack. Both passes are in this one method, too big to be inlined into
        // its caller, which would then be too big for C2 to inline the vector operations.
        int ts = Math.ceilDiv(inner, V) * V;
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < 3; j++) {
                for (int b = 0, i = a * 9 * inner + j * inner, o = j * ts; b < inner; b += V, i += V, o += V) {
                    FloatVector h0 = FloatVector.fromArray(S, wt, i), h1 = FloatVector.fromArray(S, wt, i + 3 * inner);
                    FloatVector h2 = FloatVector.fromArray(S, wt, i + 6 * inner);
                    FloatVector even = h0.add(h2), quarter = h0.mul(1f / 24).add(h2.mul(1f / 6)), odd = h1.mul(1f / 12);
                    h0.mul(0.25f).intoArray(tmp, o);
                    even.add(h1).mul(-1f / 6).intoArray(tmp, o + 3 * ts);
                    even.sub(h1).mul(-1f / 6).intoArray(tmp, o + 6 * ts);
                    quarter.add(odd).intoArray(tmp, o + 9 * ts);
                    quarter.sub(odd).intoArray(tmp, o + 12 * ts);
                    h2.intoArray(tmp, o + 15 * ts);
                }
            }
            for (int q = 0; q < 6; q++) {
                float[] u0 = u[6 * q], u1 = u[6 * q + 1], u2 = u[6 * q + 2], u3 = u[6 * q + 3], u4 = u[6 * q + 4], u5 = u[6 * q + 5];
                for (int b = 0, i = 3 * q * ts, o = a * inner; b < inner; b += V, i += V, o += V) {
                    FloatVector h0 = FloatVector.fromArray(S, tmp, i), h1 = FloatVector.fromArray(S, tmp, i + ts);
                    FloatVector h2 = FloatVector.fromArray(S, tmp, i + 2 * ts);
                    FloatVector even = h0.add(h2), quarter = h0.mul(1f / 24).add(h2.mul(1f / 6)), odd = h1.mul(1f / 12);
                    h0.mul(0.25f).intoArray(u0, o);
                    even.add(h1).mul(-1f / 6).intoArray(u1, o);
                    even.sub(h1).mul(-1f / 6).intoArray(u2, o);
                    quarter.add(odd).intoArray(u3, o);
                    quarter.sub(odd).intoArray(u4, o);
                    h2.intoArray(u5, o);
                }
            }
        }
    }

    /** Floats of one image's maps laid out by {@link #channelsLast} with padded sides. */
    static int channelsLastSize(int paddedHeight, int paddedWidth, int ld) {
        return paddedHeight * paddedWidth * ld;
    }

    /**
     * {@code xt[(r·paddedWidth + s)·ld + c] = x[xOff + (c·height + r)·width + s]}, one image's maps
     * channels last, with zeros in the padding rows and columns (so the tiles past the outputs read
     * zeros, and no transform tests its edges).
     */
    static void channelsLast(float[] x, int xOff, int channels, int height, int width, int paddedHeight, int paddedWidth,
                             float[] xt, int ld) {
        // One transpose of the whole maps, each channel's map read as one run, which the prefetcher
        // follows (a transpose per map row ran 4× slower in the conv step); then the rows are moved
        // apart to make room for the padding, last row first, so none is overwritten before it moves.
        SimdKernels.transpose(x, xOff, channels, height * width, xt, 0, ld);
        if (paddedWidth != width) {
            for (int r = height - 1; r >= 0; r--) {
                System.arraycopy(xt, r * width * ld, xt, r * paddedWidth * ld, width * ld);
                Arrays.fill(xt, (r * paddedWidth + width) * ld, (r + 1) * paddedWidth * ld, 0f);
            }
        }
        Arrays.fill(xt, height * paddedWidth * ld, paddedHeight * paddedWidth * ld, 0f);
    }

    /**
     * The inverse of {@link #channelsLast}: the padding dropped, into {@code x[xOff + (c·height + r)·width + s]}.
     * The rows of {@code xt} are moved together first, so {@code xt} is left changed.
     */
    static void channelsFirst(float[] xt, int ld, int channels, int height, int width, int paddedWidth, float[] x, int xOff) {
        if (paddedWidth != width) {
            for (int r = 1; r < height; r++) {
                System.arraycopy(xt, r * paddedWidth * ld, xt, r * width * ld, width * ld);
            }
        }
        SimdKernels.transpose(xt, 0, height * width, channels, ld, x, xOff, height * width);
    }

    /*
     * Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
     * on (d0 … d5), with t0 = d4 − 4d2, t1 = d3 − 4d1, t2 = d4 − d2, t3 = 2(d3 − d1):
     * 4d0 − 5d2 + d4, t0 + t1, t0 − t1, t2 + t3, t2 − t3, 4d1 − 5d3 + d5.
     */

    /**
     * {@code v[ξ][t·ld + c] = (Bᵀ d B)_ξ} for the th × tw tiles of one image whose maps lie channels
     * last in {@code xt} ({@link #channelsLast}, sides {@link #inputSide}), its first tile numbered {@code first}.
     */
    static void inputTiles(float[] xt, int th, int tw, int ld, int first, float[][] v, float[] tmp) {
        int row = (4 * tw + 2) * ld;
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = ti * 4 * row + 4 * tj * ld, out = (first + ti * tw + tj) * ld;
                for (int b = 0; b < 6; b++) {
                    // Bᵀ down column b, into rows 0 … 5 of tmp's 6 × 6.
                    for (int c = 0, i = in + b * ld, o = b * ld; c < ld; c += V, i += V, o += V) {
                        FloatVector d0 = FloatVector.fromArray(S, xt, i), d1 = FloatVector.fromArray(S, xt, i + row);
                        FloatVector d2 = FloatVector.fromArray(S, xt, i + 2 * row);
                        FloatVector d3 = FloatVector.fromArray(S, xt, i + 3 * row);
                        FloatVector d4 = FloatVector.fromArray(S, xt, i + 4 * row);
                        FloatVector d5 = FloatVector.fromArray(S, xt, i + 5 * row);
                        FloatVector t0 = d4.sub(d2.mul(4f)), t1 = d3.sub(d1.mul(4f)), t2 = d4.sub(d2), t3 = d3.sub(d1).mul(2f);
                        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(tmp, o);
                        t0.add(t1).intoArray(tmp, o + 6 * ld);
                        t0.sub(t1).intoArray(tmp, o + 12 * ld);
                        t2.add(t3).intoArray(tmp, o + 18 * ld);
                        t2.sub(t3).intoArray(tmp, o + 24 * ld);
                        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(tmp, o + 30 * ld);
                    }
                }
                for (int q = 0; q < 6; q++) {
                    // Then B along row q, the same combinations.
                    float[] v0 = v[6 * q], v1 = v[6 * q + 1], v2 = v[6 * q + 2], v3 = v[6 * q + 3], v4 = v[6 * q + 4], v5 = v[6 * q + 5];
                    for (int c = 0, e = 6 * q * ld, o = out; c < ld; c += V, e += V, o += V) {
                        FloatVector d0 = FloatVector.fromArray(S, tmp, e), d1 = FloatVector.fromArray(S, tmp, e + ld);
                        FloatVector d2 = FloatVector.fromArray(S, tmp, e + 2 * ld);
                        FloatVector d3 = FloatVector.fromArray(S, tmp, e + 3 * ld);
                        FloatVector d4 = FloatVector.fromArray(S, tmp, e + 4 * ld);
                        FloatVector d5 = FloatVector.fromArray(S, tmp, e + 5 * ld);
                        FloatVector t0 = d4.sub(d2.mul(4f)), t1 = d3.sub(d1.mul(4f)), t2 = d4.sub(d2), t3 = d3.sub(d1).mul(2f);
                        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(v0, o);
                        t0.add(t1).intoArray(v1, o);
                        t0.sub(t1).intoArray(v2, o);
                        t2.add(t3).intoArray(v3, o);
                        t2.sub(t3).intoArray(v4, o);
                        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(v5, o);
                    }
                }
            }
        }
    }

    /*
     * Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1], on (m0 … m5), with
     * a = m1 + m2, b = m1 − m2, c = m3 + m4, e = m3 − m4: m0 + a + c, b + 2e, a + 4c, b + 8e + m5.
     */

    /**
     * The outputs from {@code m[ξ][t·ldm + n]}: {@code y = Aᵀ M A} plus {@code bias[n]} (padded to
     * ld lanes), then ReLU when asked, for one image's th × tw tiles from {@code first}, into
     * {@code yt} as {@link #channelsLast} lays out maps of 4·th × 4·tw.
     */
    static void outputTiles(float[][] m, int ldm, int first, int th, int tw, float[] bias, boolean relu,
                            float[] yt, int ld, float[] tmp) {
        int row = 4 * tw * ld;
        // max(v, −∞) is v, NaN included, so the ReLU is a choice of floor rather than a branch on a vector.
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        for (int ti = 0; ti < th; ti++) {
            outputColumns(m, ldm, first + ti * tw, tw, ld, tmp);
            outputRows(tmp, tw, ld, bias, floor, yt, ti * 4 * row, row);
        }
    }

    /*
     * Each pass over a row of tiles is a method of its own, each tile's half-way values in its own
     * 36 rows of tmp. With both passes in one method, the transform was too big for C2 to inline
     * its vector operations (NodeCountInliningCutoff), and they boxed.
     */

    /** The column pass of {@link #outputTiles} over tw tiles from {@code first}: Aᵀ down each column. */
    private static void outputColumns(float[][] m, int ldm, int first, int tw, int ld, float[] tmp) {
        for (int tj = 0; tj < tw; tj++) {
            int in = (first + tj) * ldm, half = tj * POINTS * ld;
            for (int p = 0; p < 6; p++) {
                float[] m0 = m[p], m1 = m[6 + p], m2 = m[12 + p], m3 = m[18 + p], m4 = m[24 + p], m5 = m[30 + p];
                for (int n = 0, i = in, o = half + p * ld; n < ld; n += V, i += V, o += V) {
                    FloatVector y1 = FloatVector.fromArray(S, m1, i), y2 = FloatVector.fromArray(S, m2, i);
                    FloatVector y3 = FloatVector.fromArray(S, m3, i), y4 = FloatVector.fromArray(S, m4, i);
                    FloatVector a = y1.add(y2), b = y1.sub(y2), c = y3.add(y4), e = y3.sub(y4);
                    FloatVector.fromArray(S, m0, i).add(a).add(c).intoArray(tmp, o);
                    e.mul(2f).add(b).intoArray(tmp, o + 6 * ld);
                    c.mul(4f).add(a).intoArray(tmp, o + 12 * ld);
                    e.mul(8f).add(b).add(FloatVector.fromArray(S, m5, i)).intoArray(tmp, o + 18 * ld);
                }
            }
        }
    }

    /** The row pass of {@link #outputTiles}: along each row, plus the bias, into the row of tiles at {@code out}. */
    private static void outputRows(float[] tmp, int tw, int ld, float[] bias, float reluFloor, float[] yt, int out, int row) {
        FloatVector floor = FloatVector.broadcast(S, reluFloor);
        for (int tj = 0; tj < tw; tj++) {
            for (int r = 0; r < 4; r++) {
                int e = tj * POINTS * ld + 6 * r * ld, o = out + 4 * tj * ld + r * row;
                for (int n = 0; n < ld; n += V, e += V, o += V) {
                    FloatVector y1 = FloatVector.fromArray(S, tmp, e + ld);
                    FloatVector y2 = FloatVector.fromArray(S, tmp, e + 2 * ld);
                    FloatVector y3 = FloatVector.fromArray(S, tmp, e + 3 * ld);
                    FloatVector y4 = FloatVector.fromArray(S, tmp, e + 4 * ld);
                    FloatVector a = y1.add(y2), b = y1.sub(y2), c = y3.add(y4), d = y3.sub(y4);
                    FloatVector bias0 = FloatVector.fromArray(S, bias, n);
                    FloatVector.fromArray(S, tmp, e).add(a).add(c).add(bias0).max(floor).intoArray(yt, o);
                    d.mul(2f).add(b).add(bias0).max(floor).intoArray(yt, o + ld);
                    c.mul(4f).add(a).add(bias0).max(floor).intoArray(yt, o + 2 * ld);
                    d.mul(8f).add(b).add(FloatVector.fromArray(S, tmp, e + 5 * ld)).add(bias0).max(floor).intoArray(yt, o + 3 * ld);
                }
            }
        }
    }

    /*
     * A = (Aᵀ)ᵀ on (y0 … y3), with a = y0 + y2, b = y1 + y3, c = y0 + 4y2, e = 2y1 + 8y3:
     * y0, a + b, a − b, c + e, c − e, y3.
     */

    /**
     * {@code dm[ξ][t·ld + n] = (A dy Aᵀ)_ξ} for one image's th × tw tiles of output gradients, laid
     * out by {@link #channelsLast} (sides {@link #outputSide}, so those past the outputs are zeros),
     * its first tile numbered {@code first}.
     */
    static void outputGradTiles(float[] dyt, int th, int tw, int ld, int first, float[][] dm, float[] tmp) {
        int row = 4 * tw * ld;
        for (int ti = 0; ti < th; ti++) {
            for (int tj = 0; tj < tw; tj++) {
                int in = ti * 4 * row + 4 * tj * ld, out = (first + ti * tw + tj) * ld;
                for (int s = 0; s < 4; s++) {
                    // A down column s, into rows 0 … 5 of tmp's 6 × 4.
                    for (int n = 0, i = in + s * ld, o = s * ld; n < ld; n += V, i += V, o += V) {
                        FloatVector y0 = FloatVector.fromArray(S, dyt, i), y1 = FloatVector.fromArray(S, dyt, i + row);
                        FloatVector y2 = FloatVector.fromArray(S, dyt, i + 2 * row);
                        FloatVector y3 = FloatVector.fromArray(S, dyt, i + 3 * row);
                        FloatVector a = y0.add(y2), b = y1.add(y3), c = y2.mul(4f).add(y0), e = y3.mul(4f).add(y1).mul(2f);
                        y0.intoArray(tmp, o);
                        a.add(b).intoArray(tmp, o + 4 * ld);
                        a.sub(b).intoArray(tmp, o + 8 * ld);
                        c.add(e).intoArray(tmp, o + 12 * ld);
                        c.sub(e).intoArray(tmp, o + 16 * ld);
                        y3.intoArray(tmp, o + 20 * ld);
                    }
                }
                for (int q = 0; q < 6; q++) {
                    // Then along row q, the same combinations.
                    float[] g0 = dm[6 * q], g1 = dm[6 * q + 1], g2 = dm[6 * q + 2], g3 = dm[6 * q + 3], g4 = dm[6 * q + 4], g5 = dm[6 * q + 5];
                    for (int n = 0, e0 = 4 * q * ld, o = out; n < ld; n += V, e0 += V, o += V) {
                        FloatVector y0 = FloatVector.fromArray(S, tmp, e0), y1 = FloatVector.fromArray(S, tmp, e0 + ld);
                        FloatVector y2 = FloatVector.fromArray(S, tmp, e0 + 2 * ld);
                        FloatVector y3 = FloatVector.fromArray(S, tmp, e0 + 3 * ld);
                        FloatVector a = y0.add(y2), b = y1.add(y3), c = y2.mul(4f).add(y0), e = y3.mul(4f).add(y1).mul(2f);
                        y0.intoArray(g0, o);
                        a.add(b).intoArray(g1, o);
                        a.sub(b).intoArray(g2, o);
                        c.add(e).intoArray(g3, o);
                        c.sub(e).intoArray(g4, o);
                        y3.intoArray(g5, o);
                    }
                }
            }
        }
    }

    /*
     * B = (Bᵀ)ᵀ on (k0 … k5), with a = k1 + k2, b = k1 − k2, c = k3 + k4, d = k3 − k4:
     * 4k0, 4(k5 − b) − 2d, −5k0 − 4a − c, b + 2d − 5k5, k0 + a + c, k5.
     */

    /**
     * Adds {@code B dV Bᵀ} of one image's th × tw tiles (from {@code dv[ξ][t·ldv + c]}, the first
     * numbered {@code first}) onto the 6 × 6 blocks they were read from, in {@code dxt} as
     * {@link #channelsLast} lays it out (sides {@link #inputSide}).
     */
    static void inputGradTiles(float[][] dv, int ldv, int first, int th, int tw, float[] dxt, int ld, float[] tmp) {
        int row = (4 * tw + 2) * ld;
        for (int ti = 0; ti < th; ti++) {
            inputGradColumns(dv, ldv, first + ti * tw, tw, ld, tmp);
            inputGradRows(tmp, tw, ld, dxt, ti * 4 * row, row);
        }
    }

    /** The column pass of {@link #inputGradTiles} over tw tiles from {@code first}, as {@link #outputColumns}: B down each column. */
    private static void inputGradColumns(float[][] dv, int ldv, int first, int tw, int ld, float[] tmp) {
        for (int tj = 0; tj < tw; tj++) {
            int in = (first + tj) * ldv, half = tj * POINTS * ld;
            for (int p = 0; p < 6; p++) {
                float[] v0 = dv[p], v1 = dv[6 + p], v2 = dv[12 + p], v3 = dv[18 + p], v4 = dv[24 + p], v5 = dv[30 + p];
                for (int c = 0, i = in, o = half + p * ld; c < ld; c += V, i += V, o += V) {
                    FloatVector k0 = FloatVector.fromArray(S, v0, i), k1 = FloatVector.fromArray(S, v1, i);
                    FloatVector k2 = FloatVector.fromArray(S, v2, i), k3 = FloatVector.fromArray(S, v3, i);
                    FloatVector k4 = FloatVector.fromArray(S, v4, i), k5 = FloatVector.fromArray(S, v5, i);
                    FloatVector a = k1.add(k2), b = k1.sub(k2), cc = k3.add(k4), d = k3.sub(k4);
                    k0.mul(4f).intoArray(tmp, o);
                    k5.sub(b).mul(4f).sub(d.mul(2f)).intoArray(tmp, o + 6 * ld);
                    k0.mul(-5f).sub(a.mul(4f)).sub(cc).intoArray(tmp, o + 12 * ld);
                    d.mul(2f).add(b).sub(k5.mul(5f)).intoArray(tmp, o + 18 * ld);
                    k0.add(a).add(cc).intoArray(tmp, o + 24 * ld);
                    k5.intoArray(tmp, o + 30 * ld);
                }
            }
        }
    }

    /** The row pass of {@link #inputGradTiles}: along each row, added onto the blocks of the row of tiles at {@code out}. */
    private static void inputGradRows(float[] tmp, int tw, int ld, float[] dxt, int out, int row) {
        for (int tj = 0; tj < tw; tj++) {
            for (int r = 0; r < 6; r++) {
                int e = tj * POINTS * ld + 6 * r * ld, o = out + 4 * tj * ld + r * row;
                for (int c = 0; c < ld; c += V, e += V, o += V) {
                    FloatVector k0 = FloatVector.fromArray(S, tmp, e), k1 = FloatVector.fromArray(S, tmp, e + ld);
                    FloatVector k2 = FloatVector.fromArray(S, tmp, e + 2 * ld);
                    FloatVector k3 = FloatVector.fromArray(S, tmp, e + 3 * ld);
                    FloatVector k4 = FloatVector.fromArray(S, tmp, e + 4 * ld);
                    FloatVector k5 = FloatVector.fromArray(S, tmp, e + 5 * ld);
                    FloatVector a = k1.add(k2), b = k1.sub(k2), cc = k3.add(k4), d = k3.sub(k4);
                    FloatVector.fromArray(S, dxt, o).add(k0.mul(4f)).intoArray(dxt, o);
                    FloatVector.fromArray(S, dxt, o + ld).add(k5.sub(b).mul(4f).sub(d.mul(2f))).intoArray(dxt, o + ld);
                    FloatVector.fromArray(S, dxt, o + 2 * ld).add(k0.mul(-5f).sub(a.mul(4f)).sub(cc)).intoArray(dxt, o + 2 * ld);
                    FloatVector.fromArray(S, dxt, o + 3 * ld).add(d.mul(2f).add(b).sub(k5.mul(5f))).intoArray(dxt, o + 3 * ld);
                    FloatVector.fromArray(S, dxt, o + 4 * ld).add(k0.add(a).add(cc)).intoArray(dxt, o + 4 * ld);
                    FloatVector.fromArray(S, dxt, o + 5 * ld).add(k5).intoArray(dxt, o + 5 * ld);
                }
            }
        }
    }

    /**
     * {@code w[n][c·9 + r·3 + s] = beta·w + alpha·(Gᵀ dU G)[r][s]} from {@code du[ξ][n·C + c]}, a
     * filter at a time over whole vectors of channels; with beta = 0 the old w is not read.
     * {@code tmp} holds 36 rows of C floats rounded up to whole vectors.
     */
    static void filterGrads(float[][] du, int filters, int channels, float[] w, float alpha, float beta, float[] tmp) {
        // Gᵀ = [¼ −⅙ −⅙ 1/24 1/24 0; 0 −⅙ ⅙ 1/12 −1/12 0; 0 −⅙ −⅙ ⅙ ⅙ 1], the adjoint of the filter
        // transform: down the columns p of a filter's planes into tmp[(6r + p)·ts + c], then along
        // the rows r into tmp[(18 + 3r + s)·ts + c], the gradient of tap 3r + s. One method, as filters.
        int ts = Math.ceilDiv(channels, V) * V, taps = 9 * channels, grads = 18 * ts, t = 27 * ts;
        for (int n = 0; n < filters; n++) {
            for (int p = 0; p < 6; p++) {
                float[] d0 = du[p], d1 = du[6 + p], d2 = du[12 + p], d3 = du[18 + p], d4 = du[24 + p], d5 = du[30 + p];
                for (int c = 0, i = n * channels, o = p * ts; c < channels; c += V, i += V, o += V) {
                    FloatVector h0 = FloatVector.fromArray(S, d0, i), h1 = FloatVector.fromArray(S, d1, i);
                    FloatVector h2 = FloatVector.fromArray(S, d2, i), h3 = FloatVector.fromArray(S, d3, i);
                    FloatVector h4 = FloatVector.fromArray(S, d4, i), h5 = FloatVector.fromArray(S, d5, i);
                    FloatVector sum = h1.add(h2), far = h3.add(h4);
                    h0.mul(0.25f).sub(sum.mul(1f / 6)).add(far.mul(1f / 24)).intoArray(tmp, o);
                    h2.sub(h1).mul(1f / 6).add(h3.sub(h4).mul(1f / 12)).intoArray(tmp, o + 6 * ts);
                    far.sub(sum).mul(1f / 6).add(h5).intoArray(tmp, o + 12 * ts);
                }
            }
            for (int r = 0; r < 3; r++) {
                for (int c = 0, i = 6 * r * ts, o = grads + 3 * r * ts; c < channels; c += V, i += V, o += V) {
                    FloatVector h0 = FloatVector.fromArray(S, tmp, i), h1 = FloatVector.fromArray(S, tmp, i + ts);
                    FloatVector h2 = FloatVector.fromArray(S, tmp, i + 2 * ts);
                    FloatVector h3 = FloatVector.fromArray(S, tmp, i + 3 * ts);
                    FloatVector h4 = FloatVector.fromArray(S, tmp, i + 4 * ts);
                    FloatVector h5 = FloatVector.fromArray(S, tmp, i + 5 * ts);
                    FloatVector sum = h1.add(h2), far = h3.add(h4);
                    h0.mul(0.25f).sub(sum.mul(1f / 6)).add(far.mul(1f / 24)).intoArray(tmp, o);
                    h2.sub(h1).mul(1f / 6).add(h3.sub(h4).mul(1f / 12)).intoArray(tmp, o + ts);
                    far.sub(sum).mul(1f / 6).add(h5).intoArray(tmp, o + 2 * ts);
                }
            }
            // tmp[grads + k·ts + c] → tmp[t + c·9 + k], then onto row n of w.
            SimdKernels.transpose(tmp, grads, 9, channels, ts, tmp, t, 9);
            // A scalar loop (which C2 vectorises itself): with Vector API calls here too, the method
            // was past C2's inlining cutoff.
            for (int i = 0, row = n * taps; i < taps; i++) {
                w[row + i] = beta == 0f ? alpha * tmp[t + i] : beta * w[row + i] + alpha * tmp[t + i];
            }
        }
    }
}
