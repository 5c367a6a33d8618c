package org.relukit.opencl;

import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.jocl.CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.jocl.CL.CL_INVALID_BUFFER_SIZE;
import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueueWithProperties;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clEnqueueCopyBuffer;
import static org.jocl.CL.clEnqueueFillBuffer;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clGetKernelWorkGroupInfo;
import static org.jocl.CL.clGetProgramBuildInfo;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clReleaseProgram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.backend.Shapes;
import org.relukit.backend.Tensor;
import org.relukit.scalar.ScalarKernels;

/**
 * The kernels of {@link Backend} as OpenCL C ({@code gemm.cl}, {@code elementwise.cl},
 * {@code columns.cl}, {@code batchnorm.cl}) on one device. Every product goes through the one
 * tiled GEMM with a fused epilogue; a kernel call only enqueues on an in-order queue, and only
 * {@link #upload}, {@link #download} and the loss of {@link #mseLoss} wait for the device. Not
 * thread-safe: one training loop drives one backend.
 */
public final class OpenClBackend implements Backend {
    private static final String[] SOURCES = {"gemm.cl", "elementwise.cl", "columns.cl", "batchnorm.cl"};

    // The flags of gemm.cl.
    private static final int TRANS_A = 1;
    private static final int TRANS_B = 2;
    private static final int CENTRE = 4;
    private static final int HAS_BETA = 8;
    private static final int HAS_BIAS = 16;
    private static final int RELU = 32;
    private static final int HAS_GATE = 64;
    private static final int SCALE = 128;

    /** At most this many work-groups add up the loss, so the host reads at most this many floats. */
    private static final int MAX_LOSS_GROUPS = 256;

    // Grow-only scratch buffers: the column means and inverse norms of a correlation's t and s, and
    // the partial products of a split-K GEMM.
    private static final int T_MEAN = 0;
    private static final int T_INV = 1;
    private static final int S_MEAN = 2;
    private static final int S_INV = 3;
    private static final int SLICES = 4;

    /** A split-K slice spans at least this many tiles of K, so the final sum stays cheap. */
    private static final int MIN_TILES_PER_SLICE = 8;

    private final OpenClDevice device;
    private final GemmTiles tiles;
    private final long maxAllocBytes;
    /** Work-items of an element-wise group (a power of two), and of a column group as colX × colY. */
    private final int groupSize;
    private final int colX;
    private final int colY;
    /** Work-groups that keep the device busy; a GEMM with fewer tiles of C is split along K. */
    private final int busyGroups;

    private cl_context context;
    private cl_command_queue queue;
    private cl_program program;
    private final List<cl_kernel> kernels = new ArrayList<>();
    private cl_kernel gemm;
    private cl_kernel mseLoss;
    private cl_kernel sgdUpdate;
    private cl_kernel sumSlices;
    private cl_kernel hadamard;
    private cl_kernel reluGate;
    private cl_kernel normalizeRows;
    private cl_kernel columnSums;
    private cl_kernel columnStats;
    private cl_kernel normalizeColumns;
    private cl_kernel batchNormTrain;
    private cl_kernel batchNormEval;
    private cl_kernel batchNormBackward;

    /** Stands for an empty tensor and for an absent argument, since a kernel argument cannot be null. */
    private cl_mem placeholder;
    private cl_mem lossPartials;
    private final float[] lossPartialsHost = new float[MAX_LOSS_GROUPS];
    private final cl_mem[] scratch = new cl_mem[5];
    private final long[] scratchCapacity = new long[5];

    private final Set<OpenClTensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
    private int liveBuffers;

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
        this.busyGroups = busyGroups > 0 ? busyGroups : 2 * (int) OpenClDevice.deviceLong(id, CL_DEVICE_MAX_COMPUTE_UNITS);
        long maxGroup = OpenClDevice.deviceLong(id, CL_DEVICE_MAX_WORK_GROUP_SIZE);
        long localBytes = OpenClDevice.deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE);
        this.tiles = tiles != null ? tiles : GemmTiles.forDevice(device.gpu(), maxGroup, localBytes);
        this.maxAllocBytes = OpenClDevice.deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.groupSize = Integer.highestOneBit((int) Math.min(256, maxGroup));
        this.colX = Math.min(16, groupSize);
        this.colY = groupSize / colX;
        if (this.tiles.threads() > maxGroup || this.tiles.localBytes() > localBytes) {
            throw new BackendUnavailableException("GEMM tiles " + this.tiles + " need " + this.tiles.threads()
                    + " work-items and " + this.tiles.localBytes() + " bytes of local memory, more than "
                    + device.name() + " has: choose smaller ones with -D" + GemmTiles.PROPERTY);
        }
        try {
            context = clCreateContext(properties(device), 1, new cl_device_id[] {id}, null, null, null);
            queue = clCreateCommandQueueWithProperties(context, id, null, null);
            // Division and sqrt rounded as Java rounds them (the default allows a few ulp), where the device can.
            boolean exactDivide = (OpenClDevice.deviceLong(id, CL_DEVICE_SINGLE_FP_CONFIG) & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
            program = buildProgram(context, device, sources(), this.tiles.buildOptions()
                    + " -DWG=" + groupSize + " -DCOL_X=" + colX + " -DCOL_Y=" + colY
                    + (exactDivide ? " -cl-fp32-correctly-rounded-divide-sqrt" : ""));
            gemm = kernel("gemm");
            mseLoss = kernel("mse_loss");
            sgdUpdate = kernel("sgd_update");
            sumSlices = kernel("sum_slices");
            hadamard = kernel("hadamard");
            reluGate = kernel("relu_gate");
            normalizeRows = kernel("normalize_rows");
            columnSums = kernel("column_sums");
            columnStats = kernel("column_stats");
            normalizeColumns = kernel("normalize_columns");
            batchNormTrain = kernel("batch_norm_train");
            batchNormEval = kernel("batch_norm_eval");
            batchNormBackward = kernel("batch_norm_backward");
            long[] gemmGroup = new long[1];
            clGetKernelWorkGroupInfo(gemm, id, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(gemmGroup), null);
            if (gemmGroup[0] < this.tiles.threads()) {
                throw new BackendUnavailableException("the GEMM kernel with tiles " + this.tiles + " can run only "
                        + gemmGroup[0] + " work-items per group on " + device.name()
                        + ": choose smaller tiles with -D" + GemmTiles.PROPERTY);
            }
            placeholder = createBuffer(1, 1);
            lossPartials = createBuffer(1, MAX_LOSS_GROUPS);
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
        return liveBuffers;
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        OpenClTensor tensor;
        if (rows <= 0 || cols <= 0) {
            tensor = new OpenClTensor(this, rows, cols, null);
        } else {
            if ((long) rows * cols > Integer.MAX_VALUE) {
                throw outOfMemory(rows, cols, " (a tensor holds at most 2^31 - 1 floats)");
            }
            tensor = new OpenClTensor(this, rows, cols, createBuffer(rows, cols));
        }
        tensors.add(tensor);
        return tensor;
    }

    /**
     * A zero-filled buffer of rows × cols floats, like a fresh Java array. The fill also makes the
     * device commit the memory now, so running out of it is reported here and not by a later kernel.
     */
    private cl_mem createBuffer(int rows, int cols) {
        long bytes = (long) rows * cols * Float.BYTES;
        if (bytes > maxAllocBytes) {
            throw outOfMemory(rows, cols, " (its largest buffer is " + (maxAllocBytes >> 20) + " MiB)");
        }
        cl_mem buffer = null;
        try {
            buffer = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            liveBuffers++;
            clEnqueueFillBuffer(queue, buffer, Pointer.to(new float[] {0f}), Float.BYTES, 0, bytes, 0, null, null);
            return buffer;
        } catch (CLException e) {
            if (buffer != null) {
                releaseBuffer(buffer);
            }
            if (isOutOfMemory(e.getStatus())) {
                throw outOfMemory(rows, cols, "");
            }
            throw e;
        }
    }

    private BackendUnavailableException outOfMemory(int rows, int cols, String detail) {
        return new BackendUnavailableException("out of device memory allocating " + rows + "x" + cols + " floats on "
                + device.name() + detail + ": use a smaller --batchsize");
    }

    private static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
                || status == CL_OUT_OF_HOST_MEMORY || status == CL_INVALID_BUFFER_SIZE;
    }

    void release(OpenClTensor tensor, cl_mem buffer) {
        tensors.remove(tensor);
        if (buffer != null) {
            releaseBuffer(buffer);
        }
    }

    private void releaseBuffer(cl_mem buffer) {
        // The device frees it once the commands already queued on it have finished.
        clReleaseMemObject(buffer);
        liveBuffers--;
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        cl_mem buffer = mem(dst);
        Shapes.require(src.length >= dst.size(), "upload: the array has " + src.length + " floats", dst);
        if (dst.size() > 0) {
            clEnqueueWriteBuffer(queue, buffer, CL_TRUE, 0, (long) dst.size() * Float.BYTES, Pointer.to(src), 0, null, null);
        }
    }

    @Override
    public void download(Tensor src, float[] dst) {
        cl_mem buffer = mem(src);
        Shapes.require(dst.length >= src.size(), "download: the array has " + dst.length + " floats", src);
        if (src.size() > 0) {
            clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, (long) src.size() * Float.BYTES, Pointer.to(dst), 0, null, null);
        }
    }

    @Override
    public void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        Shapes.copyRows(src, srcRow, dst, dstRow, count);
        long rowBytes = (long) src.cols() * Float.BYTES;
        if (count > 0 && rowBytes > 0) {
            clEnqueueCopyBuffer(queue, mem(src), mem(dst), srcRow * rowBytes, dstRow * rowBytes, count * rowBytes, 0, null, null);
        }
    }

    @Override
    public void reluMatmul(Tensor x, Tensor w, Tensor b, Tensor h) {
        Shapes.layer(x, w, b, h);
        gemm(TRANS_B | RELU | (b == null ? 0 : HAS_BIAS), x, w, h, x.cols(), 1f, 0f, optional(b), placeholder, null);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor b, Tensor y) {
        Shapes.layer(x, w, b, y);
        gemm(TRANS_B | (b == null ? 0 : HAS_BIAS), x, w, y, x.cols(), 1f, 0f, optional(b), placeholder, null);
    }

    @Override
    public float mseLoss(Tensor ys, Tensor yt, Tensor dy) {
        Shapes.same(ys, yt, "mseLoss");
        Shapes.same(ys, dy, "mseLoss");
        int count = ys.size();
        if (count == 0) {
            return 0f;  // as the reference: no entries, no error
        }
        int groups = (int) Math.min(MAX_LOSS_GROUPS, Math.ceilDiv(count, groupSize));
        args(mseLoss, count, mem(ys), mem(yt), mem(dy), lossPartials);
        run(mseLoss, new long[] {(long) groups * groupSize}, new long[] {groupSize});
        clEnqueueReadBuffer(queue, lossPartials, CL_TRUE, 0, (long) groups * Float.BYTES,
                Pointer.to(lossPartialsHost), 0, null, null);
        double sum = 0;
        for (int g = 0; g < groups; g++) {
            sum += lossPartialsHost[g];
        }
        return (float) (sum / count);
    }

    @Override
    public void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        Shapes.backwardInput(dz, w, h, dx);
        gemm(h == null ? 0 : HAS_GATE, dz, w, dx, w.rows(), 1f, 0f, placeholder, optional(h), null);
    }

    @Override
    public void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        Shapes.weightGrad(dz, x, dw, db);
        gemm(TRANS_A, dz, x, dw, dz.rows(), 1f, 0f, placeholder, placeholder, null);
        if (db != null) {
            columnSums(dz, db, 1f, 0f);
        }
    }

    @Override
    public void sgdFused(Tensor dz, Tensor x, Tensor w, Tensor b, float lr) {
        Shapes.weightGrad(dz, x, w, b);
        gemm(TRANS_A | HAS_BETA, dz, x, w, dz.rows(), -lr, 1f, placeholder, placeholder, null);
        if (b != null) {
            columnSums(dz, b, -lr, 1f);
        }
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay) {
        Shapes.same(p, grad, "sgdUpdate");
        Shapes.same(p, velocity, "sgdUpdate");
        args(sgdUpdate, p.size(), mem(p), mem(grad), mem(velocity), lr, momentum, weightDecay);
        runElementwise(sgdUpdate, p.size());
    }

    @Override
    public void normalizeRows(Tensor w, Tensor b) {
        if (b != null) {
            Shapes.require(b.size() == w.rows(), "normalizeRows: bias must have one entry per row", w, b);
        }
        args(normalizeRows, w.cols(), mem(w), optional(b), b == null ? 0 : 1);
        if (w.rows() > 0) {
            run(normalizeRows, new long[] {(long) w.rows() * groupSize}, new long[] {groupSize});
        }
    }

    @Override
    public void correlation(Tensor t, Tensor s, Tensor c) {
        Shapes.correlation(t, s, c);
        if (c.size() == 0) {
            return;
        }
        int kt = t.cols();
        int ks = s.cols();
        cl_mem tMean = scratch(T_MEAN, kt);
        cl_mem tInv = scratch(T_INV, kt);
        cl_mem sMean = scratch(S_MEAN, ks);
        cl_mem sInv = scratch(S_INV, ks);
        args(columnStats, t.rows(), kt, mem(t), tMean, tInv);
        runColumns(columnStats, kt);
        args(columnStats, s.rows(), ks, mem(s), sMean, sInv);
        runColumns(columnStats, ks);
        // c = (t − mean)ᵀ (s − mean) · tInv[a] · sInv[q]: the GEMM centres the tiles as it loads them.
        gemm(TRANS_A | CENTRE | SCALE, t, s, c, t.rows(), 1f, 0f, placeholder, placeholder,
                new cl_mem[] {tInv, sInv, tMean, sMean});
    }

    @Override
    public void matmul(Tensor a, boolean transposeA, Tensor b, boolean transposeB, Tensor c, float alpha, float beta) {
        Shapes.matmul(a, transposeA, b, transposeB, c);
        int flags = (transposeA ? TRANS_A : 0) | (transposeB ? TRANS_B : 0) | (beta == 0f ? 0 : HAS_BETA);
        gemm(flags, a, b, c, transposeA ? a.rows() : a.cols(), alpha, beta, placeholder, placeholder, null);
    }

    @Override
    public void hadamard(Tensor a, Tensor b, Tensor c) {
        Shapes.same(a, b, "hadamard");
        Shapes.same(a, c, "hadamard");
        args(hadamard, c.size(), mem(a), mem(b), mem(c));
        runElementwise(hadamard, c.size());
    }

    @Override
    public void gate(Tensor z, Tensor g) {
        Shapes.same(z, g, "gate");
        args(reluGate, g.size(), mem(z), mem(g));
        runElementwise(reluGate, g.size());
    }

    @Override
    public void normalizeColumns(Tensor w) {
        args(normalizeColumns, w.rows(), w.cols(), mem(w));
        runColumns(normalizeColumns, w.cols());
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, boolean relu, Tensor y, Tensor batchMean, Tensor batchInvStd) {
        Shapes.batchNorm("batchNormTrain", x, y, null, gamma, beta, runningMean, runningVar, batchMean, batchInvStd);
        args(batchNormTrain, x.rows(), x.cols(), mem(x), optional(gamma), flag(gamma), optional(beta), flag(beta),
                mem(runningMean), mem(runningVar), momentum, eps, relu ? 1 : 0, mem(y), mem(batchMean), mem(batchInvStd));
        runColumns(batchNormTrain, x.cols());
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                              float eps, boolean relu, Tensor y) {
        Shapes.batchNorm("batchNormEval", x, y, null, gamma, beta, runningMean, runningVar);
        args(batchNormEval, x.rows(), x.cols(), mem(x), optional(gamma), flag(gamma), optional(beta), flag(beta),
                mem(runningMean), mem(runningVar), eps, relu ? 1 : 0, mem(y));
        runColumns(batchNormEval, x.cols());
    }

    @Override
    public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor batchMean, Tensor batchInvStd,
                                  Tensor gate, Tensor dx, Tensor dGamma, Tensor dBeta) {
        Shapes.batchNorm("batchNormBackward", x, dy, gate, gamma, batchMean, batchInvStd, dGamma, dBeta);
        Shapes.same(x, dx, "batchNormBackward");
        args(batchNormBackward, x.rows(), x.cols(), mem(dy), mem(x), optional(gamma), flag(gamma), mem(batchMean),
                mem(batchInvStd), optional(gate), flag(gate), mem(dx), optional(dGamma), flag(dGamma),
                optional(dBeta), flag(dBeta));
        runColumns(batchNormBackward, x.cols());
    }

    /** 1 for a present tensor, 0 for an absent one (which the kernel gets as the placeholder). */
    private static int flag(Tensor t) {
        return t == null ? 0 : 1;
    }

    /**
     * {@code c = epilogue(alpha · op(a) · op(b))} over an inner dimension {@code k}; the flags and
     * the epilogue's arguments are those of gemm.cl. {@code scaleAndShift} is rowScale, colScale,
     * shiftA, shiftB, or null when neither SCALE nor CENTRE is asked.
     */
    private void gemm(int flags, Tensor a, Tensor b, Tensor c, int k, float alpha, float beta,
                      cl_mem bias, cl_mem gate, cl_mem[] scaleAndShift) {
        int m = c.rows();
        int n = c.cols();
        cl_mem[] extra = scaleAndShift != null ? scaleAndShift
                : new cl_mem[] {placeholder, placeholder, placeholder, placeholder};
        cl_mem aMem = mem(a);
        cl_mem bMem = mem(b);
        cl_mem out = mem(c);
        if (c.size() == 0) {
            return;
        }
        int slices = (flags & ~(TRANS_A | TRANS_B | HAS_BETA)) == 0 ? slices(m, n, k) : 1;
        int kSlice = Math.ceilDiv(Math.ceilDiv(k, slices), tiles.tsk()) * tiles.tsk();
        if (slices > 1) {
            slices = Math.ceilDiv(k, kSlice);
            out = scratch(SLICES, (long) slices * m * n);
        }
        args(gemm, m, n, k, kSlice, slices > 1 ? flags & (TRANS_A | TRANS_B) : flags, aMem, a.cols(), bMem, b.cols(),
                out, n, slices > 1 ? 1f : alpha, slices > 1 ? 0f : beta, bias, gate, extra[0], extra[1], extra[2], extra[3]);
        int threadsM = tiles.tsm() / tiles.wptm();
        int threadsN = tiles.tsn() / tiles.wptn();
        run(gemm, new long[] {(long) Math.ceilDiv(n, tiles.tsn()) * threadsN, (long) Math.ceilDiv(m, tiles.tsm()) * threadsM, slices},
                new long[] {threadsN, threadsM, 1});
        if (slices > 1) {
            args(sumSlices, m * n, slices, out, mem(c), alpha, beta);
            runElementwise(sumSlices, m * n);
        }
    }

    /**
     * Into how many slices to cut K so that the device has {@link #busyGroups} work-groups: 1 when
     * C alone has enough tiles, and never slices shallower than {@link #MIN_TILES_PER_SLICE} tiles.
     */
    private int slices(int m, int n, int k) {
        long tilesOfC = (long) Math.ceilDiv(m, tiles.tsm()) * Math.ceilDiv(n, tiles.tsn());
        long wanted = Math.ceilDiv(busyGroups, tilesOfC);
        long deepest = k / ((long) MIN_TILES_PER_SLICE * tiles.tsk());
        return (int) Math.max(1, Math.min(wanted, deepest));
    }

    /** {@code out = alpha · Σ_rows x + beta · out}. */
    private void columnSums(Tensor x, Tensor out, float alpha, float beta) {
        args(columnSums, x.rows(), x.cols(), mem(x), mem(out), alpha, beta);
        runColumns(columnSums, x.cols());
    }

    private void runElementwise(cl_kernel kernel, int count) {
        if (count > 0) {
            run(kernel, new long[] {(long) Math.ceilDiv(count, groupSize) * groupSize}, new long[] {groupSize});
        }
    }

    /** One group along the rows, enough along the columns. */
    private void runColumns(cl_kernel kernel, int cols) {
        if (cols > 0) {
            run(kernel, new long[] {(long) Math.ceilDiv(cols, colX) * colX, colY}, new long[] {colX, colY});
        }
    }

    private void run(cl_kernel kernel, long[] global, long[] local) {
        try {
            clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e.getStatus())) {
                throw new BackendUnavailableException("out of device memory running a kernel on " + device.name()
                        + " (" + CL.stringFor_errorCode(e.getStatus()) + "): use a smaller --batchsize", e);
            }
            throw e;
        }
    }

    private static void args(cl_kernel kernel, Object... values) {
        for (int i = 0; i < values.length; i++) {
            switch (values[i]) {
                case cl_mem buffer -> CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(buffer));
                case Integer v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                case Float v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                default -> throw new AssertionError("kernel argument " + values[i]);
            }
        }
    }

    /** The buffer of a tensor of this backend; an empty tensor's stands in as the placeholder. */
    private cl_mem mem(Tensor t) {
        if (!(t instanceof OpenClTensor tensor) || tensor.owner != this) {
            throw new IllegalArgumentException("tensor " + t + " belongs to another backend ("
                    + (t == null ? "null" : t.getClass().getSimpleName()) + ")");
        }
        cl_mem buffer = tensor.buffer();
        return buffer == null ? placeholder : buffer;
    }

    private cl_mem optional(Tensor t) {
        return t == null ? placeholder : mem(t);
    }

    private cl_mem scratch(int slot, long floats) {
        if (scratchCapacity[slot] < floats) {
            if (scratch[slot] != null) {
                releaseBuffer(scratch[slot]);
                scratch[slot] = null;
            }
            scratch[slot] = createBuffer(1, Math.toIntExact(floats));
            scratchCapacity[slot] = floats;
        }
        return scratch[slot];
    }

    private cl_kernel kernel(String name) {
        cl_kernel kernel = clCreateKernel(program, name, null);
        kernels.add(kernel);
        return kernel;
    }

    private static cl_context_properties properties(OpenClDevice device) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        return properties;
    }

    private static String[] sources() {
        String[] texts = new String[SOURCES.length];
        for (int i = 0; i < SOURCES.length; i++) {
            try (InputStream in = OpenClBackend.class.getResourceAsStream(SOURCES[i])) {
                if (in == null) {
                    throw new IllegalStateException("kernel source " + SOURCES[i] + " is missing from the jar");
                }
                texts[i] = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return texts;
    }

    /**
     * Compiles the sources for the device. On failure the compiler's log goes to a file, since it
     * may be long, and the exception names the file.
     */
    static cl_program buildProgram(cl_context context, OpenClDevice device, String[] sources, String options) {
        cl_program program = clCreateProgramWithSource(context, sources.length, sources, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device.device()}, options, null, null);
            return program;
        } catch (CLException e) {
            String log = buildLog(program, device.device());
            clReleaseProgram(program);
            Path file;
            try {
                file = Files.createTempFile("relukit-opencl-build-", ".log");
                Files.writeString(file, "device: " + device + "\noptions: " + options + "\n\n" + log);
            } catch (IOException io) {
                throw new BackendUnavailableException("the OpenCL kernels failed to build on " + device.name()
                        + " and the compiler log could not be saved (" + io.getMessage() + "): " + log.strip(), e);
            }
            throw new BackendUnavailableException("the OpenCL kernels failed to build on " + device.name()
                    + " (" + CL.stringFor_errorCode(e.getStatus()) + "): the compiler log is in " + file, e);
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            return new String(bytes, StandardCharsets.UTF_8).replace("\0", "");
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    /**
     * Through the host, as Backend's former default did, until an OpenCL kernel replaces it: it
     * allocates and copies, which only the --cross_entropy option pays.
     */
    @Override
    public float crossEntropyLoss(Tensor logits, Tensor teacherOutput, Tensor dLogits) {
        float[] z = new float[logits.size()], t = new float[logits.size()];
        download(logits, z);
        download(teacherOutput, t);
        float loss = ScalarKernels.crossEntropyLoss(z, t, z, logits.rows(), logits.cols());
        upload(z, dLogits);
        return loss;
    }

    @Override
    public void finish() {
        clFinish(queue);
    }

    /** Waits for the queue, then releases every tensor still open and everything the backend made. */
    @Override
    public void close() {
        if (queue != null) {
            clFinish(queue);
        }
        for (OpenClTensor tensor : List.copyOf(tensors)) {
            tensor.close();
        }
        for (int slot = 0; slot < scratch.length; slot++) {
            if (scratch[slot] != null) {
                releaseBuffer(scratch[slot]);
                scratch[slot] = null;
                scratchCapacity[slot] = 0;
            }
        }
        if (lossPartials != null) {
            releaseBuffer(lossPartials);
            lossPartials = null;
        }
        if (placeholder != null) {
            releaseBuffer(placeholder);
            placeholder = null;
        }
        kernels.forEach(CL::clReleaseKernel);
        kernels.clear();
        if (program != null) {
            clReleaseProgram(program);
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
