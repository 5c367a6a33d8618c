package org.relukit.data;

/**
 * A set of labelled images held on the host, already normalised.
 *
 * <p>Sample {@code i} occupies {@code pixels[i * sampleLength() ... (i + 1) * sampleLength())},
 * channel-major (NCHW): all of channel 0 row by row, then channel 1, and so on. The arrays are
 * the set's own, not copies; nobody writes to them after the reader returns.
 *
 * @param pixels   {@code size() × channels × height × width} normalised pixel values
 * @param labels   the class of each sample, in {@code [0, 10)} for MNIST and CIFAR-10
 * @param channels 1 for MNIST, 3 (red, green, blue) for CIFAR-10
 */
public record ImageSet(float[] pixels, int[] labels, int channels, int height, int width) {
    public ImageSet {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("an image needs a positive shape, got " + channels + " x " + height + " x " + width);
        }
        if (pixels.length != (long) labels.length * channels * height * width) {
            throw new IllegalArgumentException(pixels.length + " pixel values do not make " + labels.length + " images of "
                    + channels + " x " + height + " x " + width);
        }
    }

    /** The number of samples. */
    public int size() {
        return labels.length;
    }

    /** The floats of one sample: {@code channels × height × width}. */
    public int sampleLength() {
        return channels * height * width;
    }

    /**
     * Copies samples {@code order[from] ... order[from + count - 1]} into rows {@code 0 ... count - 1}
     * of {@code batch} (row length {@link #sampleLength()}). Pass a permutation to shuffle, or
     * {@code 0, 1, 2, ...} to go through the set in order. Allocates nothing.
     */
    public void copySamples(int[] order, int from, int count, float[] batch) {
        int length = sampleLength();
        checkBatch(order, from, count, batch.length, length);
        for (int row = 0; row < count; row++) {
            System.arraycopy(pixels, order[from + row] * length, batch, row * length, length);
        }
    }

    /** Copies the labels of the samples {@link #copySamples} copies, into {@code batchLabels[0 ... count)}. */
    public void copyLabels(int[] order, int from, int count, int[] batchLabels) {
        checkBatch(order, from, count, batchLabels.length, 1);
        for (int row = 0; row < count; row++) {
            batchLabels[row] = labels[order[from + row]];
        }
    }

    // The message is built only when the check fails, so that a good call allocates nothing.
    void checkBatch(int[] order, int from, int count, int batchLength, int rowLength) {
        if (from < 0 || count < 0 || from + count > order.length || (long) count * rowLength > batchLength) {
            throw new IllegalArgumentException("cannot copy " + count + " samples from position " + from + " of an order of "
                    + order.length + " into a batch of " + batchLength + " values (" + rowLength + " per sample)");
        }
    }
}
