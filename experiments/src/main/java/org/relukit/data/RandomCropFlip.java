package org.relukit.data;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Training-batch augmentation as torchvision's {@code RandomCrop(size, padding)} followed by
 * {@code RandomHorizontalFlip()}: each image is padded by {@code padding} pixels on every side, a
 * window of the original size is cut out at a random offset {@code (dy, dx)}, each drawn uniformly
 * from {@code 0 ... 2 × padding}, and the window is mirrored left to right with probability 1/2.
 *
 * <p>It works on images that are already normalised, so the padding holds, per channel, the
 * normalised value of the raw pixel the original pads with; see {@link Cifar10#trainingAugmentation()}.
 * One instance serves any number of batches and threads: it keeps no state between calls and
 * allocates nothing per batch.
 */
public final class RandomCropFlip {
    private final int padding;
    private final float[] fill;

    /**
     * @param padding the pixels added on each side before the crop
     * @param fill    the value of the padding in each channel
     */
    public RandomCropFlip(int padding, float[] fill) {
        if (padding < 0) {
            throw new IllegalArgumentException("crop padding must be 0 or more pixels, got " + padding);
        }
        this.padding = padding;
        this.fill = fill.clone();
    }

    /**
     * Writes an augmented copy of samples {@code order[from] ... order[from + count - 1]} of
     * {@code set} into rows {@code 0 ... count - 1} of {@code batch}, drawing, per sample, the row
     * offset, the column offset, then whether to flip from {@code random}. The labels are those
     * {@link ImageSet#copyLabels} copies for the same arguments.
     */
    public void apply(ImageSet set, int[] order, int from, int count, float[] batch, RandomGenerator random) {
        if (fill.length != set.channels()) {
            throw new IllegalArgumentException("this augmentation pads " + fill.length + " channels, the images have " + set.channels());
        }
        int length = set.sampleLength();
        set.checkBatch(order, from, count, batch.length, length);
        int offsets = 2 * padding + 1;
        for (int row = 0; row < count; row++) {
            int dy = random.nextInt(offsets);
            int dx = random.nextInt(offsets);
            boolean flip = random.nextBoolean();
            cropFlip(set.pixels(), order[from + row] * length, set.channels(), set.height(), set.width(),
                    dy, dx, flip, batch, row * length);
        }
    }

    /**
     * One image: output pixel {@code (c, y, x)} is pixel {@code (c, y + dy − padding, x' + dx − padding)}
     * of the source, or {@code fill[c]} where that falls outside it, with {@code x' = width − 1 − x}
     * when flipped and {@code x' = x} otherwise.
     */
    void cropFlip(float[] image, int imageOffset, int channels, int height, int width,
                  int dy, int dx, boolean flip, float[] out, int outOffset) {
        // The crop's columns [first, end) come from the image; the rest is padding.
        int first = Math.min(width, Math.max(0, padding - dx));
        int end = Math.max(first, Math.min(width, width + padding - dx));
        int shift = dx - padding;
        for (int c = 0; c < channels; c++) {
            float pad = fill[c];
            for (int y = 0; y < height; y++) {
                int outRow = outOffset + (c * height + y) * width;
                int sourceY = y + dy - padding;
                if (sourceY < 0 || sourceY >= height) {
                    Arrays.fill(out, outRow, outRow + width, pad);
                    continue;
                }
                int sourceRow = imageOffset + (c * height + sourceY) * width;
                if (!flip) {
                    Arrays.fill(out, outRow, outRow + first, pad);
                    // Guarded: with a padding wider than the image, the window can miss it entirely.
                    if (end > first) {
                        System.arraycopy(image, sourceRow + first + shift, out, outRow + first, end - first);
                    }
                    Arrays.fill(out, outRow + end, outRow + width, pad);
                } else {
                    // Mirrored, crop column x' lands at x = width − 1 − x', so the image fills [width − end, width − first).
                    Arrays.fill(out, outRow, outRow + width - end, pad);
                    for (int x = width - end; x < width - first; x++) {
                        out[outRow + x] = image[sourceRow + width - 1 - x + shift];
                    }
                    Arrays.fill(out, outRow + width - first, outRow + width, pad);
                }
            }
        }
    }
}
