package org.relukit.backend;

/**
 * The shape rules of every kernel, applied by {@link CheckedBackend} before any backend runs, so a
 * mismatch reads the same whichever backend runs.
 */
public final class Shapes {
    private Shapes() {}

    /**
     * The exception for a broken rule: {@code what} and the tensors' shapes. Callers test the rule
     * first and build this only when it fails, so a check allocates nothing on the hot path.
     */
    public static IllegalArgumentException mismatch(String what, Tensor... tensors) {
        if (tensors.length == 0) {
            return new IllegalArgumentException(what);
        }
        StringBuilder shapes = new StringBuilder();
        for (Tensor t : tensors) {
            shapes.append(shapes.isEmpty() ? "" : ", ").append(t);
        }
        return new IllegalArgumentException(what + " (shapes: " + shapes + ")");
    }

    /** Throws {@link #mismatch} unless {@code rule} holds; {@code what} is a constant, so a check that passes builds nothing. */
    private static void require(boolean rule, String what, Tensor a, Tensor b) {
        if (!rule) {
            throw mismatch(what, a, b);
        }
    }

    private static void require(boolean rule, String what, Tensor a, Tensor b, Tensor c) {
        if (!rule) {
            throw mismatch(what, a, b, c);
        }
    }

    /** x[B×K] · w[N×K]ᵀ + b[1×N] → out[B×N]. */
    public static void layer(Tensor x, Tensor w, Tensor b, Tensor out) {
        require(x.cols() == w.cols(), "layer: x and w must have the same number of columns", x, w);
        require(out.rows() == x.rows() && out.cols() == w.rows(), "layer: output must be B x N", x, w, out);
        require(b == null || b.size() == w.rows(), "layer: bias must have one entry per row of w", w, b);
    }

    /** {@code a} and {@code b} have the same rows and columns. */
    public static void same(Tensor a, Tensor b, String what) {
        if (!(a.rows() == b.rows() && a.cols() == b.cols())) {
            throw mismatch(what + ": tensors must have the same shape", a, b);
        }
    }

    /** dz[B×N] · w[N×K] → dx[B×K], gated by {@code h} (may be null) of dx's shape. */
    public static void backwardInput(Tensor dz, Tensor w, Tensor h, Tensor dx) {
        require(dz.cols() == w.rows(), "backwardInput: dz must have one column per row of w", dz, w);
        require(dx.rows() == dz.rows() && dx.cols() == w.cols(), "backwardInput: dx must be B x K", dz, w, dx);
        if (h != null) {
            same(h, dx, "backwardInput gate");
        }
    }

    /** dz[B×N]ᵀ · x[B×K] → dw[N×K], and db (may be null) of N entries. */
    public static void weightGrad(Tensor dz, Tensor x, Tensor dw, Tensor db) {
        require(dz.rows() == x.rows(), "weightGrad: dz and x must have the same batch size", dz, x);
        require(dw.rows() == dz.cols() && dw.cols() == x.cols(), "weightGrad: dw must be N x K", dz, x, dw);
        require(db == null || db.size() == dz.cols(), "weightGrad: db must have one entry per column of dz", dz, db);
    }

    /** Teacher t[B×Kt] and student s[B×Ks] activations over the same samples → c[Kt×Ks]. */
    public static void correlation(Tensor t, Tensor s, Tensor c) {
        require(t.rows() == s.rows(), "correlation: t and s must have the same number of samples", t, s);
        require(c.rows() == t.cols() && c.cols() == s.cols(), "correlation: c must be Kt x Ks", t, s, c);
    }

    /** op(a)[M×K] · op(b)[K×N] → c[M×N], where op transposes when its flag is set. */
    public static void matmul(Tensor a, boolean ta, Tensor b, boolean tb, Tensor c) {
        int m = ta ? a.cols() : a.rows();
        int ka = ta ? a.rows() : a.cols();
        int kb = tb ? b.cols() : b.rows();
        int n = tb ? b.rows() : b.cols();
        require(ka == kb, "matmul: inner dimensions differ", a, b);
        require(c.rows() == m && c.cols() == n, "matmul: c has the wrong shape", a, b, c);
    }

    /** {@code count} whole rows from {@code srcRow} of src to {@code dstRow} of dst, both in range. */
    public static void copyRows(Tensor src, int srcRow, Tensor dst, int dstRow, int count) {
        require(src.cols() == dst.cols(), "copyRows: tensors must have the same number of columns", src, dst);
        if (!(count >= 0 && srcRow >= 0 && dstRow >= 0 && srcRow + count <= src.rows() && dstRow + count <= dst.rows())) {
            throw mismatch("copyRows: rows " + srcRow + "+" + count + " -> " + dstRow + " out of range", src, dst);
        }
    }

    /**
     * BatchNorm over {@code channels} channels of {@code x[B × C·S]} (BatchNorm1d: one channel per
     * column, S = 1): {@code y} and {@code gate} (if not null) shaped like {@code x}, and each of the
     * six statistics and parameters (null where absent) of C entries. Fixed arity, not varargs: a
     * varargs array was allocated on every call, 225–352 bytes a {@code --bn} step, which C2 did not
     * remove.
     */
    public static void batchNorm(String what, Tensor x, int channels, Tensor y, Tensor gate,
                                 Tensor v1, Tensor v2, Tensor v3, Tensor v4, Tensor v5, Tensor v6) {
        if (!(channels == x.cols() || (channels > 0 && x.cols() % channels == 0))) {
            throw mismatch(what + ": x must have a whole number of columns per channel for " + channels + " channels", x);
        }
        same(x, y, what);
        // Not same(x, gate, what + " gate"): that would build the name on every call.
        if (gate != null && !(gate.rows() == x.rows() && gate.cols() == x.cols())) {
            throw mismatch(what + " gate: tensors must have the same shape", x, gate);
        }
        perChannel(what, channels, v1);
        perChannel(what, channels, v2);
        perChannel(what, channels, v3);
        perChannel(what, channels, v4);
        perChannel(what, channels, v5);
        perChannel(what, channels, v6);
    }

    private static void perChannel(String what, int channels, Tensor v) {
        if (v != null && !(v.size() == channels)) {
            throw mismatch(what + ": every statistic and parameter must have one entry per channel (" + channels + ")", v);
        }
    }

    /** x[B × C·H·W], w[N × C·9], b (may be null) of N entries → y[B × N·(H−2)·(W−2)]. */
    public static void conv3x3(String what, Tensor x, int height, int width, Tensor w, Tensor b, Tensor y) {
        if (!(height >= 3 && width >= 3)) {
            throw mismatch(what + ": a 3x3 convolution needs a map of at least 3 x 3, got " + height + " x " + width);
        }
        if (!(w.cols() > 0 && w.cols() % 9 == 0)) {
            throw mismatch(what + ": conv weights must have C*9 columns (N x C x 3 x 3)", w);
        }
        long channels = w.cols() / 9;
        if (!(x.cols() == channels * height * width)) {
            throw mismatch(what + ": x must have C*" + height + "*" + width + " columns for C = " + channels, x, w);
        }
        if (!(y.rows() == x.rows() && y.cols() == (long) w.rows() * (height - 2) * (width - 2))) {
            throw mismatch(what + ": the output must be B x N*" + (height - 2) + "*" + (width - 2), x, w, y);
        }
        if (b != null) {
            if (!(b.size() == w.rows())) {
                throw mismatch(what + ": bias must have one entry per filter", w, b);
            }
        }
    }

    /** x[B × C·S] → y[B·S × C]. */
    public static void channelsToRows(Tensor x, int channels, Tensor y) {
        if (!(channels > 0 && x.cols() % channels == 0)) {
            throw mismatch("channelsToRows: x must have a whole number of columns per channel for " + channels + " channels", x);
        }
        require(y.cols() == channels && (long) y.rows() == (long) x.rows() * (x.cols() / channels),
                "channelsToRows: y must be B*S x C", x, y);
    }
}
