package org.relukit.jmh;

import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.relukit.backend.Backend;
import org.relukit.backend.HostTensor;
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
    private ConvLayerShape conv;
    private Tensor x, w, b, y, dy, gate, dx, patches, product;
    /** Null on a CPU backend; else where outputs are read back to wait for the device. */
    private float[] readBack;

    @Setup(Level.Trial)
    public void setUp() {
        conv = ConvLayerShape.parse(layer);
        int batch = conv.batch(), outputCols = conv.filters() * conv.positions();
        kernels = Availability.openBackend(backend, threads);
        SplittableRandom rng = new SplittableRandom(42);
        float bound = Initialisation.bound(conv.patchRows());
        x = upload(batch, conv.inputCols(), Initialisation.gaussian(rng, batch * conv.inputCols(), 1));
        w = upload(conv.filters(), conv.patchRows(),
                Initialisation.uniform(rng, conv.filters() * conv.patchRows(), -bound, bound));
        b = upload(1, conv.filters(), Initialisation.uniform(rng, conv.filters(), -bound, bound));
        dy = upload(batch, outputCols, Initialisation.gaussian(rng, batch * outputCols, 0.01));
        // The post-ReLU activations below the layer: about half of them zero, as in training.
        float[] below = Initialisation.gaussian(rng, batch * conv.inputCols(), 1);
        for (int i = 0; i < below.length; i++) {
            below[i] = Math.max(below[i], 0);
        }
        gate = upload(batch, conv.inputCols(), below);
        patches = upload(conv.patchRows(), conv.positions(),
                Initialisation.gaussian(rng, conv.patchRows() * conv.positions(), 1));
        product = kernels.allocate(conv.filters(), conv.positions());
        y = kernels.allocate(batch, outputCols);
        dx = kernels.allocate(batch, conv.inputCols());
        if (!(y instanceof HostTensor)) {
            readBack = new float[batch * Math.max(outputCols, conv.inputCols())];
        }
    }

    private Tensor upload(int rows, int cols, float[] values) {
        Tensor t = kernels.allocate(rows, cols);
        kernels.upload(values, t);
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, b, y, dy, gate, dx, patches, product}) {
            if (t != null) {
                t.close();
            }
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    private Object finished(Tensor result) {
        if (readBack == null) {
            return result;
        }
        kernels.download(result, readBack);
        return readBack;
    }

    @Benchmark
    public Object conv3x3(Gflops counter) {
        kernels.conv3x3(x, conv.height(), conv.width(), w, b, true, y);
        counter.add(conv.flops());
        return finished(y);
    }

    @Benchmark
    public Object conv3x3BackwardInput(Gflops counter) {
        kernels.conv3x3BackwardInput(dy, w, conv.height(), conv.width(), gate, dx);
        counter.add(conv.flops());
        return finished(dx);
    }

    @Benchmark
    public Object conv3x3SgdFused(Gflops counter) {
        kernels.conv3x3SgdFused(dy, x, conv.height(), conv.width(), w, b, LR);
        counter.add(conv.flops());
        return finished(w);
    }

    /** The forward's product without the convolution around it: {@code w[N × C·9] · patches[C·9 × P]} once per image. */
    @Benchmark
    public Object forwardPatchProduct(Gflops counter) {
        for (int i = 0; i < conv.batch(); i++) {
            kernels.matmul(w, false, patches, false, product, 1f, 0f);
        }
        counter.add(conv.flops());
        return finished(product);
    }
}
