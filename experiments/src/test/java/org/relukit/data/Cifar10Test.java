package org.relukit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.relukit.data.StandardFiles.cifarRecords;
import static org.relukit.data.StandardFiles.write;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR-10 reader on small files in the binary distribution's record format. */
class Cifar10Test {
    private static final int PLANE = 32 * 32;
    private static final double[] MEAN = {0.4914, 0.4822, 0.4465};
    private static final double[] STD = {0.2023, 0.1994, 0.2010};
    private static final int[] TEST_LABELS = {3, 9, 0, 1, 6};

    @TempDir
    Path dir;

    /** {@code count} images whose planes differ per image and channel, with a few pixels chosen by hand in image 0. */
    private static int[][][] planes(int count, int seed) {
        int[][][] planes = new int[count][3][PLANE];
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < PLANE; p++) {
                    planes[i][c][p] = (seed + i * 53 + c * 101 + p * 7) % 256;
                }
            }
        }
        planes[0][0][1] = 200;        // R(0, 1)
        planes[0][1][1] = 100;        // G(0, 1)
        planes[0][2][1] = 50;         // B(0, 1)
        planes[0][0][31 * 32] = 7;    // R(31, 0)
        planes[0][2][31 * 32 + 31] = 0; // B(31, 31)
        return planes;
    }

    @Test
    void decodesPixelsLabelsAndChannelOrder() {
        int[][][] planes = planes(5, 0);
        write(dir, "test_batch.bin", cifarRecords(TEST_LABELS, planes));
        ImageSet set = Cifar10.read(dir, false);

        StandardFiles.assertImages(set, 3, 32, TEST_LABELS);
        float[] pixels = set.pixels();
        // By hand: R 200 → (200/255 − 0.4914) / 0.2023 = (0.784314 − 0.4914) / 0.2023 = 1.447918;
        // G 100 → (0.392157 − 0.4822) / 0.1994 = −0.451570; B 50 → (0.196078 − 0.4465) / 0.2010 = −1.245878;
        // R 7 → (0.027451 − 0.4914) / 0.2023 = −2.293371; B 0 → −0.4465 / 0.2010 = −2.221393.
        assertEquals(1.447918f, pixels[1], 1e-5f);
        assertEquals(-0.451570f, pixels[PLANE + 1], 1e-5f);
        assertEquals(-1.245878f, pixels[2 * PLANE + 1], 1e-5f);
        assertEquals(-2.293371f, pixels[31 * 32], 1e-5f);
        assertEquals(-2.221393f, pixels[2 * PLANE + 31 * 32 + 31], 1e-5f);
        assertSamples(set, 0, planes);
    }

    /** Every pixel of samples {@code first, first + 1, ...} against the formula, in float64. */
    private static void assertSamples(ImageSet set, int first, int[][][] planes) {
        for (int i = 0; i < planes.length; i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < PLANE; p++) {
                    double expected = (planes[i][c][p] / 255.0 - MEAN[c]) / STD[c];
                    assertEquals(expected, set.pixels()[((first + i) * 3 + c) * PLANE + p], 1e-5,
                            "sample " + (first + i) + ", channel " + c + ", pixel " + p);
                }
            }
        }
    }

    @Test
    void trainingSetConcatenatesTheFiveBatchesInOrder() {
        int[][][][] batches = new int[5][][][];
        for (int b = 0; b < 5; b++) {
            batches[b] = planes(b == 0 ? 2 : 1, 17 * b);
            int[] labels = b == 0 ? new int[] {1, 2} : new int[] {b + 2};
            write(dir, "data_batch_" + (b + 1) + ".bin", cifarRecords(labels, batches[b]));
        }
        write(dir, "test_batch.bin", cifarRecords(TEST_LABELS, planes(5, 0)));

        ImageSet train = Cifar10.read(dir, true);
        assertEquals(6, train.size());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, train.labels());
        assertSamples(train, 0, batches[0]);
        for (int b = 1; b < 5; b++) {
            assertSamples(train, b + 1, batches[b]);
        }
    }

    @Test
    void missingDirectoryOrFilesListTheFilesAndTheirSource() {
        assertListsTheFiles(assertThrows(DataFileException.class, () -> Cifar10.read(null, true)).getMessage());
        assertListsTheFiles(assertThrows(DataFileException.class, () -> Cifar10.read(dir.resolve("absent"), false)).getMessage());
        for (int b : new int[] {1, 2, 4, 5}) {
            write(dir, "data_batch_" + b + ".bin", cifarRecords(new int[] {0}, planes(1, b)));
        }
        String message = assertThrows(DataFileException.class, () -> Cifar10.read(dir, true)).getMessage();
        assertListsTheFiles(message);
        assertTrue(message.startsWith(dir.resolve("data_batch_3.bin") + " not found"), message);
        message = assertThrows(DataFileException.class, () -> Cifar10.read(dir, false)).getMessage();
        assertTrue(message.startsWith(dir.resolve("test_batch.bin") + " not found"), message);
    }

    private static void assertListsTheFiles(String message) {
        for (String name : new String[] {"data_batch_1.bin", "data_batch_5.bin", "test_batch.bin", "cifar-10-batches-bin/",
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"}) {
            assertTrue(message.contains(name), message);
        }
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void aLengthThatIsNotWholeRecordsNamesTheFile() {
        byte[] records = cifarRecords(TEST_LABELS, planes(5, 0));
        write(dir, "test_batch.bin", Arrays.copyOf(records, records.length - 1));
        assertFails("test_batch.bin holds 15364 bytes, not a whole number of CIFAR-10 records of 3073 bytes");

        write(dir, "test_batch.bin", Arrays.copyOf(records, records.length + 2));
        assertFails("test_batch.bin holds 15367 bytes, not a whole number of CIFAR-10 records of 3073 bytes");

        write(dir, "test_batch.bin", new byte[0]);
        assertFails("test_batch.bin holds 0 bytes");
    }

    @Test
    void aLabelOutOfRangeNamesTheFile() {
        write(dir, "test_batch.bin", cifarRecords(new int[] {3, 9, 10, 1, 6}, planes(5, 0)));
        assertFails("test_batch.bin: record 2 has label 10, not a class 0-9");
    }

    private void assertFails(String expected) {
        String message = assertThrows(DataFileException.class, () -> Cifar10.read(dir, false)).getMessage();
        assertTrue(message.startsWith(dir.toString()) && message.contains(expected), message);
        assertFalse(message.contains("\n"), message);
    }
}
