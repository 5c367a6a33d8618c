package org.relukit.jmh;

import org.relukit.nn.Initialisation;
import dev.ludovic.netlib.blas.BLAS;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The bare products of a layer, on the shapes {@link KernelBench} runs, by the baselines: a naive
 * triple loop, VectorBLAS and JNIBLAS {@code sgemm}. The methods are named after the kernel whose
 * product they compute; the kernels add a bias, a ReLU or a gate on top.
 *
 * <p>BLAS is column-major, and a row-major {@code r × c} array is the column-major {@code c × r}
 * transpose with leading dimension c; each call below computes the same row-major product as the
 * kernel, not its transpose.
 */
public class GemmBaselines extends LayerShapes {
    @Param({"naive", "VectorBLAS", "JNIBLAS"})
    public String impl;

    /** Null for the naive loops. */
    private BLAS blas;
    private int batch, fanIn, nodes;
    private double flops;
    /** Package-private for the test that checks each call computes the kernel's product. */
    float[] x, w, y, dz, dx;
    /** Small enough that the weights stay O(1) however many updates a run makes. */
    float lr = 1e-6f;

    @Setup(Level.Trial)
    public void setUp() {
        LayerShape layer = LayerShape.parse(shape);
        batch = layer.batch();
        fanIn = layer.fanIn();
        nodes = layer.nodes();
        blas = Baselines.open(impl);
        SplittableRandom rng = new SplittableRandom(42);
        float bound = Initialisation.bound(fanIn);
        x = Initialisation.gaussian(rng, batch * fanIn, 1);
        w = Initialisation.uniform(rng, nodes * fanIn, -bound, bound);
        dz = Initialisation.gaussian(rng, batch * nodes, 0.01);
        y = new float[batch * nodes];
        dx = new float[batch * fanIn];
        flops = layer.gemmFlops();
    }

    /** {@code y = x wᵀ}, the product of reluMatmul and linear. */
    @Benchmark
    public float[] forward(Gflops counter) {
        if (blas == null) {
            NaiveGemm.forward(x, w, y, batch, fanIn, nodes);
        } else {
            // Column-major yᵀ[N×B] = w[N×K] · xᵀ[K×B]: w is stored as wᵀ, so transpose it; x is stored as xᵀ.
            blas.sgemm("T", "N", nodes, batch, fanIn, 1f, w, fanIn, x, fanIn, 0f, y, nodes);
        }
        counter.add(flops);
        return y;
    }

    /** {@code dx = dz w}, the product of backwardInput. */
    @Benchmark
    public float[] backwardInput(Gflops counter) {
        if (blas == null) {
            NaiveGemm.backwardInput(dz, w, dx, batch, fanIn, nodes);
        } else {
            // Column-major dxᵀ[K×B] = wᵀ[K×N] · dzᵀ[N×B], both stored that way already.
            blas.sgemm("N", "N", fanIn, batch, nodes, 1f, w, fanIn, dz, nodes, 0f, dx, fanIn);
        }
        counter.add(flops);
        return dx;
    }

    /** {@code w −= lr dzᵀ x}, the product of sgdFused (and, in shape, of correlation). */
    @Benchmark
    public float[] weightGrad(Gflops counter) {
        if (blas == null) {
            NaiveGemm.weightGrad(dz, x, w, lr, batch, fanIn, nodes);
        } else {
            // Column-major wᵀ[K×N] −= lr xᵀ[K×B] · dz[B×N]: x is stored as xᵀ, dz as dzᵀ, so transpose dz.
            blas.sgemm("N", "T", fanIn, nodes, batch, -lr, x, fanIn, dz, nodes, 1f, w, fanIn);
        }
        counter.add(flops);
        return w;
    }
}
