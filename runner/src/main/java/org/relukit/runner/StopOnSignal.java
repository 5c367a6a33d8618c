package org.relukit.runner;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import sun.misc.Signal;

/**
 * While open, SIGINT and SIGTERM ask the experiment to stop at its next step boundary instead of
 * killing the JVM, so the results so far and a checkpoint get written. A second signal kills as usual.
 *
 * <p>Signal handlers belong to the whole process, and {@code relukit sweep} runs several commands
 * in one JVM at once: so a signal stops every open command, and a command that opens one after the
 * signal (a sweep cell starting just then) stops at once, as the others do.
 *
 * <p>The handlers are installed once, by the first command, and stay: with none open, a signal ends
 * the JVM as its own handler would (shutdown hooks, exit 128 + the signal's number). Putting the
 * previous handler back is not safe: where the JVM's table of Java handlers and the OS disagree,
 * {@code Signal.handle} returns a handle that wraps none, and restoring it throws
 * {@code NullPointerException: handler}, which failed a command at its end once in CI.
 */
final class StopOnSignal implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};
    private static final Set<StopOnSignal> OPEN = new LinkedHashSet<>();
    /** Guarded by {@code OPEN}. */
    private static boolean installed;
    /** The first signal's number while any is open, else 0; guarded by {@code OPEN}. */
    private static int received;

    private final Runnable requestStop;
    private volatile int stoppedBy;

    StopOnSignal(Runnable requestStop) {
        this.requestStop = requestStop;
        synchronized (OPEN) {
            if (!installed) {
                installed = true;
                for (String name : SIGNALS) {
                    install(name);
                }
            }
            if (OPEN.isEmpty()) {
                received = 0;
            }
            OPEN.add(this);
            if (received != 0) {
                stoppedBy = received;
                requestStop.run();
            }
        }
    }

    private static void install(String name) {
        try {
            Signal.handle(new Signal(name), StopOnSignal::onSignal);
        } catch (IllegalArgumentException reservedByTheJvm) {
            // -Xrs: the JVM leaves INT and TERM to the OS, so a signal kills the run as the user asked
        }
    }

    private static void onSignal(Signal signal) {
        List<StopOnSignal> toStop;
        synchronized (OPEN) {
            if (OPEN.isEmpty() || received != 0) {
                toStop = null;
            } else {
                received = signal.getNumber();
                toStop = new ArrayList<>(OPEN);
            }
        }
        if (toStop == null) {
            System.exit(128 + signal.getNumber());
        }
        for (StopOnSignal open : toStop) {
            open.stoppedBy = signal.getNumber();
            open.requestStop.run();
        }
    }

    /** 128 + the signal's number, as a shell reports a process ended by it: 130 for INT, 143 for TERM. */
    int exitCode() {
        return 128 + stoppedBy;
    }

    @Override
    public void close() {
        synchronized (OPEN) {
            OPEN.remove(this);
        }
    }
}
