package org.relukit.simd;

/**
 * Whether products of middling size (a batch-64 step's) run across threads: decided by running
 * them both ways in turn and keeping the faster. Whether two threads help such a product depends
 * on where the hypervisor puts the two vCPUs, and that changes while a process runs: on the Zen 5
 * VM, 2 threads ran the batch-64 step 1.3–1.45× faster than one when the vCPUs shared a cache
 * (a cache-line round trip of about 60 ns between them), and 0.6–0.9× as fast when they did not
 * (about 450 ns), for minutes at a time (entry 40 of jmh/PERFORMANCE.md). Which thread computes
 * what never changes a result's bits, so the choice only changes the speed.
 *
 * <p>A round is {@link #KEPT} products the way chosen, the last {@link #SAMPLE} of them timed,
 * then {@code SETTLE + SAMPLE} the other way, the last {@code SAMPLE} timed; the faster way, in
 * nanoseconds per multiply-add, is kept for the next round. The other way has to be faster by
 * {@link #MARGIN} to be taken. The first {@link #SETTLE} products after a change are not timed:
 * they move the data to where the other way reads it, and timed they made the other way look
 * 5–30% slower than it then ran.
 */
final class SplitTrial {
    /**
     * Products a round keeps its way: about 0.5 s of batch-64 steps, against periods of minutes.
     * The other way runs 1.6–1.8× slower in either period, so with 4096 the trials cost ≈ 5% of
     * these products' time; with 16384, ≈ 1.3%.
     */
    static final int KEPT = 16384;
    static final int SETTLE = 64;
    static final int SAMPLE = 256;
    /** How much faster the other way must be: the two samples differ by a few per cent at random. */
    private static final double MARGIN = 0.95;

    private boolean split = true;
    /** Products of the round so far. */
    private int count;
    private long keptNanos, keptWork, otherNanos, otherWork;

    /** Whether the next middling product runs across threads. */
    boolean split() {
        return count < KEPT ? split : !split;
    }

    /** Records the middling product just run as {@link #split()} said: its multiply-adds and nanoseconds. */
    void record(long work, long nanos) {
        if (count >= KEPT + SETTLE) {
            otherWork += work;
            otherNanos += nanos;
        } else if (count >= KEPT - SAMPLE && count < KEPT) {
            keptWork += work;
            keptNanos += nanos;
        }
        if (++count == KEPT + SETTLE + SAMPLE) {
            // otherNanos / otherWork < MARGIN · keptNanos / keptWork, without the divisions.
            if ((double) otherNanos * keptWork < MARGIN * keptNanos * otherWork) {
                split = !split;
            }
            count = 0;
            keptNanos = keptWork = otherNanos = otherWork = 0;
        }
    }
}
