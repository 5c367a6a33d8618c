package org.relukit.opencl;

import java.util.Arrays;

/**
 * The tile sizes of {@code gemm.cl}, after CLBlast's tunable Xgemm parameters: a work-group computes
 * a {@code tsm × tsn} tile of C through local tiles of depth {@code tsk}, each work-item a
 * {@code wptm × wptn} block in registers; global loads are {@code vw} floats wide. With
 * {@code local} false (CLBlast's SA = SB = 0, for CPUs) the kernel reads A and B straight from
 * global memory, and {@code tsk} and {@code vw} play no part.
 *
 * <p>They become {@code -D} build options, so the compiler sees constants and unrolls.
 * {@code -Drelukit.opencl.tiles=tsm,tsn,tsk,wptm,wptn,vw[,local]} overrides the per-device choice
 * ({@code local} 1 or 0, 1 when left out).
 */
public record GemmTiles(int tsm, int tsn, int tsk, int wptm, int wptn, int vw, boolean local) {
    public static final String PROPERTY = "relukit.opencl.tiles";

    /** @throws IllegalArgumentException when the tiles do not divide as the kernel needs */
    public GemmTiles {
        if (tsm % wptm != 0 || tsn % wptn != 0 || (vw != 1 && vw != 2 && vw != 4)
                || tsm % vw != 0 || tsn % vw != 0 || tsk % vw != 0) {
            throw new IllegalArgumentException("GEMM tiles " + csv(tsm, tsn, tsk, wptm, wptn, vw, local ? 1 : 0)
                    + " are inconsistent: tsm must be a multiple of wptm, tsn of wptn, and tsm, tsn, tsk of vw (1, 2 or 4)");
        }
    }

    /** Tiles staged in local memory. */
    public GemmTiles(int tsm, int tsn, int tsk, int wptm, int wptn, int vw) {
        this(tsm, tsn, tsk, wptm, wptn, vw, true);
    }

    /**
     * A GPU runs 16 × 16 work-items of 4 × 4 outputs on 64 × 64 tiles, as myGEMM's kernel 6 does on
     * NVIDIA cards. PoCL runs a work-group as loops on one core, vectorised across work-items, and
     * spills each work-item's accumulators at every barrier; a CPU gets no local tiles, hence no
     * barriers, and 8 × 8 work-items of 8 × 8 outputs.
     */
    static GemmTiles forDevice(boolean gpu, long maxWorkGroupSize, long localMemBytes) {
        String forced = System.getProperty(PROPERTY);
        if (forced != null) {
            return parse(forced);
        }
        GemmTiles tiles = gpu ? new GemmTiles(64, 64, 16, 4, 4, 4) : new GemmTiles(64, 64, 16, 8, 8, 4, false);
        // A small device (an integrated GPU, an old card) gets the smallest sensible tiles.
        if (tiles.threads() > maxWorkGroupSize || tiles.localBytes() > localMemBytes) {
            tiles = new GemmTiles(16, 16, 16, 2, 2, 2);
        }
        return tiles;
    }

    static GemmTiles parse(String csv) {
        int[] v;
        try {
            v = Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            v = new int[0];
        }
        boolean sizesOk = (v.length == 6 || v.length == 7) && Arrays.stream(v, 0, 6).allMatch(x -> x >= 1);
        if (!sizesOk || (v.length == 7 && v[6] != 0 && v[6] != 1)) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + csv
                    + " is not tsm,tsn,tsk,wptm,wptn,vw[,local]: six positive integers and 1 or 0 (e.g. 64,64,16,4,4,4,1)");
        }
        return new GemmTiles(v[0], v[1], v[2], v[3], v[4], v[5], v.length == 6 || v[6] == 1);
    }

    /** Work-items per work-group. */
    int threads() {
        return (tsm / wptm) * (tsn / wptn);
    }

    long localBytes() {
        return local ? (long) tsk * (tsm + tsn) * Float.BYTES : 0;
    }

    String buildOptions() {
        return "-DTSM=" + tsm + " -DTSN=" + tsn + " -DTSK=" + tsk + " -DWPTM=" + wptm + " -DWPTN=" + wptn + " -DVW=" + vw + " -DLOCAL=" + (local ? 1 : 0);
    }

    @Override
    public String toString() {
        return csv(tsm, tsn, tsk, wptm, wptn, vw, local ? 1 : 0);
    }

    private static String csv(int... values) {
        return String.join(",", Arrays.stream(values).mapToObj(Integer::toString).toList());
    }
}
