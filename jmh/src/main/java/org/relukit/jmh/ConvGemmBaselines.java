package org.relukit.jmh;

import dev.ludovic.netlib.blas.BLAS;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.relukit.nn.Initialisation;

/**
 * The im2col products of a conv layer on BLAS {@code sgemm}, on the layers {@link ConvBench} runs:
 * per image, with its patch matrix {@code cols[C·9 × P]} already built (building it is not
 * counted, so these are the bare products, an upper bound for an im2col convolution on BLAS):
 * {@code forward} {@code y[N × P] = w · cols}, {@code backwardInput} {@code dcols[C·9 × P] = wᵀ · dy}
 * (without the col2im that follows) and {@code weightGrad} {@code w −= lr·dy · colsᵀ}. The same
 * patch matrix serves every image, so it stays in cache, as the kernels' scratch copy does.
 *
 * <p>BLAS is column-major: a row-major {@code r × c} array is the column-major {@code c × r}
 * transpose with leading dimension c, and each call computes the row-major product above.
 */
public class ConvGemmBaselines extends ConvLayerShapes {
    @Param({"naive", "VectorBLAS", "JNIBLAS"})
    public String impl;

    /** Null for the naive loops. */
    private BLAS blas;
    private ConvLayerShape conv;
    /** Package-private for the test that checks each call computes the kernel's product. */
    float[] cols, w, y, dy, dcols;
    /** Small enough that the weights stay O(1) however many updates a run makes. */
    float lr = 1e-6f;

    @Setup(Level.Trial)
    public void setUp() {
        conv = ConvLayerShape.parse(layer);
        blas = Baselines.open(impl);
        SplittableRandom rng = new SplittableRandom(42);
        int k = conv.patchRows(), p = conv.positions(), n = conv.filters();
        float bound = Initialisation.bound(k);
        cols = Initialisation.gaussian(rng, k * p, 1);
        w = Initialisation.uniform(rng, n * k, -bound, bound);
        dy = Initialisation.gaussian(rng, conv.batch() * n * p, 0.01);
        y = new float[conv.batch() * n * p];
        dcols = new float[k * p];
    }

    @Benchmark
    public float[] forward(Gflops counter) {
        int k = conv.patchRows(), p = conv.positions(), n = conv.filters();
        for (int i = 0; i < conv.batch(); i++) {
            if (blas == null) {
                naive(w, 0, k, 1, cols, 0, p, 1, y, i * n * p, n, p, k, 1f, 0f);
            } else {
                // Column-major yᵀ[P×N] = colsᵀ[P×K] · wᵀ[K×N], each stored that way already.
                blas.sgemm("N", "N", p, n, k, 1f, cols, 0, p, w, 0, k, 0f, y, i * n * p, p);
            }
        }
        counter.add(conv.flops());
        return y;
    }

    @Benchmark
    public float[] backwardInput(Gflops counter) {
        int k = conv.patchRows(), p = conv.positions(), n = conv.filters();
        for (int i = 0; i < conv.batch(); i++) {
            if (blas == null) {
                naive(w, 0, 1, k, dy, i * n * p, p, 1, dcols, 0, k, p, n, 1f, 0f);
            } else {
                // Column-major dcolsᵀ[P×K] = dyᵀ[P×N] · w[N×K]: dy is stored as dyᵀ, w as wᵀ, so transpose w.
                blas.sgemm("N", "T", p, k, n, 1f, dy, i * n * p, p, w, 0, k, 0f, dcols, 0, p);
            }
        }
        counter.add(conv.flops());
        return dcols;
    }

    @Benchmark
    public float[] weightGrad(Gflops counter) {
        int k = conv.patchRows(), p = conv.positions(), n = conv.filters();
        for (int i = 0; i < conv.batch(); i++) {
            if (blas == null) {
                naive(dy, i * n * p, p, 1, cols, 0, 1, p, w, 0, n, k, p, -lr, 1f);
            } else {
                // Column-major wᵀ[K×N] −= lr cols[K×P] · dyᵀ[P×N]: cols is stored as colsᵀ, so transpose it; dy as dyᵀ.
                blas.sgemm("T", "N", k, n, p, -lr, cols, 0, p, dy, i * n * p, p, 1f, w, 0, k);
            }
        }
        counter.add(conv.flops());
        return w;
    }

    /**
     * The triple loop: {@code c[cOff + r·cols + q] = beta·c + alpha·Σ_t a[aOff + r·aRow + t·aCol]·b[bOff + t·bRow + q·bCol]}
     * for an {@code rows × cols} result with inner dimension {@code inner}.
     */
    private static void naive(float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow, int bCol,
                              float[] c, int cOff, int rows, int cols, int inner, float alpha, float beta) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                float sum = 0f;
                for (int t = 0; t < inner; t++) {
                    sum += a[aOff + r * aRow + t * aCol] * b[bOff + t * bRow + q * bCol];
                }
                int at = cOff + r * cols + q;
                c[at] = (beta == 0f ? 0f : beta * c[at]) + alpha * sum;
            }
        }
    }
}
