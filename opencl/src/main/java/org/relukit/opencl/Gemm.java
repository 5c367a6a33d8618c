package org.relukit.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.clGetKernelWorkGroupInfo;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.relukit.backend.BackendUnavailableException;

/**
 * Every product of the backend through the one tiled kernel of {@code gemm.cl}:
 * {@code c = epilogue(alpha · op(a) · op(b))}, split along K when C alone has too few tiles to
 * keep the device busy.
 */
final class Gemm {
    // The flags of gemm.cl.
    static final int TRANS_A = 1;
    static final int TRANS_B = 2;
    static final int CENTRE = 4;
    static final int HAS_BETA = 8;
    static final int HAS_BIAS = 16;
    static final int RELU = 32;
    static final int HAS_GATE = 64;
    static final int SCALE = 128;

    /** A split-K slice spans at least this many tiles of K, so the final sum stays cheap. */
    private static final int MIN_TILES_PER_SLICE = 8;

    private final GemmTiles tiles;
    /** Work-groups that keep the device busy; a GEMM with fewer tiles of C is split along K. */
    private final int busyGroups;
    private final Kernel gemm;
    private final Kernel sumSlices;
    private final KernelLauncher launcher;
    private final DeviceMemory memory;

    Gemm(GemmTiles tiles, int busyGroups, OpenClProgram program, KernelLauncher launcher, DeviceMemory memory,
         OpenClDevice device) {
        this.tiles = tiles;
        this.busyGroups = busyGroups;
        this.gemm = program.kernel("gemm");
        this.sumSlices = program.kernel("sum_slices");
        this.launcher = launcher;
        this.memory = memory;
        long[] gemmGroup = new long[1];
        clGetKernelWorkGroupInfo(gemm.id, device.device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(gemmGroup), null);
        if (gemmGroup[0] < tiles.threads()) {
            throw new BackendUnavailableException("the GEMM kernel with tiles " + tiles + " can run only "
                    + gemmGroup[0] + " work-items per group on " + device.name()
                    + ": choose smaller tiles with -D" + GemmTiles.PROPERTY);
        }
    }

    /** Fails when the tiles need more work-items or local memory than the device has. */
    static void checkFits(GemmTiles tiles, OpenClDevice device, long maxWorkGroupSize, long localMemBytes) {
        if (tiles.threads() > maxWorkGroupSize || tiles.localBytes() > localMemBytes) {
            throw new BackendUnavailableException("GEMM tiles " + tiles + " need " + tiles.threads()
                    + " work-items and " + tiles.localBytes() + " bytes of local memory, more than "
                    + device.name() + " has: choose smaller ones with -D" + GemmTiles.PROPERTY);
        }
    }

    /** A product without SCALE or CENTRE; {@code bias} and {@code gate} are the placeholder when absent. */
    void run(int flags, DeviceBuffer a, int lda, DeviceBuffer b, int ldb, DeviceBuffer c, int m, int n, int k,
             float alpha, float beta, DeviceBuffer bias, DeviceBuffer gate) {
        DeviceBuffer none = memory.placeholder();
        run(flags, a, lda, b, ldb, c, m, n, k, alpha, beta, bias, gate, none, none, none, none);
    }

    /**
     * {@code c[m × n] = epilogue(alpha · op(a) · op(b))} over an inner dimension {@code k}; the flags
     * and the epilogue's arguments are those of gemm.cl, and lda, ldb the row strides of a and b as
     * stored.
     */
    void run(int flags, DeviceBuffer a, int lda, DeviceBuffer b, int ldb, DeviceBuffer c, int m, int n, int k,
             float alpha, float beta, DeviceBuffer bias, DeviceBuffer gate,
             DeviceBuffer rowScale, DeviceBuffer colScale, DeviceBuffer shiftA, DeviceBuffer shiftB) {
        if (m == 0 || n == 0) {
            return;
        }
        int slices = (flags & ~(TRANS_A | TRANS_B | HAS_BETA)) == 0 ? slices(m, n, k) : 1;
        int kSlice = Math.ceilDiv(Math.ceilDiv(k, slices), tiles.tsk()) * tiles.tsk();
        DeviceBuffer out = c;
        if (slices > 1) {
            slices = Math.ceilDiv(k, kSlice);
            out = memory.scratch(DeviceMemory.SLICES, (long) slices * m * n);
        }
        gemm.args().arg(m).arg(n).arg(k).arg(kSlice).arg(slices > 1 ? flags & (TRANS_A | TRANS_B) : flags)
                .arg(a).arg(lda).arg(b).arg(ldb).arg(out).arg(n)
                .arg(slices > 1 ? 1f : alpha).arg(slices > 1 ? 0f : beta)
                .arg(bias).arg(gate).arg(rowScale).arg(colScale).arg(shiftA).arg(shiftB);
        int threadsM = tiles.tsm() / tiles.wptm();
        int threadsN = tiles.tsn() / tiles.wptn();
        launcher.run(gemm, 3, (long) Math.ceilDiv(n, tiles.tsn()) * threadsN, (long) Math.ceilDiv(m, tiles.tsm()) * threadsM,
                slices, threadsN, threadsM, 1);
        if (slices > 1) {
            sumSlices.args().arg(m * n).arg(slices).arg(out).arg(c).arg(alpha).arg(beta);
            launcher.elementwise(sumSlices, m * n);
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
}
