package org.relukit.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** What the MNIST and CIFAR-10 readers share: finding the files, opening them, and the byte-to-float tables. */
final class DataFiles {
    private DataFiles() {
    }

    /**
     * Resolves each name in {@code dir}, or its {@code .gz} when {@code gzipToo}, and fails with one
     * line that lists every file the dataset needs when the directory or any of {@code names} is missing.
     *
     * @param layout the files the dataset needs and where they come from, for the message
     */
    static Path[] find(Path dir, List<String> names, boolean gzipToo, String dataset, String layout) {
        if (dir == null) {
            throw new DataFileException(dataset + " needs a data directory (--data_dir) holding " + layout);
        }
        if (!Files.isDirectory(dir)) {
            throw new DataFileException("data directory " + dir + " does not exist; for " + dataset + " it must hold " + layout);
        }
        Path[] files = new Path[names.size()];
        for (int i = 0; i < files.length; i++) {
            Path raw = dir.resolve(names.get(i));
            Path gz = dir.resolve(names.get(i) + ".gz");
            files[i] = Files.isRegularFile(raw) ? raw : gzipToo && Files.isRegularFile(gz) ? gz : null;
            if (files[i] == null) {
                throw new DataFileException(raw + " not found" + (gzipToo ? " (nor its .gz)" : "") + "; for " + dataset + ", "
                        + dir + " must hold " + layout);
            }
        }
        return files;
    }

    /** A buffered stream over the file, decompressed when its name ends in {@code .gz}. */
    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /**
     * Turns the I/O failures a user can cause (a cut-off file, a damaged gzip, no read permission)
     * into one line naming the file; anything else (a disk error) stays a fault.
     */
    static RuntimeException readFailure(Path file, IOException e) {
        return switch (e) {
            case EOFException eof -> new DataFileException(file + " is truncated: it ends before its last record");
            case ZipException zip -> new DataFileException(file + " is not a valid gzip file (" + zip.getMessage() + ")");
            case AccessDeniedException denied -> new DataFileException(file + " cannot be read: permission denied");
            default -> new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        };
    }

    /**
     * The normalised value of each byte: {@code (v / 255 − mean) / std}, in float and in this
     * order, as torchvision's {@code ToTensor} then {@code Normalize} compute it.
     */
    static float[] normalisation(float mean, float std) {
        float[] table = new float[256];
        for (int v = 0; v < 256; v++) {
            table[v] = (v / 255f - mean) / std;
        }
        return table;
    }
}
