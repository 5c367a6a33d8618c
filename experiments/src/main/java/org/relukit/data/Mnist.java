package org.relukit.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads MNIST from the files of its standard distribution (IDX format) into an {@link ImageSet}
 * of 1 × 28 × 28 images, each pixel byte {@code v} becoming {@code (v / 255 − 0.5) / 0.5}, in
 * [−1, 1] (the original's {@code ToTensor()} then {@code Normalize((0.5,), (0.5,))}).
 *
 * <p>The data directory holds {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}, each as it is or gzipped
 * with {@code .gz} added to its name, as the distribution ships them.
 */
public final class Mnist {
    public static final int HEIGHT = 28;
    public static final int WIDTH = 28;
    public static final int CLASSES = 10;

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    // Gzip's first two bytes, read as the top of a big-endian magic number.
    private static final int GZIP_MAGIC_TOP = 0x1f8b;

    private static final String LAYOUT = "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte"
            + " and t10k-labels-idx1-ubyte (each raw or .gz), from http://yann.lecun.com/exdb/mnist/ or one of its mirrors";
    private static final float[] NORMALISED = DataFiles.normalisation(0.5f, 0.5f);

    private Mnist() {
    }

    /**
     * Reads the training set (60,000 images in the standard files) or the test set (10,000).
     *
     * @param dir the data directory, or null when none was given
     * @throws DataFileException when {@code dir} or a file is missing, a file is not an IDX file of
     *                           the right kind, is truncated or has bytes past its end, the image
     *                           and label counts differ, or a label is not a digit
     */
    public static ImageSet read(Path dir, boolean train) {
        String split = train ? "train" : "t10k";
        Path[] files = DataFiles.find(dir, List.of(split + "-images-idx3-ubyte", split + "-labels-idx1-ubyte"), true, "MNIST", LAYOUT);
        int[] labels = readLabels(files[1]);
        float[] pixels = readImages(files[0], labels.length, files[1]);
        return new ImageSet(pixels, labels, 1, HEIGHT, WIDTH);
    }

    private static int[] readLabels(Path file) {
        try (DataInputStream in = new DataInputStream(DataFiles.open(file))) {
            checkMagic(file, in.readInt(), LABELS_MAGIC, "label");
            int count = count(file, in.readInt(), 1);
            byte[] bytes = readExactly(file, in, count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = bytes[i] & 0xff;
                if (labels[i] >= CLASSES) {
                    throw new DataFileException(file + ": label " + i + " is " + labels[i] + ", not a digit 0-9");
                }
            }
            return labels;
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
    }

    private static float[] readImages(Path file, int labelCount, Path labelFile) {
        try (DataInputStream in = new DataInputStream(DataFiles.open(file))) {
            checkMagic(file, in.readInt(), IMAGES_MAGIC, "image");
            int count = count(file, in.readInt(), HEIGHT * WIDTH);
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != HEIGHT || cols != WIDTH) {
                throw new DataFileException(file + " holds images of " + rows + " x " + cols + " pixels; MNIST's are 28 x 28");
            }
            if (count != labelCount) {
                throw new DataFileException(file + " holds " + count + " images but " + labelFile + " holds " + labelCount + " labels");
            }
            byte[] bytes = readExactly(file, in, count * HEIGHT * WIDTH);
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = NORMALISED[bytes[i] & 0xff];
            }
            return pixels;
        } catch (IOException e) {
            throw DataFiles.readFailure(file, e);
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String kind) {
        if (magic != expected) {
            String hint = magic >>> 16 == GZIP_MAGIC_TOP ? " (it is gzipped: add .gz to its name or unpack it)" : "";
            throw new DataFileException(String.format("%s is not an MNIST %s file: its magic number is 0x%08x, not 0x%08x%s",
                    file, kind, magic, expected, hint));
        }
    }

    private static int count(Path file, int count, int bytesPerItem) {
        if (count < 0 || (long) count * bytesPerItem > Integer.MAX_VALUE - 16) {
            throw new DataFileException(file + ": its header gives an impossible count of " + Integer.toUnsignedString(count) + " items");
        }
        return count;
    }

    /**
     * The next {@code length} bytes, and a check that nothing follows them. The buffer grows as
     * bytes arrive, so that a header that lies about its count ends in "truncated", not in a huge
     * allocation.
     */
    private static byte[] readExactly(Path file, DataInputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new DataFileException(file + " is truncated: its header promises " + length + " bytes of data, it holds " + bytes.length);
        }
        if (in.read() != -1) {
            throw new DataFileException(file + " holds more bytes than its header says (" + length + " bytes of data)");
        }
        return bytes;
    }
}
