package org.relukit.simd;

import java.util.concurrent.locks.LockSupport;

/**
 * The thread that runs the second half of a split training step ({@link SimdBackend#runHalves})
 * while the calling thread runs the first. Like {@link ParallelGemm}'s helpers it spins for a
 * while after each half before it parks, since the next step follows within a millisecond.
 * Not for concurrent use: one half at a time, from one calling thread.
 */
final class HalfThread implements AutoCloseable {
    /** How long the idle thread spins before it parks; longer than the gap between two steps. */
    private static final long SPIN_NANOS = 500_000;

    private final Thread thread = new Thread(this::loop, "relukit-simd-half");
    /** Bumped for every half handed out; its volatile write publishes {@link #task}. */
    private volatile int generation;
    /** The generation of the last half the thread finished. */
    private volatile int finished;
    private volatile boolean closed;
    private Runnable task;
    private Throwable failure;

    HalfThread() {
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code first} here and {@code second} on the thread; returns when both are done, rethrowing a failure of either. */
    void runBoth(Runnable first, Runnable second) {
        task = second;
        failure = null;
        int mine = ++generation;
        LockSupport.unpark(thread);
        Throwable failed = null;
        try {
            first.run();
        } catch (Throwable t) {
            failed = t;
        }
        while (finished != mine) {
            Thread.onSpinWait();
        }
        if (failed == null) {
            failed = failure;
        }
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
    }

    private void loop() {
        int seen = 0;
        while (true) {
            long idleSince = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                task.run();
            } catch (Throwable t) {
                failure = t;
            }
            finished = seen;
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
