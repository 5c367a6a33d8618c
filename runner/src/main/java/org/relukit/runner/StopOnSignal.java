package org.relukit.runner;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While open, SIGINT and SIGTERM ask the experiment to stop at its next step boundary instead of
 * killing the JVM, so the results so far and a checkpoint get written. A second signal kills as usual.
 *
 * <p>Signal handlers belong to the whole process, and {@code relukit sweep} runs several commands
 * in one JVM at once: so the handlers are installed when the first command opens one and restored
 * when the last closes, and a signal stops every open command. A command that opens one after the
 * signal (a sweep cell starting just then) stops at once, as the others do.
 */
final class StopOnSignal implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};
    private static final Set<StopOnSignal> OPEN = new LinkedHashSet<>();
    private static final SignalHandler[] PREVIOUS = new SignalHandler[SIGNALS.length];
    /** The first signal's number while any is open, else 0; guarded by {@code OPEN}. */
    private static int received;

    private final Runnable requestStop;
    private volatile int stoppedBy;

    StopOnSignal(Runnable requestStop) {
        this.requestStop = requestStop;
        synchronized (OPEN) {
            if (OPEN.isEmpty()) {
                received = 0;
                for (int i = 0; i < SIGNALS.length; i++) {
                    int index = i;
                    PREVIOUS[i] = Signal.handle(new Signal(SIGNALS[i]), signal -> onSignal(index, signal));
                }
            }
            OPEN.add(this);
            if (received != 0) {
                stoppedBy = received;
                requestStop.run();
            }
        }
    }

    private static void onSignal(int index, Signal signal) {
        List<StopOnSignal> toStop;
        SignalHandler previous;
        synchronized (OPEN) {
            previous = received != 0 ? PREVIOUS[index] : null;
            if (previous == null) {
                received = signal.getNumber();
            }
            toStop = new ArrayList<>(OPEN);
        }
        if (previous != null) {
            previous.handle(signal);
            return;
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
            if (OPEN.remove(this) && OPEN.isEmpty()) {
                for (int i = 0; i < SIGNALS.length; i++) {
                    Signal.handle(new Signal(SIGNALS[i]), PREVIOUS[i]);
                }
            }
        }
    }
}
