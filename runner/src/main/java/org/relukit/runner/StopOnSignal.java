package org.relukit.runner;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While open, SIGINT and SIGTERM ask the experiment to stop at its next step boundary instead of
 * killing the JVM, so the results so far and a checkpoint get written. A second signal kills as usual.
 */
final class StopOnSignal implements AutoCloseable {
    private static final String[] SIGNALS = {"INT", "TERM"};
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private volatile int received;

    StopOnSignal(Runnable requestStop) {
        for (int i = 0; i < SIGNALS.length; i++) {
            int index = i;
            previous[i] = Signal.handle(new Signal(SIGNALS[i]), signal -> {
                if (received != 0) {
                    previous[index].handle(signal);
                    return;
                }
                received = signal.getNumber();
                requestStop.run();
            });
        }
    }

    /** 128 + the signal's number, as a shell reports a process ended by it: 130 for INT, 143 for TERM. */
    int exitCode() {
        return 128 + received;
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }
}
