package org.relukit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.relukit.data.StandardFiles.gzip;
import static org.relukit.data.StandardFiles.idxImages;
import static org.relukit.data.StandardFiles.idxLabels;
import static org.relukit.data.StandardFiles.write;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The MNIST reader on small files in the distribution's IDX format, as they ship (gzipped) and unpacked. */
class MnistTest {
    private static final int PIXELS = 28 * 28;
    private static final int[] TRAIN_LABELS = {7, 0, 9};

    @TempDir
    Path dir;

    /** Three 28 × 28 images whose bytes run through all 256 values, with a few chosen by hand. */
    private static byte[] trainPixels() {
        byte[] pixels = new byte[3 * PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 31 % 256);
        }
        pixels[0] = (byte) 255;                      // image 0, (0, 0)
        pixels[1] = 0;                               // image 0, (0, 1)
        pixels[PIXELS + 5 * 28 + 3] = 1;             // image 1, (5, 3)
        pixels[2 * PIXELS + 27 * 28 + 27] = (byte) 128; // image 2, (27, 27)
        return pixels;
    }

    private void writeSplit(String split, byte[] images, byte[] labels, boolean gz) {
        String suffix = gz ? ".gz" : "";
        write(dir, split + "-images-idx3-ubyte" + suffix, gz ? gzip(images) : images);
        write(dir, split + "-labels-idx1-ubyte" + suffix, gz ? gzip(labels) : labels);
    }

    private void writeTrain(boolean gz) {
        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), gz);
    }

    @ParameterizedTest(name = "gzipped: {0}")
    @ValueSource(booleans = {false, true})
    void decodesPixelsAndLabels(boolean gz) {
        writeTrain(gz);
        ImageSet set = Mnist.read(dir, true);

        StandardFiles.assertImages(set, 1, 28, TRAIN_LABELS);
        float[] pixels = set.pixels();
        // By hand: 255 → (1 − 0.5) / 0.5 = 1; 0 → −1; 1 → (1/255 − 0.5) / 0.5 = −0.992157; 128 → 0.003922.
        assertEquals(1f, pixels[0]);
        assertEquals(-1f, pixels[1]);
        assertEquals(-0.992157f, pixels[PIXELS + 5 * 28 + 3], 1e-6f);
        assertEquals(0.003922f, pixels[2 * PIXELS + 27 * 28 + 27], 1e-6f);
        byte[] bytes = trainPixels();
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(((bytes[i] & 0xff) / 255.0 - 0.5) / 0.5, pixels[i], 1e-6, "pixel " + i);
        }
    }

    @Test
    void testSplitReadsTheT10kFiles() {
        writeTrain(false);
        byte[] pixels = new byte[2 * PIXELS];
        pixels[PIXELS + 1] = (byte) 255;
        writeSplit("t10k", idxImages(Mnist.IMAGES_MAGIC, 2, 28, 28, pixels), idxLabels(Mnist.LABELS_MAGIC, 4, 2), true);

        ImageSet test = Mnist.read(dir, false);
        assertEquals(2, test.size());
        assertArrayEquals(new int[] {4, 2}, test.labels());
        assertEquals(-1f, test.pixels()[PIXELS]);
        assertEquals(1f, test.pixels()[PIXELS + 1]);
    }

    @Test
    void missingDirectoryOrFilesListTheFilesAndTheirSource() {
        assertListsTheFiles(assertThrows(DataFileException.class, () -> Mnist.read(null, true)).getMessage());
        assertListsTheFiles(assertThrows(DataFileException.class, () -> Mnist.read(dir.resolve("absent"), true)).getMessage());
        assertListsTheFiles(assertThrows(DataFileException.class, () -> Mnist.read(dir, true)).getMessage());

        write(dir, "train-images-idx3-ubyte", idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels()));
        String message = assertThrows(DataFileException.class, () -> Mnist.read(dir, true)).getMessage();
        assertListsTheFiles(message);
        assertTrue(message.startsWith(dir.resolve("train-labels-idx1-ubyte") + " not found"), message);

        writeTrain(false);
        message = assertThrows(DataFileException.class, () -> Mnist.read(dir, false)).getMessage();
        assertTrue(message.startsWith(dir.resolve("t10k-images-idx3-ubyte") + " not found"), message);
    }

    private static void assertListsTheFiles(String message) {
        for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte", ".gz", "http://yann.lecun.com/exdb/mnist/"}) {
            assertTrue(message.contains(name), message);
        }
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void wrongMagicNumbersNameTheFile() {
        writeSplit("train", idxImages(Mnist.LABELS_MAGIC, 3, 28, 28, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), false);
        assertFails("train-images-idx3-ubyte is not an MNIST image file: its magic number is 0x00000801, not 0x00000803");

        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels()), idxLabels(Mnist.IMAGES_MAGIC, TRAIN_LABELS), false);
        assertFails("train-labels-idx1-ubyte is not an MNIST label file: its magic number is 0x00000803, not 0x00000801");
    }

    @Test
    void aGzippedFileWithoutItsSuffixSaysSo() {
        writeTrain(false);
        write(dir, "train-labels-idx1-ubyte", gzip(idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS)));
        assertFails("train-labels-idx1-ubyte is not an MNIST label file: its magic number is 0x1f8b0800, not 0x00000801"
                + " (it is gzipped: add .gz to its name or unpack it)");
    }

    @ParameterizedTest(name = "gzipped: {0}")
    @ValueSource(booleans = {false, true})
    void truncatedFilesNameTheFile(boolean gz) {
        byte[] images = idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels());
        writeSplit("train", Arrays.copyOf(images, images.length - 1), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), gz);
        assertFails("train-images-idx3-ubyte" + (gz ? ".gz" : "") + " is truncated: its header promises 2352 bytes of data, it holds 2351");

        writeSplit("train", images, Arrays.copyOf(idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), 6), gz);
        assertFails("train-labels-idx1-ubyte" + (gz ? ".gz" : "") + " is truncated");
    }

    @Test
    void aGzipFileCutShortIsTruncated() {
        byte[] labels = gzip(idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS));
        writeTrain(false);
        write(dir, "train-labels-idx1-ubyte.gz", Arrays.copyOf(labels, labels.length - 10));
        // The raw file wins over the .gz when both are there; remove the raw one.
        assertTrue(dir.resolve("train-labels-idx1-ubyte").toFile().delete());
        assertFails("train-labels-idx1-ubyte.gz is truncated");

        write(dir, "train-labels-idx1-ubyte.gz", "not gzip at all".getBytes());
        assertFails("train-labels-idx1-ubyte.gz is not a valid gzip file");
    }

    @Test
    void bytesPastTheEndNameTheFile() {
        byte[] images = idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels());
        writeSplit("train", Arrays.copyOf(images, images.length + 1), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), false);
        assertFails("train-images-idx3-ubyte holds more bytes than its header says (2352 bytes of data)");
    }

    @Test
    void countMismatchNamesBothFiles() {
        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, 7, 0), false);
        assertFails("train-images-idx3-ubyte holds 3 images but " + dir.resolve("train-labels-idx1-ubyte") + " holds 2 labels");
    }

    @Test
    void aLabelThatIsNotADigitNamesTheFile() {
        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, 3, 28, 28, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, 7, 10, 9), false);
        assertFails("train-labels-idx1-ubyte: label 1 is 10, not a digit 0-9");
    }

    @Test
    void imagesOfAnotherSizeOrAnImpossibleCountNameTheFile() {
        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, 3, 32, 24, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), false);
        assertFails("train-images-idx3-ubyte holds images of 32 x 24 pixels; MNIST's are 28 x 28");

        writeSplit("train", idxImages(Mnist.IMAGES_MAGIC, -1, 28, 28, trainPixels()), idxLabels(Mnist.LABELS_MAGIC, TRAIN_LABELS), false);
        assertFails("train-images-idx3-ubyte: its header gives an impossible count of 4294967295 items");
    }

    private void assertFails(String expected) {
        String message = assertThrows(DataFileException.class, () -> Mnist.read(dir, true)).getMessage();
        assertTrue(message.contains(expected), message);
        assertTrue(message.startsWith(dir.toString()), message);
        assertFalse(message.contains("\n"), message);
    }
}
