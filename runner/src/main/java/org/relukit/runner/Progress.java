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
 */
final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int BAR = 20;
    private final PrintWriter err;
    private final boolean enabled;
    private long lastDone = -1, lastDrawNanos;
    private double rate;
    private int drawnWidth;
    private float correlation = Float.NaN;

    /** A bar on {@code err} that draws only where stderr is a terminal and {@code quiet} is false. */
    static Progress onStderr(PrintWriter err, boolean quiet) {
        return new Progress(err, !quiet && stderrIsTerminal());
    }

    Progress(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
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
        int filled = (int) (BAR * done / Math.max(total, 1));
        StringBuilder line = new StringBuilder(position).append("  [").append("#".repeat(filled))
                .append(".".repeat(BAR - filled)).append(String.format(Locale.ROOT, "] %3d%%", 100 * done / Math.max(total, 1)));
        if (rate > 0) {
            line.append(String.format(Locale.ROOT, "  %.0f steps/s  ETA %s", rate, duration((total - done) / rate)));
        }
        line.append(String.format(Locale.ROOT, "  loss %.4g", loss));
        if (!Float.isNaN(correlation)) {
            line.append(String.format(Locale.ROOT, "  L0 corr %.3f", correlation));
        }
        draw(line.toString());
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
