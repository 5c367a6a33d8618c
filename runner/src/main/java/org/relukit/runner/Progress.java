package org.relukit.runner;

import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn in place with {@code \r} at most five times a second:
 * where the run is (1-based counts: {@code trial 2/10 epoch 4/40 step 800/1563}), the whole run's
 * share done, steps per second and the time left at that pace, the last loss and the layer-0 mean
 * best correlation of the last evaluation. It draws nothing when stderr is not a terminal (a log
 * file must not fill with redraws) or when asked to be quiet.
 *
 * <p>The line never reaches the terminal's last column: a line that wraps cannot be redrawn with
 * {@code \r}, and every update would scroll. Where the width is short it leaves fields out, the
 * least telling first (the bar, then the pace, the correlation, the loss, the ETA), and keeps the
 * position and the share done.
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int BAR = 20;
    private static final String SEPARATOR = "  ";
    private static final int[] RANK = {0, 2, 4, 5, 6, 3, 1};
    /** The width assumed when neither $COLUMNS nor the terminal tells one. */
    static final int DEFAULT_COLUMNS = 80;
    private final PrintWriter err;
    private final boolean enabled;
    private long lastDone = -1, lastDrawNanos;
    private double rate;
    private int drawnWidth;
    private final int columns;
    private float correlation = Float.NaN;

    /** A bar on {@code err} that draws only where stderr is a terminal and {@code quiet} is false. */
    static Progress onStderr(PrintWriter err, boolean quiet) {
        boolean enabled = !quiet && stderrIsTerminal();
        return new Progress(err, enabled, enabled ? terminalColumns() : DEFAULT_COLUMNS);
    }

    Progress(PrintWriter err, boolean enabled, int columns) {
        this.err = err;
        this.enabled = enabled;
        this.columns = columns;
    }

    /**
     * @param position where the run is, e.g. {@code trial 1/2  epoch 3/10  step 400/1563}
     * @param done     steps of the whole run done so far, counting those of a run resumed from
     * @param total    steps of the whole run
     */
    void update(String position, long done, long total, float loss) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (lastDone < 0) {
            // The pace is measured from here: steps done before a --resume took no time in this process.
            lastDone = done;
            lastDrawNanos = now;
        } else if (now - lastDrawNanos < REDRAW_NANOS && done < total) {
            return;
        } else if (now > lastDrawNanos) {
            // The pace of the last few seconds, so that warm-up and a past slow patch fade out of the ETA.
            double recent = (done - lastDone) / ((now - lastDrawNanos) / 1e9);
            rate = rate == 0 ? recent : 0.9 * rate + 0.1 * recent;
            lastDone = done;
            lastDrawNanos = now;
        }
        draw(line(position, done, total, loss));
    }

    /**
     * The fields that fit in {@code columns - 1} characters, in their usual order; the position
     * always, cut if the terminal is narrower than it.
     */
    String line(String position, long done, long total, float loss) {
        long share = 100 * done / Math.max(total, 1);
        int filled = (int) (BAR * done / Math.max(total, 1));
        int room = Math.max(columns - 1, 1);
        // In display order; RANK lists them in the order they are kept while there is room.
        String[] fields = {
            position.substring(0, Math.min(position.length(), room)),
            "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]",
            String.format(Locale.ROOT, "%3d%%", share),
            rate > 0 ? String.format(Locale.ROOT, "%.0f steps/s", rate) : null,
            rate > 0 ? "ETA " + duration((total - done) / rate) : null,
            String.format(Locale.ROOT, "loss %.4g", loss),
            Float.isNaN(correlation) ? null : String.format(Locale.ROOT, "L0 corr %.3f", correlation),
        };
        boolean[] kept = new boolean[fields.length];
        int used = 0;
        for (int field : RANK) {
            if (fields[field] == null) {
                continue;
            }
            int cost = fields[field].length() + (used == 0 ? 0 : SEPARATOR.length());
            if (used + cost <= room) {
                kept[field] = true;
                used += cost;
            }
        }
        StringBuilder line = new StringBuilder();
        for (int field = 0; field < fields.length; field++) {
            if (kept[field]) {
                line.append(line.isEmpty() ? "" : SEPARATOR).append(fields[field]);
            }
        }
        return line.toString();
    }

    /** The layer-0 mean over teacher nodes of their best correlation, from the latest evaluation. */
    void correlation(float layer0Mean) {
        correlation = layer0Mean;
    }

    /** Blanks the bar, before a line is printed to the terminal; an update draws it again, at the usual pace. */
    void clear() {
        if (drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
    }

    private void draw(String line) {
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        err.flush();
        drawnWidth = line.length();
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /**
     * The terminal's width: {@code $COLUMNS} where the shell exports it, else what {@code stty size}
     * says of the controlling terminal, else {@value #DEFAULT_COLUMNS}.
     */
    static int terminalColumns() {
        Integer columns = positive(System.getenv("COLUMNS"));
        if (columns != null) {
            return columns;
        }
        try {
            Process stty = new ProcessBuilder("stty", "size")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String[] rowsColumns = new String(stty.getInputStream().readAllBytes()).trim().split("\\s+");
            if (stty.waitFor() == 0 && rowsColumns.length == 2) {
                columns = positive(rowsColumns[1]);
            }
        } catch (IOException e) {
            // No stty or no controlling terminal: the default will do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return columns != null ? columns : DEFAULT_COLUMNS;
    }

    private static Integer positive(String number) {
        try {
            int value = number == null ? 0 : Integer.parseInt(number.trim());
            return value > 0 ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Whether fd 2 is a terminal. {@link System#console()} answers for stdin and stdout, so
     * {@code relukit recon > log} would lose the bar; on Linux, where fd 2 points answers for
     * stderr itself, and elsewhere the console is the best guess.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Console console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
