package org.relukit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10 from the files of its binary distribution into an {@link ImageSet} of
 * 3 × 32 × 32 images, each pixel byte {@code v} of channel {@code c} becoming
 * {@code (v / 255 − mean[c]) / std[c]} with the original's means (0.4914, 0.4822, 0.4465) and
 * standard deviations (0.2023, 0.1994, 0.2010) for red, green and blue.
 *
 * <p>The data directory holds {@code data_batch_1.bin} … {@code data_batch_5.bin} (the training
 * set, read in that order) and {@code test_batch.bin}: the {@code cifar-10-batches-bin/} folder of
 * {@code cifar-10-binary.tar.gz}, unpacked. Each file is a run of 3,073-byte records (10,000 in
 * the standard files): the label byte, then the 1,024 red bytes of the 32 × 32 image row by row,
 * then the 1,024 green, then the 1,024 blue, which is already the NCHW layout of a sample.
 */
public final class Cifar10 {
    public static final int CHANNELS = 3;
    public static final int HEIGHT = 32;
    public static final int WIDTH = 32;
    public static final int CLASSES = 10;
    /** The zero padding of the original's training crop, in pixels on each side. */
    public static final int CROP_PADDING = 4;

    static final int PLANE = HEIGHT * WIDTH;
    static final int RECORD = 1 + CHANNELS * PLANE;

    private static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    private static final List<String> TEST_FILES = List.of("test_batch.bin");
    private static final String LAYOUT = "data_batch_1.bin ... data_batch_5.bin and test_batch.bin, the cifar-10-batches-bin/"
            + " folder of https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz unpacked";
    private static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] STD = {0.2023f, 0.1994f, 0.2010f};
    private static final float[][] NORMALISED = {
            DataFiles.normalisation(MEAN[0], STD[0]),
            DataFiles.normalisation(MEAN[1], STD[1]),
            DataFiles.normalisation(MEAN[2], STD[2])};

    private Cifar10() {
    }

    /**
     * Reads the training set (50,000 images in the standard files) or the test set (10,000).
     *
     * @param dir the data directory, or null when none was given
     * @throws DataFileException when {@code dir} or a file is missing, a file is empty or its length
     *                           is not a whole number of 3,073-byte records, or a label is not in 0-9
     */
    public static ImageSet read(Path dir, boolean train) {
        Path[] files = DataFiles.find(dir, train ? TRAIN_FILES : TEST_FILES, false, "CIFAR-10", LAYOUT);
        long[] counts = new long[files.length];
        long records = 0;
        for (int i = 0; i < files.length; i++) {
            counts[i] = records(files[i]);
            records += counts[i];
        }
        if (records * CHANNELS * PLANE > Integer.MAX_VALUE - 8) {
            throw new DataFileException(dir + " holds " + records + " CIFAR-10 records, more than one array holds; the standard files hold 60,000");
        }
        float[] pixels = new float[(int) records * CHANNELS * PLANE];
        int[] labels = new int[(int) records];
        int first = 0;
        for (int i = 0; i < files.length; i++) {
            decode(files[i], (int) counts[i], first, pixels, labels);
            first += (int) counts[i];
        }
        return new ImageSet(pixels, labels, CHANNELS, HEIGHT, WIDTH);
    }

    /**
     * The training augmentation of the original: torchvision's {@code RandomCrop(32, padding=4)}
     * then {@code RandomHorizontalFlip()}. Its padding holds each channel's normalised black,
     * {@code (0 − mean[c]) / std[c]}, because torchvision pads the raw image with zeros before it
     * normalises.
     */
    public static RandomCropFlip trainingAugmentation() {
        float[] black = new float[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            black[c] = NORMALISED[c][0];
        }
        return new RandomCropFlip(CROP_PADDING, black);
    }

    private static long records(Path file) {
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
        if (length == 0 || length % RECORD != 0) {
            throw new DataFileException(file + " holds " + length + " bytes, not a whole number of CIFAR-10 records of "
                    + RECORD + " bytes (a label byte and 3 x 32 x 32 pixels); is it the binary version?");
        }
        return length / RECORD;
    }

    /** Decodes the file's {@code count} records into samples {@code first, first + 1, ...}. */
    private static void decode(Path file, int count, int first, float[] pixels, int[] labels) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
        if (bytes.length != count * RECORD) {
            throw new DataFileException(file + " changed while it was being read");
        }
        for (int r = 0; r < count; r++) {
            int record = r * RECORD;
            int label = bytes[record] & 0xff;
            if (label >= CLASSES) {
                throw new DataFileException(file + ": record " + r + " has label " + label + ", not a class 0-9");
            }
            labels[first + r] = label;
            int sample = (first + r) * CHANNELS * PLANE;
            for (int c = 0; c < CHANNELS; c++) {
                float[] normalised = NORMALISED[c];
                int from = record + 1 + c * PLANE;
                int to = sample + c * PLANE;
                for (int p = 0; p < PLANE; p++) {
                    pixels[to + p] = normalised[bytes[from + p] & 0xff];
                }
            }
        }
    }
}
