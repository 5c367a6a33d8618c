package org.relukit.runner.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a file that relukit wrote, or that someone says relukit wrote: a results file, a
 * checkpoint, a teacher. Before a byte is read it must be a regular file (a FIFO or
 * {@code /dev/zero} would block or never end) and small enough that what it parses into fits
 * in memory, so a hostile file gets one line instead of a hang or an OutOfMemoryError.
 */
public final class InputFiles {
    private InputFiles() {}

    /**
     * The whole file as bytes.
     *
     * @param role        what the file is for the user, e.g. {@code "--load_teacher"}, put first in every message
     * @param growth      bytes the parsed form may take per byte of the file (JSON floats: up to 2; a JSON tree: ~16)
     * @throws IllegalArgumentException one line: not there, not a regular file, or too big for the heap
     */
    public static byte[] read(Path file, String role, int growth) {
        long size = sizeOf(file, role);
        long needed = size * (1 + growth);
        long available = available();
        if (needed > available || size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(role + " " + file + " is " + megabytes(size) + "; reading it needs about "
                    + megabytes(needed) + " of memory and " + megabytes(available) + " is free: raise the heap"
                    + " (JAVA_TOOL_OPTIONS=-Xmx…) or give a file that relukit wrote");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(role + " " + file + " cannot be read (" + e.getMessage() + ")");
        }
    }

    /** {@link #read} as UTF-8 text. */
    public static String readString(Path file, String role, int growth) {
        return new String(read(file, role, growth), StandardCharsets.UTF_8);
    }

    private static long sizeOf(Path file, String role) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(role + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(role + " " + file + " cannot be read (" + e.getMessage() + ")");
        }
        if (!attributes.isRegularFile()) {
            throw new IllegalArgumentException(role + " " + file + " is not a regular file"
                    + (attributes.isDirectory() ? " but a directory" : " (a device, a pipe or a socket)")
                    + ": give a file that relukit wrote");
        }
        return attributes.size();
    }

    /** Heap that can still be had: the limit less what is in use now. */
    public static long available() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
    }

    /** A byte count for people: {@code 512 KB}, {@code 3.2 GB}. */
    public static String megabytes(long bytes) {
        if (bytes < 1 << 20) {
            return (bytes + 1023) / 1024 + " KB";
        }
        if (bytes < 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
        }
        return String.format(java.util.Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
    }
}
