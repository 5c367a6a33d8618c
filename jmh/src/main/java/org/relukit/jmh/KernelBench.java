package org.relukit.jmh;

import org.relukit.nn.Initialisation;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.relukit.backend.Backend;
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
    private SuiteTensors tensors;
    private Tensor x, w, b, out, dz, gate, dx, correlation;
    private double flops;

    @Setup(Level.Trial)
    public void setUp() {
        LayerShape layer = LayerShape.parse(shape);
        int batch = layer.batch(), fanIn = layer.fanIn(), nodes = layer.nodes();
        kernels = Availability.openBackend(backend, threads);
        tensors = new SuiteTensors(kernels);
        SplittableRandom rng = new SplittableRandom(42);
        float bound = Initialisation.bound(fanIn);
        x = tensors.upload(batch, fanIn, Initialisation.gaussian(rng, batch * fanIn, 1));
        w = tensors.upload(nodes, fanIn, Initialisation.uniform(rng, nodes * fanIn, -bound, bound));
        b = tensors.upload(1, nodes, Initialisation.uniform(rng, nodes, -bound, bound));
        dz = tensors.upload(batch, nodes, Initialisation.gaussian(rng, batch * nodes, 0.01));
        gate = tensors.uploadActivations(batch, fanIn, rng);
        out = tensors.allocate(batch, nodes);
        dx = tensors.allocate(batch, fanIn);
        correlation = tensors.allocate(fanIn, nodes);
        flops = layer.gemmFlops();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (tensors != null) {
            tensors.close();
        }
    }

    @Benchmark
    public Object reluMatmul(Gflops counter) {
        kernels.reluMatmul(x, w, b, out);
        counter.add(flops);
        return tensors.finished(out);
    }

    @Benchmark
    public Object linear(Gflops counter) {
        kernels.linear(x, w, b, out);
        counter.add(flops);
        return tensors.finished(out);
    }

    @Benchmark
    public Object backwardInput(Gflops counter) {
        kernels.backwardInput(dz, w, gate, dx);
        counter.add(flops);
        return tensors.finished(dx);
    }

    @Benchmark
    public Object sgdFused(Gflops counter) {
        kernels.sgdFused(dz, x, w, b, LR);
        counter.add(flops);
        return tensors.finished(w);
    }

    @Benchmark
    public Object correlation(Gflops counter) {
        kernels.correlation(x, dz, correlation);
        counter.add(flops);
        return tensors.finished(correlation);
    }
}
