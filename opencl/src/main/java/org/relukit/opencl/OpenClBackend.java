package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateCommandQueueWithProperties;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.relukit.opencl.Gemm.CENTRE;
import static org.relukit.opencl.Gemm.HAS_BETA;
import static org.relukit.opencl.Gemm.HAS_BIAS;
import static org.relukit.opencl.Gemm.HAS_GATE;
import static org.relukit.opencl.Gemm.RELU;
import static org.relukit.opencl.Gemm.SCALE;
import static org.relukit.opencl.Gemm.TRANS_A;
import static org.relukit.opencl.Gemm.TRANS_B;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.backend.Tensor;

/**
 * The kernels of {@link Backend} as OpenCL C ({@code gemm.cl}, {@code elementwise.cl},
 * {@code columns.cl}, {@code batchnorm.cl}, {@code conv.cl}, {@code cross_entropy.cl}) on one
 * device. Every product of two matrices goes through the one tiled GEMM with a fused epilogue, the
 * 3 × 3 convolutions through direct kernels; a kernel call only enqueues on an in-order
 * queue, and only {@link #upload}, {@link #download}, {@link #finish} and the losses wait for the
 * device. Not thread-safe: one training loop drives one backend.
 */
public final class OpenClBackend implements Backend {
    /** At most this many work-groups add up a loss, so the host reads at most this many floats. */
    private static final int MAX_LOSS_GROUPS = 256;

    private final OpenClDevice device;
    private final GemmTiles tiles;

    private cl_context context;
    private cl_command_queue queue;
    private DeviceMemory memory;
    private OpenClProgram program;
    private KernelLauncher launcher;
    private Gemm gemm;
    private Kernel mseLoss;
    private Kernel crossEntropy;
    private Kernel sgdUpdate;
    private Kernel hadamard;
    private Kernel average;
    private Kernel reluGate;
    private Kernel normalizeRows;
    private Kernel columnSums;
    private Kernel columnStats;
    private Kernel normalizeColumns;
    private Kernel batchNormTrain;
    private Kernel batchNormBackward;
    private Kernel convForward;
    private Kernel convBackwardInput;
    private Kernel convWeightGrad;
    private Kernel batchNorm2dTrain;
    private Kernel batchNorm2dEval;
    private Kernel batchNorm2dBackward;
    private Kernel channelsToRows;

    private final float[] lossPartialsHost = new float[MAX_LOSS_GROUPS];
    private final Pointer lossPartialsPointer = Pointer.to(lossPartialsHost);

    public OpenClBackend(OpenClDevice device) {
        this(device, null, 0);
    }

    /**
     * @param tiles      null to choose them for the device
     * @param busyGroups work-groups that fill the device, 0 for two per compute unit; a test sets
     *                   a GPU's count on a CPU to exercise split-K
     */
    OpenClBackend(OpenClDevice device, GemmTiles tiles, int busyGroups) {
        CL.setExceptionsEnabled(true);
        this.device = device;
        cl_device_id id = device.device();
        long maxGroup = OpenClDevice.deviceLong(id, CL_DEVICE_MAX_WORK_GROUP_SIZE);
        long localBytes = OpenClDevice.deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE);
        this.tiles = tiles != null ? tiles : GemmTiles.forDevice(device.gpu(), maxGroup, localBytes);
        Gemm.checkFits(this.tiles, device, maxGroup, localBytes);
        try {
            context = clCreateContext(properties(device), 1, new cl_device_id[] {id}, null, null, null);
            queue = clCreateCommandQueueWithProperties(context, id, null, null);
            launcher = new KernelLauncher(queue, device, maxGroup);
            program = new OpenClProgram(context, device, this.tiles, launcher);
            memory = new DeviceMemory(device, context, queue);
            gemm = new Gemm(this.tiles, busyGroups > 0 ? busyGroups
                    : 2 * (int) OpenClDevice.deviceLong(id, CL_DEVICE_MAX_COMPUTE_UNITS), program, launcher, memory, device);
            mseLoss = program.kernel("mse_loss");
            crossEntropy = program.kernel("cross_entropy");
            sgdUpdate = program.kernel("sgd_update");
            hadamard = program.kernel("hadamard");
            average = program.kernel("average");
            reluGate = program.kernel("relu_gate");
            normalizeRows = program.kernel("normalize_rows");
            columnSums = program.kernel("column_sums");
            columnStats = program.kernel("column_stats");
            normalizeColumns = program.kernel("normalize_columns");
            batchNormTrain = program.kernel("batch_norm_train");
            batchNormBackward = program.kernel("batch_norm_backward");
            convForward = program.kernel("conv3x3_forward");
            convBackwardInput = program.kernel("conv3x3_backward_input");
            convWeightGrad = program.kernel("conv3x3_weight_grad");
            batchNorm2dTrain = program.kernel("batch_norm_2d_train");
            batchNorm2dEval = program.kernel("batch_norm_2d_eval");
            batchNorm2dBackward = program.kernel("batch_norm_2d_backward");
            channelsToRows = program.kernel("channels_to_rows");
            memory.scratch(DeviceMemory.LOSS_PARTIALS, MAX_LOSS_GROUPS);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return device.platformName() + " / " + device.name() + (device.gpu() ? " (GPU)" : device.cpu() ? " (CPU)" : "")
                + ", GEMM tiles " + tiles.tsm() + "x" + tiles.tsn()
                + (tiles.local() ? "x" + tiles.tsk() + " in local memory" : " from global memory")
                + ", " + tiles.wptm() + "x" + tiles.wptn() + " per work-item"
                + (tiles.local() ? ", float" + tiles.vw() + " loads" : "");
    }

    /** Device buffers alive now: the tensors' and the backend's own; for leak tests. */
    public int liveBuffers() {
        return memory == null ? 0 : memory.liveBuffers();
    }

    /** Waits until every kernel enqueued so far has finished, so a timing can leave out the read-back. */
    public void finish() {
        if (queue != null) {
            clFinish(queue);
        }
    }

    // The parts a backend method glues together, for the test that launches kernels without the
    // shape checks around them.

    KernelLauncher launcher() {
        return launcher;
    }

    OpenClProgram program() {
        return program;
    }

    Gemm gemm() {
        return gemm;
    }

    DeviceMemory memory() {
        return memory;
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        OpenClTensor tensor = new OpenClTensor(this, rows, cols, rows <= 0 || cols <= 0 ? null : memory.create(rows, cols));
        memory.track(tensor);
        return tensor;
    }

    void release(OpenClTensor tensor, DeviceBuffer buffer) {
        memory.forget(tensor);
        if (buffer != null) {
            memory.release(buffer);
        }
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        DeviceBuffer buffer = mem(dst);
        if (dst.size() > 0) {
            clEnqueueWriteBuffer(queue, buffer.mem(), CL_TRUE, 0, (long) dst.size() * Float.BYTES, Pointer.to(src), 0, null, null);
        }
    }

    @Override
    public void download(Tensor src, float[] dst) {
        DeviceBuffer buffer = mem(src);
        if (src.size() > 0) {
            clEnqueueReadBuffer(queue, buffer.mem(), CL_TRUE, 0, (long) src.size() * Float.BYTES, Pointer.to(dst), 0, null, null);
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        long rowBytes = (long) src.cols() * Float.BYTES;
        if (count > 0 && rowBytes > 0) {
            clEnqueueCopyBuffer(queue, mem(src).mem(), mem(dst).mem(), srcRow * rowBytes, dstRow * rowBytes, count * rowBytes,
                    0, null, null);
        }
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        gemm.run(TRANS_B | RELU | (b == null ? 0 : HAS_BIAS), mem(x), x.cols(), mem(w), w.cols(), mem(h),
                h.rows(), h.cols(), x.cols(), 1f, 0f, optional(b), memory.placeholder());
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        gemm.run(TRANS_B | (b == null ? 0 : HAS_BIAS), mem(x), x.cols(), mem(w), w.cols(), mem(y),
                y.rows(), y.cols(), x.cols(), 1f, 0f, optional(b), memory.placeholder());
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        int count = ys.size();
        if (count == 0) {
            return 0f;  // as the reference: no entries, no error
        }
        int groups = (int) Math.min(MAX_LOSS_GROUPS, Math.ceilDiv(count, launcher.groupSize));
        mseLoss.args().arg(count).arg(mem(ys)).arg(mem(yt)).arg(mem(dy)).arg(lossPartials());
        launcher.groups(mseLoss, groups);
        return (float) (sumLossPartials(groups) / count);
    }

    /**
     * Softmax cross-entropy in {@code cross_entropy.cl}, one work-group per row; only the
     * work-groups' partial sums of the row losses come back to the host. With no classes
     * ({@code C = 0}) the loss is NaN, since no class can be the target.
     */
    @Override
    public float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        int rows = logits.rows();
        if (rows == 0) {
            return 0f;  // as the reference: no rows, no loss
        }
        if (logits.cols() == 0) {
            return Float.NaN;
        }
        int groups = Math.min(MAX_LOSS_GROUPS, rows);
        crossEntropy.args().arg(rows).arg(logits.cols()).arg(mem(logits)).arg(mem(teacherOutput)).arg(mem(dLogits))
                .arg(lossPartials());
        launcher.groups(crossEntropy, groups);
        return (float) (sumLossPartials(groups) / rows);
    }

    DeviceBuffer lossPartials() {
        return memory.scratch(DeviceMemory.LOSS_PARTIALS, MAX_LOSS_GROUPS);
    }

    /** Reads the first {@code groups} partial sums of a loss kernel (the one wait) and adds them up. */
    double sumLossPartials(int groups) {
        clEnqueueReadBuffer(queue, lossPartials().mem(), CL_TRUE, 0, (long) groups * Float.BYTES, lossPartialsPointer,
                0, null, null);
        double sum = 0;
        for (int g = 0; g < groups; g++) {
            sum += lossPartialsHost[g];
        }
        return sum;
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        gemm.run(h == null ? 0 : HAS_GATE, mem(dz), dz.cols(), mem(w), w.cols(), mem(dx), dx.rows(), dx.cols(), w.rows(),
                1f, 0f, memory.placeholder(), optional(h));
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        gemm.run(TRANS_A, mem(dz), dz.cols(), mem(x), x.cols(), mem(dw), dw.rows(), dw.cols(), dz.rows(), 1f, 0f,
                memory.placeholder(), memory.placeholder());
        if (db != null) {
            columnSums(dz, db, 1f, 0f);
        }
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        gemm.run(TRANS_A | HAS_BETA, mem(dz), dz.cols(), mem(x), x.cols(), mem(w), w.rows(), w.cols(), dz.rows(), -lr, 1f,
                memory.placeholder(), memory.placeholder());
        if (b != null) {
            columnSums(dz, b, -lr, 1f);
        }
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        sgdUpdate.args().arg(p.size()).arg(mem(p)).arg(mem(grad)).arg(mem(velocity)).arg(lr).arg(momentum).arg(weightDecay);
        launcher.elementwise(sgdUpdate, p.size());
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        normalizeRows.args().arg(w.cols()).arg(mem(w)).arg(optional(b)).arg(flag(b));
        launcher.groups(normalizeRows, w.rows());
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        if (c.size() == 0) {
            return;
        }
        int kt = t.cols();
        int ks = s.cols();
        DeviceBuffer tMean = memory.scratch(DeviceMemory.T_MEAN, kt);
        DeviceBuffer tInv = memory.scratch(DeviceMemory.T_INV, kt);
        DeviceBuffer sMean = memory.scratch(DeviceMemory.S_MEAN, ks);
        DeviceBuffer sInv = memory.scratch(DeviceMemory.S_INV, ks);
        columnStats.args().arg(t.rows()).arg(kt).arg(mem(t)).arg(tMean).arg(tInv);
        launcher.columns(columnStats, kt);
        columnStats.args().arg(s.rows()).arg(ks).arg(mem(s)).arg(sMean).arg(sInv);
        launcher.columns(columnStats, ks);
        // c = (t − mean)ᵀ (s − mean) · tInv[a] · sInv[q]: the GEMM centres the tiles as it loads them.
        gemm.run(TRANS_A | CENTRE | SCALE, mem(t), kt, mem(s), ks, mem(c), c.rows(), c.cols(), t.rows(), 1f, 0f,
                memory.placeholder(), memory.placeholder(), tInv, sInv, tMean, sMean);
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        int flags = (transposeA ? TRANS_A : 0) | (transposeB ? TRANS_B : 0) | (beta == 0f ? 0 : HAS_BETA);
        gemm.run(flags, mem(a), a.cols(), mem(b), b.cols(), mem(c), c.rows(), c.cols(), transposeA ? a.rows() : a.cols(),
                alpha, beta, memory.placeholder(), memory.placeholder());
    }

    @Override
    public void average(Tensor a, Tensor b, Tensor c) {
        average.args().arg(c.size()).arg(mem(a)).arg(mem(b)).arg(mem(c));
        launcher.elementwise(average, c.size());
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        hadamard.args().arg(c.size()).arg(mem(a)).arg(mem(b)).arg(mem(c));
        launcher.elementwise(hadamard, c.size());
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        reluGate.args().arg(g.size()).arg(mem(z)).arg(mem(g));
        launcher.elementwise(reluGate, g.size());
    }

    @Override
    public void normalizeColumns(Tensor w) {
        normalizeColumns.args().arg(w.rows()).arg(w.cols()).arg(mem(w));
        launcher.columns(normalizeColumns, w.cols());
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        batchNormTrain.args().arg(x.rows()).arg(x.cols()).arg(mem(x)).arg(optional(gamma)).arg(flag(gamma))
                .arg(optional(beta)).arg(flag(beta)).arg(mem(runningMean)).arg(mem(runningVar)).arg(momentum).arg(eps)
                .arg(relu ? 1 : 0).arg(mem(y)).arg(mem(batchMean)).arg(mem(batchInvStd));
        launcher.columns(batchNormTrain, x.cols());
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        // BatchNorm1d in eval mode is BatchNorm2d's, a channel per column: nothing is summed over the batch.
        batchNorm2dEval(x, x.cols(), gamma, beta, runningMean, runningVar, eps, relu, y);
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        batchNormBackward.args().arg(x.rows()).arg(x.cols()).arg(mem(dy)).arg(mem(x)).arg(optional(gamma))
                .arg(flag(gamma)).arg(mem(batchMean)).arg(mem(batchInvStd)).arg(optional(gate)).arg(flag(gate))
                .arg(mem(dx)).arg(optional(dGamma)).arg(flag(dGamma)).arg(optional(dBeta)).arg(flag(dBeta));
        launcher.columns(batchNormBackward, x.cols());
    }

    // The conv layers: direct convolutions in conv.cl; a weight tensor w[N × C·9] gives C = w.cols() / 9.

    @Override
    public void conv3x3(Tensor x, int height, int width, Tensor w, Tensor b, boolean relu, Tensor y) {
        convForward.args().arg(y.size()).arg(w.cols() / 9).arg(w.rows()).arg(height).arg(width).arg(mem(x)).arg(mem(w))
                .arg(optional(b)).arg(flag(b)).arg(relu ? 1 : 0).arg(mem(y));
        launcher.elementwise(convForward, y.size());
    }

    @Override
    public void conv3x3BackwardInput(Tensor dy, Tensor w, int height, int width, Tensor gate, Tensor dx) {
        convBackwardInput.args().arg(dx.size()).arg(w.cols() / 9).arg(w.rows()).arg(height).arg(width).arg(mem(dy))
                .arg(mem(w)).arg(optional(gate)).arg(flag(gate)).arg(mem(dx));
        launcher.elementwise(convBackwardInput, dx.size());
    }

    @Override
    public void conv3x3WeightGrad(Tensor dy, Tensor x, int height, int width, Tensor dw, Tensor db) {
        convWeightGrad(dy, x, height, width, dw, db, 1f, 0f);
    }

    @Override
    public void conv3x3SgdFused(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float lr) {
        convWeightGrad(dy, x, height, width, w, b, -lr, 1f);
    }

    /**
     * {@code w = alpha · dw + beta · w}, and the same for the bias: the gradient (1, 0) or its SGD
     * step (−lr, 1); one work-group per (filter, channel).
     */
    private void convWeightGrad(Tensor dy, Tensor x, int height, int width, Tensor w, Tensor b, float alpha, float beta) {
        int channels = w.cols() / 9;
        convWeightGrad.args().arg(x.rows()).arg(channels).arg(w.rows()).arg(height).arg(width).arg(mem(dy)).arg(mem(x))
                .arg(mem(w)).arg(optional(b)).arg(flag(b)).arg(alpha).arg(beta);
        launcher.groups(convWeightGrad, w.rows() * channels);
    }

    @Override
    public void batchNorm2dTrain(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        batchNorm2dTrain.args().arg(x.rows()).arg(channels).arg(x.cols() / channels).arg(mem(x)).arg(optional(gamma))
                .arg(flag(gamma)).arg(optional(beta)).arg(flag(beta)).arg(mem(runningMean)).arg(mem(runningVar))
                .arg(momentum).arg(eps).arg(relu ? 1 : 0).arg(mem(y)).arg(mem(batchMean)).arg(mem(batchInvStd));
        launcher.groups(batchNorm2dTrain, channels);
    }

    @Override
    public void batchNorm2dEval(Tensor x, int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float eps, boolean relu, Tensor y) {
        int positions = channels == 0 ? 0 : x.cols() / channels;
        batchNorm2dEval.args().arg(x.size()).arg(channels).arg(positions).arg(mem(x)).arg(optional(gamma))
                .arg(flag(gamma)).arg(optional(beta)).arg(flag(beta)).arg(mem(runningMean)).arg(mem(runningVar)).arg(eps)
                .arg(relu ? 1 : 0).arg(mem(y));
        launcher.elementwise(batchNorm2dEval, x.size());
    }

    @Override
    public void batchNorm2dBackward(Tensor dy, Tensor x, int channels, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                    Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        batchNorm2dBackward.args().arg(x.rows()).arg(channels).arg(x.cols() / channels).arg(mem(dy)).arg(mem(x))
                .arg(optional(gamma)).arg(flag(gamma)).arg(mem(batchMean)).arg(mem(batchInvStd)).arg(optional(gate))
                .arg(flag(gate)).arg(mem(dx)).arg(optional(dGamma)).arg(flag(dGamma)).arg(optional(dBeta)).arg(flag(dBeta));
        launcher.groups(batchNorm2dBackward, channels);
    }

    @Override
    public void channelsToRows(Tensor x, int channels, Tensor y) {
        channelsToRows.args().arg(y.size()).arg(channels).arg(x.cols() / channels).arg(mem(x)).arg(mem(y));
        launcher.elementwise(channelsToRows, y.size());
    }

    /** 1 for a present tensor, 0 for an absent one (which the kernel gets as the placeholder). */
    private static int flag(Tensor t) {
        return t == null ? 0 : 1;
    }

    /** {@code out = alpha · Σ_rows x + beta · out}. */
    private void columnSums(Tensor x, Tensor out, float alpha, float beta) {
        columnSums.args().arg(x.rows()).arg(x.cols()).arg(mem(x)).arg(mem(out)).arg(alpha).arg(beta);
        launcher.columns(columnSums, x.cols());
    }

    /** The buffer of a tensor of this backend; an empty tensor's stands in as the placeholder. */
    private DeviceBuffer mem(Tensor t) {
        if (!(t instanceof OpenClTensor tensor) || tensor.owner != this) {
            throw new IllegalArgumentException("tensor " + t + " belongs to another backend ("
                    + (t == null ? "null" : t.getClass().getSimpleName()) + ")");
        }
        DeviceBuffer buffer = tensor.buffer();
        return buffer == null ? memory.placeholder() : buffer;
    }

    private DeviceBuffer optional(Tensor t) {
        return t == null ? memory.placeholder() : mem(t);
    }

    private static cl_context_properties properties(OpenClDevice device) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        return properties;
    }

    /** Waits for the queue, then releases every tensor still open and everything the backend made. */
    @Override
    public void close() {
        if (queue != null) {
            clFinish(queue);
        }
        if (memory != null) {
            memory.close();
        }
        if (program != null) {
            program.close();
            program = null;
        }
        if (queue != null) {
            clReleaseCommandQueue(queue);
            queue = null;
        }
        if (context != null) {
            clReleaseContext(context);
            context = null;
        }
    }
}
