package org.relukit.jmh;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One conv layer as the suites benchmark it, written {@code bB:CxHxW->N}: a batch of B images of C
 * channels of H × W through N 3 × 3 filters (stride 1, no padding) to maps of (H − 2) × (W − 2).
 * {@code b64:50x14x14->75} is the gaussian student's second layer at batch 64.
 */
record ConvLayerShape(int batch, int channels, int height, int width, int filters) {
    private static final Pattern FORM = Pattern.compile("b(\\d+):(\\d+)x(\\d+)x(\\d+)->(\\d+)");

    ConvLayerShape {
        if (batch < 1 || channels < 1 || height < 3 || width < 3 || filters < 1) {
            throw new IllegalArgumentException("a conv layer needs positive sizes and maps of at least 3 x 3, got "
                    + batch + ":" + channels + "x" + height + "x" + width + "->" + filters);
        }
    }

    static ConvLayerShape parse(String shape) {
        Matcher m = FORM.matcher(shape.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("conv layer '" + shape + "' is not of the form bB:CxHxW->N (batch B,"
                    + " C channels of H x W, N filters), e.g. -p layer=b64:50x14x14->75");
        }
        return new ConvLayerShape(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
    }

    int inputCols() {
        return channels * height * width;
    }

    /** Output positions of one map. */
    int positions() {
        return (height - 2) * (width - 2);
    }

    /** The patch matrix's rows: C·9, the fan-in of a filter. */
    int patchRows() {
        return channels * 9;
    }

    /**
     * Floating-point operations of each of the layer's three kernels, the product of a filter with
     * every patch: {@code 2·B·N·P·C·9} (one FMA = 2).
     */
    double flops() {
        return 2.0 * batch * filters * positions() * patchRows();
    }

    @Override
    public String toString() {
        return "b" + batch + ":" + channels + "x" + height + "x" + width + "->" + filters;
    }
}
