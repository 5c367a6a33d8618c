package org.relukit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The random crop of the padded image and the horizontal flip, against a literal padded-image reference. */
class RandomCropFlipTest {
    private static final int LENGTH = 3 * 32 * 32;
    // The normalised black of each CIFAR-10 channel, by hand: −0.4914 / 0.2023, −0.4822 / 0.1994, −0.4465 / 0.2010.
    private static final float[] BLACK = {-2.429066f, -2.418255f, -2.221393f};

    /** Images of values in [−3, 3), none equal to a padding value. */
    private static ImageSet randomSet(int size, int channels, int height, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[size * channels * height * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble(-3, 3);
        }
        return new ImageSet(pixels, random.ints(size, 0, 10).toArray(), channels, height, width);
    }

    private static float pixel(ImageSet set, int sample, int c, int y, int x) {
        return set.pixels()[((sample * set.channels() + c) * set.height() + y) * set.width() + x];
    }

    /** The crop as torchvision builds it: pad into a bigger image, cut the window out, mirror it. */
    private static float[] reference(ImageSet set, int sample, int padding, float[] fill, int dy, int dx, boolean flip) {
        int h = set.height();
        int w = set.width();
        int ph = h + 2 * padding;
        int pw = w + 2 * padding;
        float[][][] padded = new float[set.channels()][ph][pw];
        for (int c = 0; c < set.channels(); c++) {
            for (float[] row : padded[c]) {
                Arrays.fill(row, fill[c]);
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    padded[c][y + padding][x + padding] = pixel(set, sample, c, y, x);
                }
            }
        }
        float[] out = new float[set.sampleLength()];
        for (int c = 0; c < set.channels(); c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[(c * h + y) * w + x] = padded[c][dy + y][dx + (flip ? w - 1 - x : x)];
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{1} x {2} x {3}, padding {0}")
    @CsvSource({"4, 3, 32, 32", "3, 2, 5, 7", "0, 1, 4, 3", "6, 1, 3, 5"})
    void everyOffsetAndFlipMatchesThePaddedImageReference(int padding, int channels, int height, int width) {
        ImageSet set = randomSet(2, channels, height, width, 11);
        float[] fill = new float[channels];
        for (int c = 0; c < channels; c++) {
            fill[c] = 10 + c;
        }
        RandomCropFlip augmentation = new RandomCropFlip(padding, fill);
        float[] out = new float[set.sampleLength() + 2];
        for (int dy = 0; dy <= 2 * padding; dy++) {
            for (int dx = 0; dx <= 2 * padding; dx++) {
                for (boolean flip : new boolean[] {false, true}) {
                    Arrays.fill(out, Float.NaN);
                    augmentation.cropFlip(set.pixels(), set.sampleLength(), channels, height, width, dy, dx, flip, out, 1);
                    float[] expected = reference(set, 1, padding, fill, dy, dx, flip);
                    assertArrayEquals(expected, Arrays.copyOfRange(out, 1, 1 + set.sampleLength()),
                            "dy " + dy + ", dx " + dx + ", flip " + flip);
                    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[out.length - 1]), "wrote outside its row");
                }
            }
        }
    }

    /** CIFAR-10's training crop of the first image of {@code set}, its window at row dy and column dx of the padded image. */
    private static float[] cifarCrop(ImageSet set, int dy, int dx, boolean flip) {
        float[] out = new float[LENGTH];
        Cifar10.trainingAugmentation().cropFlip(set.pixels(), 0, 3, 32, 32, dy, dx, flip, out, 0);
        return out;
    }

    @Test
    void theCentredCropReproducesTheImageAndItsFlipMirrorsIt() {
        ImageSet set = randomSet(1, 3, 32, 32, 3);
        assertArrayEquals(set.pixels(), cifarCrop(set, 4, 4, false));

        float[] out = cifarCrop(set, 4, 4, true);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    assertEquals(pixel(set, 0, c, y, 31 - x), out[(c * 32 + y) * 32 + x]);
                }
            }
        }
    }

    @Test
    void thePaddingHoldsTheNormalisedZeroOfEachChannel() {
        ImageSet set = randomSet(1, 3, 32, 32, 5);
        // Window at the top-left corner of the 40 × 40 padded image: 4 rows and 4 columns of padding, then the image.
        float[] out = cifarCrop(set, 0, 0, false);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    float value = out[(c * 32 + y) * 32 + x];
                    if (y < 4 || x < 4) {
                        assertEquals(BLACK[c], value, 1e-6f, "channel " + c + " (" + y + ", " + x + ")");
                    } else {
                        assertEquals(pixel(set, 0, c, y - 4, x - 4), value);
                    }
                }
            }
        }
        // Bottom-right corner, mirrored: the padding is now in the last 4 rows and the first 4 columns.
        out = cifarCrop(set, 8, 8, true);
        assertEquals(BLACK[1], out[(32 + 28) * 32 + 10], 1e-6f);
        assertEquals(BLACK[2], out[(64 + 5) * 32 + 3], 1e-6f);
        // Output (y, x) is padded (y + 8, 31 − x + 8), image (y + 4, 35 − x): (5, 4) shows (9, 31).
        assertEquals(pixel(set, 0, 2, 9, 31), out[(64 + 5) * 32 + 4]);
    }

    @Test
    void applyDrawsRowOffsetColumnOffsetAndFlipPerSample() {
        ImageSet set = randomSet(5, 3, 32, 32, 7);
        RandomCropFlip augmentation = Cifar10.trainingAugmentation();
        int[] order = {4, 1, 3, 0, 2, 1, 4};
        float[] batch = new float[4 * LENGTH];
        augmentation.apply(set, order, 2, 4, batch, new SplittableRandom(42));

        SplittableRandom draws = new SplittableRandom(42);
        for (int row = 0; row < 4; row++) {
            int dy = draws.nextInt(9);
            int dx = draws.nextInt(9);
            boolean flip = draws.nextBoolean();
            float[] expected = reference(set, order[2 + row], 4, BLACK, dy, dx, flip);
            assertArrayEquals(expected, Arrays.copyOfRange(batch, row * LENGTH, (row + 1) * LENGTH), 1e-6f, "row " + row);
        }
    }

    @Test
    void offsetsCoverZeroToEightAndHalfTheImagesAreFlipped() {
        // A 3 × 3 image, 0 but for a mark 1 at its centre and a 2 to the right of it, padded by 4 with −1.
        float[] pixels = new float[9];
        pixels[4] = 1f;
        pixels[5] = 2f;
        ImageSet set = new ImageSet(pixels, new int[] {0}, 1, 3, 3);
        RandomCropFlip augmentation = new RandomCropFlip(4, new float[] {-1f});
        int samples = 8100;
        float[] batch = new float[samples * 9];
        augmentation.apply(set, new int[samples], 0, samples, batch, new SplittableRandom(1));

        // The centre, at (5, 5) of the 11 × 11 padded image, lands at (5 − dy, 5 − dx) of the window
        // (mirrored when flipped) for dy, dx in 3 ... 5: each of the 9 positions takes 1/81 of the samples.
        int[] marks = new int[9];
        int flipped = 0;
        int unflipped = 0;
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < 9; i++) {
                if (batch[s * 9 + i] == 1f) {
                    marks[i]++;
                    flipped += i % 3 > 0 && batch[s * 9 + i - 1] == 2f ? 1 : 0;
                    unflipped += i % 3 < 2 && batch[s * 9 + i + 1] == 2f ? 1 : 0;
                }
            }
        }
        int inside = Arrays.stream(marks).sum();
        assertTrue(inside < samples / 4, inside + " of " + samples + " windows hold the centre; 1/9 should");
        for (int i = 0; i < 9; i++) {
            assertTrue(marks[i] > 50 && marks[i] < 150, "window position " + i + " held the centre " + marks[i] + " times, not about 100");
        }
        assertTrue(Math.abs(flipped - unflipped) < 0.2 * (flipped + unflipped), flipped + " flipped, " + unflipped + " not");
    }

    @Test
    void batchesAllocateNothing() {
        ImageSet set = randomSet(5, 3, 32, 32, 13);
        RandomCropFlip augmentation = Cifar10.trainingAugmentation();
        int[] order = new SplittableRandom(2).ints(64, 0, 5).toArray();
        float[] batch = new float[64 * LENGTH];
        int[] labels = new int[64];
        SplittableRandom random = new SplittableRandom(3);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int rounds = 2000;
        for (int i = 0; i < rounds; i++) {
            augmentation.apply(set, order, 0, 64, batch, random);
            set.copySamples(order, 0, 64, batch);
            set.copyLabels(order, 0, 64, labels);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            augmentation.apply(set, order, 0, 64, batch, random);
            set.copySamples(order, 0, 64, batch);
            set.copyLabels(order, 0, 64, labels);
        }
        long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(bytes < rounds, bytes + " bytes allocated over " + rounds + " batches");
    }

    @Test
    void aBatchThatDoesNotFitOrAnotherChannelCountIsRefused() {
        ImageSet set = randomSet(5, 3, 32, 32, 1);
        int[] order = {0, 1, 2};
        String message = assertThrows(IllegalArgumentException.class,
                () -> Cifar10.trainingAugmentation().apply(set, order, 0, 3, new float[2 * LENGTH], new SplittableRandom(1))).getMessage();
        assertEquals("cannot copy 3 samples from position 0 of an order of 3 into a batch of 6144 values (3072 per sample)", message);
        assertThrows(IllegalArgumentException.class, () -> set.copySamples(order, 2, 2, new float[2 * LENGTH]));
        ImageSet gray = randomSet(1, 1, 32, 32, 1);
        message = assertThrows(IllegalArgumentException.class,
                () -> Cifar10.trainingAugmentation().apply(gray, new int[1], 0, 1, new float[LENGTH], new SplittableRandom(1))).getMessage();
        assertEquals("this augmentation pads 3 channels, the images have 1", message);
    }
}
