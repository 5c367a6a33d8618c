package org.relukit.jmh;

import org.relukit.nn.Initialisation;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
import org.relukit.backend.Tensor;

/**
 * Every kernel of a layer's training step, per backend and layer shape {@code bB:KxN}: the forward
 * ReLU-matmul and the linear output layer ({@code x[B×K] · w[N×K]ᵀ}), dX ({@code dz[B×N] · w}),
 * dW fused with the SGD update ({@code w −= lr dzᵀ x}), and the correlation of a {@code B × K}
 * with a {@code B × N} activation matrix ({@code K × N}). Each is a {@code 2·B·K·N}-flop product.
 *
 * <p>A device backend's kernels may return before the device is done, and {@link Backend} has no
 * barrier: its timings include reading the output back, which waits for it.
 */
public class KernelBench extends LayerShapes {
    /** Small enough that the weights stay O(1) however many updates a run makes. */
    private static final float LR = 1e-6f;

    @Param({"scalar", "simd", "opencl"})
    public String backend;

    /** Threads of a CPU backend ({@code --threads}); e.g. {@code -p threads=1,2} shows the split's gain. */
    @Param({"1"})
    public int threads;

    private Backend kernels;
    private Tensor x, w, b, out, dz, gate, dx, correlation;
    private double flops;
    /** Null on a CPU backend; else where outputs are read back to wait for the device. */
    private float[] readBack;

    @Setup(Level.Trial)
    public void setUp() {
        LayerShape layer = LayerShape.parse(shape);
        int batch = layer.batch(), fanIn = layer.fanIn(), nodes = layer.nodes();
        kernels = Availability.openBackend(backend, threads);
        SplittableRandom rng = new SplittableRandom(42);
        float bound = Initialisation.bound(fanIn);
        x = upload(batch, fanIn, Initialisation.gaussian(rng, batch * fanIn, 1));
        w = upload(nodes, fanIn, Initialisation.uniform(rng, nodes * fanIn, -bound, bound));
        b = upload(1, nodes, Initialisation.uniform(rng, nodes, -bound, bound));
        dz = upload(batch, nodes, Initialisation.gaussian(rng, batch * nodes, 0.01));
        // The post-ReLU activations below the layer: about half of them zero, as in training.
        float[] below = Initialisation.gaussian(rng, batch * fanIn, 1);
        for (int i = 0; i < below.length; i++) {
            below[i] = Math.max(below[i], 0);
        }
        gate = upload(batch, fanIn, below);
        out = kernels.allocate(batch, nodes);
        dx = kernels.allocate(batch, fanIn);
        correlation = kernels.allocate(fanIn, nodes);
        flops = layer.gemmFlops();
        if (!(out instanceof HostTensor)) {
            readBack = new float[Math.max(batch, fanIn) * Math.max(fanIn, nodes)];
        }
    }

    private Tensor upload(int rows, int cols, float[] values) {
        Tensor t = kernels.allocate(rows, cols);
        kernels.upload(values, t);
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, b, out, dz, gate, dx, correlation}) {
            if (t != null) {
                t.close();
            }
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    /** The output, once it is done: a CPU tensor as it is, a device tensor read back. */
    private Object finished(Tensor result) {
        if (readBack == null) {
            return result;
        }
        kernels.download(result, readBack);
        return readBack;
    }

    @Benchmark
    public Object reluMatmul(Gflops counter) {
        kernels.reluMatmul(x, w, b, out);
        counter.add(flops);
        return finished(out);
    }

    @Benchmark
    public Object linear(Gflops counter) {
        kernels.linear(x, w, b, out);
        counter.add(flops);
        return finished(out);
    }

    @Benchmark
    public Object backwardInput(Gflops counter) {
        kernels.backwardInput(dz, w, gate, dx);
        counter.add(flops);
        return finished(dx);
    }

    @Benchmark
    public Object sgdFused(Gflops counter) {
        kernels.sgdFused(dz, x, w, b, LR);
        counter.add(flops);
        return finished(w);
    }

    @Benchmark
    public Object correlation(Gflops counter) {
        kernels.correlation(x, dz, correlation);
        counter.add(flops);
        return finished(correlation);
    }
}
