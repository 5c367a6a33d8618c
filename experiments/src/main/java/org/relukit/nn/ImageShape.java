package org.relukit.nn;

/**
 * One input image as a convolutional network reads it: {@code channels} maps of
 * {@code height × width}, stored channel-major in a row (PyTorch's NCHW), so a batch of images is
 * a tensor {@code B × channels·height·width}.
 */
public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("an image has at least one channel, row and column, not "
                    + channels + " x " + height + " x " + width);
        }
    }

    /** Floats per image. */
    public int size() {
        return channels * height * width;
    }

    /**
     * How many 3 × 3 convolutions without padding the image can go through: each takes 2 off its
     * height and width, and at least one position must be left.
     */
    public int deepestConvStack() {
        return (Math.min(height, width) - 1) / 2;
    }

    @Override
    public String toString() {
        return channels + " x " + height + " x " + width;
    }
}
