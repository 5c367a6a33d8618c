package org.relukit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small files in the exact byte layouts of the MNIST and CIFAR-10 distributions, byte by byte, and checks what was read back. */
final class StandardFiles {
    private StandardFiles() {
    }

    /** {@code set} holds one square {@code channels × side × side} image per label, with those labels. */
    static void assertImages(ImageSet set, int channels, int side, int[] labels) {
        assertEquals(labels.length, set.size());
        assertEquals(channels, set.channels());
        assertEquals(side, set.height());
        assertEquals(side, set.width());
        assertArrayEquals(labels, set.labels());
    }

    /** An IDX3 image file: magic 0x00000803, count, rows, columns (big-endian ints), then the pixel bytes row by row. */
    static byte[] idxImages(int magic, int count, int rows, int cols, byte[] pixels) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An IDX1 label file: magic 0x00000801, count (big-endian ints), then one byte per label. */
    static byte[] idxLabels(int magic, int... labels) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(labels.length);
            for (int label : labels) {
                out.writeByte(label);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * CIFAR-10 binary records: per image, the label byte, then the red plane, the green plane and
     * the blue plane, each 32 × 32 bytes row by row. {@code planes[i][c][y * 32 + x]} is pixel
     * {@code (y, x)} of channel {@code c} of image {@code i}.
     */
    static byte[] cifarRecords(int[] labels, int[][][] planes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < labels.length; i++) {
            bytes.write(labels[i]);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 32 * 32; p++) {
                    bytes.write(planes[i][c][p]);
                }
            }
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
