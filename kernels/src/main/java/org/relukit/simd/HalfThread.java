package org.relukit.simd;

/**
 * The thread that runs the second half of a split training step ({@link SimdBackend#runHalves})
 * while the calling thread runs the first; between steps it waits as {@link HandOff} says.
 * Not for concurrent use: one half at a time, from one calling thread.
 */
final class HalfThread extends HandOff {
    /** The generation of the last half the thread finished. */
    private volatile int finished;
    /** The current half, published to the thread by {@link #handOut}. */
    private Runnable task;
    private Throwable failure;

    HalfThread() {
        start("relukit-simd-half");
    }

    /** Runs {@code first} here and {@code second} on the thread; returns when both are done, rethrowing a failure of either. */
    void runBoth(Runnable first, Runnable second) {
        task = second;
        failure = null;
        int mine = handOut();
        Throwable failed = null;
        try {
            first.run();
        } catch (Throwable t) {
            failed = t;
        }
        while (finished != mine) {
            Thread.onSpinWait();
        }
        rethrow(failed != null ? failed : failure);
    }

    @Override
    protected void work(int index, int generation) {
        try {
            task.run();
        } catch (Throwable t) {
            failure = t;
        }
        finished = generation;
    }
}
