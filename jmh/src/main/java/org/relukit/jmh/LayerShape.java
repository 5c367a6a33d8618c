package org.relukit.jmh;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One layer as the suites benchmark it, written {@code bB:KxN}: a batch {@code x[B × K]} through
 * weights {@code w[N × K]} to {@code h[B × N]}. {@code b64:20x100} is the student's first layer of
 * {@code recon} at batch 64.
 */
record LayerShape(int batch, int fanIn, int nodes) {
    private static final Pattern FORM = Pattern.compile("b(\\d+):(\\d+)x(\\d+)");

    LayerShape {
        if (batch < 1 || fanIn < 1 || nodes < 1) {
            throw new IllegalArgumentException("layer sizes must be positive, got b" + batch + ":" + fanIn + "x" + nodes);
        }
    }

    static LayerShape parse(String shape) {
        Matcher m = FORM.matcher(shape.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("shape '" + shape + "' is not of the form bB:KxN (batch B, fan-in K,"
                    + " N nodes), e.g. -p shape=b64:20x100");
        }
        return new LayerShape(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    /** Floating-point operations of the B × K × N product every kernel of a layer carries: one FMA = 2. */
    double gemmFlops() {
        return 2.0 * batch * fanIn * nodes;
    }

    @Override
    public String toString() {
        return "b" + batch + ":" + fanIn + "x" + nodes;
    }
}
