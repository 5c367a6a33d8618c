package org.relukit.simd;

import java.util.concurrent.locks.LockSupport;

/**
 * Daemon threads that wait for a calling thread to hand out work: {@link ParallelGemm}'s helpers
 * (a product's pieces) and {@link HalfThread} (a step's second half). A training step hands out
 * work every few hundred microseconds, and a parked thread must first be woken; so, as OpenMP
 * runtimes do, a waiting thread spins for a while before it parks. (With an executor's hand-off
 * per product, 2 threads were 6% ahead of 1 at batch 1024; with spinning helpers, 34% in the JMH
 * step benchmark: jmh/PERFORMANCE.md, entry 4.)
 */
abstract class HandOff implements AutoCloseable {
    /** How long an idle thread spins before it parks; longer than the gap between two hand-offs of a step. */
    private static final long SPIN_NANOS = 500_000;

    /** Bumped for every hand-off; its volatile write publishes the work's fields to the threads. */
    private volatile int generation;
    private volatile boolean closed;
    private Thread[] threads = new Thread[0];

    /** Starts one daemon thread per name; thread i runs {@link #work}{@code (i, generation)} for every hand-off. */
    protected final void start(String... names) {
        threads = new Thread[names.length];
        for (int i = 0; i < names.length; i++) {
            int index = i;
            threads[i] = new Thread(() -> loop(index), names[i]);
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    /** Publishes the work set up before this call and wakes the threads; returns the hand-off's generation. */
    protected final int handOut() {
        int handed = ++generation;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        return handed;
    }

    /** Thread {@code index}'s share of hand-off {@code generation}; it must not throw. */
    protected abstract void work(int index, int generation);

    private void loop(int index) {
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
            work(index, seen);
        }
    }

    /** Rethrows what a thread of a hand-off, or the calling thread, failed with; nothing when null. */
    protected static void rethrow(Throwable failed) {
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }
}
