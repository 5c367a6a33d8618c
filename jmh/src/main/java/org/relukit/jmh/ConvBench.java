package org.relukit.jmh;

import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;
import org.relukit.nn.Initialisation;

/**
 * The conv kernels of a layer's training step, per backend and conv layer {@code bB:CxHxW->N}: the
 * forward conv with bias and ReLU, dX gated by the ReLU below, and dW fused with the SGD update.
 * Each is the product of every filter with every 3 × 3 patch, {@link ConvLayerShape#flops}.
 * {@link ConvGemmBaselines} runs the same products on BLAS; {@code forwardPatchProduct} runs the
 * forward's product alone through the backend's {@code matmul}, on a patch matrix built once, so
 * that what the convolution adds to its product (building the patch matrix, the bias pass) shows.
 *
 * <p>As in {@link KernelBench}, a device backend's timings include reading the output back.
 */
public class ConvBench extends ConvLayerShapes {
    /** Small enough that the weights stay O(1) however many updates a run makes. */
    private static final float LR = 1e-6f;

    @Param({"scalar", "simd", "opencl"})
    public String backend;

    /** Threads of a CPU backend ({@code --threads}). */
    @Param({"1"})
    public int threads;

    private Backend kernels;
    private SuiteTensors tensors;
    private ConvLayerShape conv;
    private Tensor x, w, b, y, dy, gate, dx, patches, product;

    @Setup(Level.Trial)
    public void setUp() {
        conv = ConvLayerShape.parse(layer);
        int batch = conv.batch(), outputCols = conv.filters() * conv.positions();
        kernels = Availability.openBackend(backend, threads);
        tensors = new SuiteTensors(kernels);
        SplittableRandom rng = new SplittableRandom(42);
        float bound = Initialisation.bound(conv.patchRows());
        x = tensors.upload(batch, conv.inputCols(), Initialisation.gaussian(rng, batch * conv.inputCols(), 1));
        w = tensors.upload(conv.filters(), conv.patchRows(),
                Initialisation.uniform(rng, conv.filters() * conv.patchRows(), -bound, bound));
        b = tensors.upload(1, conv.filters(), Initialisation.uniform(rng, conv.filters(), -bound, bound));
        dy = tensors.upload(batch, outputCols, Initialisation.gaussian(rng, batch * outputCols, 0.01));
        gate = tensors.uploadActivations(batch, conv.inputCols(), rng);
        patches = tensors.upload(conv.patchRows(), conv.positions(),
                Initialisation.gaussian(rng, conv.patchRows() * conv.positions(), 1));
        product = tensors.allocate(conv.filters(), conv.positions());
        y = tensors.allocate(batch, outputCols);
        dx = tensors.allocate(batch, conv.inputCols());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (tensors != null) {
            tensors.close();
        }
    }

    @Benchmark
    public Object conv3x3(Gflops counter) {
        kernels.conv3x3(x, conv.height(), conv.width(), w, b, true, y);
        counter.add(conv.flops());
        return tensors.finished(y);
    }

    @Benchmark
    public Object conv3x3BackwardInput(Gflops counter) {
        kernels.conv3x3BackwardInput(dy, w, conv.height(), conv.width(), gate, dx);
        counter.add(conv.flops());
        return tensors.finished(dx);
    }

    @Benchmark
    public Object conv3x3SgdFused(Gflops counter) {
        kernels.conv3x3SgdFused(dy, x, conv.height(), conv.width(), w, b, LR);
        counter.add(conv.flops());
        return tensors.finished(w);
    }

    /** The forward's product without the convolution around it: {@code w[N × C·9] · patches[C·9 × P]} once per image. */
    @Benchmark
    public Object forwardPatchProduct(Gflops counter) {
        for (int i = 0; i < conv.batch(); i++) {
            kernels.matmul(w, false, patches, false, product, 1f, 0f);
        }
        counter.add(conv.flops());
        return tensors.finished(product);
    }
}
