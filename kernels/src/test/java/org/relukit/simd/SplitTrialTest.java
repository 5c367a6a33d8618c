package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The choice between the two ways, fed made-up timings: no clock is read. */
class SplitTrialTest {
    /** Nanoseconds per multiply-add of the round's product i, run split or alone. */
    private interface Timing {
        double nanos(int product, boolean split);
    }

    /** Runs one round with the given timings; returns the ways taken. */
    private static boolean[] round(SplitTrial trial, Timing timing) {
        boolean[] ways = new boolean[SplitTrial.KEPT + SplitTrial.SETTLE + SplitTrial.SAMPLE];
        long work = 1_000_000;
        for (int i = 0; i < ways.length; i++) {
            ways[i] = trial.split();
            trial.record(work, (long) (work * timing.nanos(i, ways[i])));
        }
        return ways;
    }

    /** Runs one round, each way at its own nanoseconds per multiply-add throughout. */
    private static boolean[] round(SplitTrial trial, double splitNanos, double aloneNanos) {
        return round(trial, (i, split) -> split ? splitNanos : aloneNanos);
    }

    private static void assertRound(boolean kept, boolean[] ways) {
        for (int i = 0; i < ways.length; i++) {
            assertEquals(i < SplitTrial.KEPT ? kept : !kept, ways[i], "product " + i + " of the round");
        }
    }

    @Test
    void startsSplitAndTriesTheOtherWayAtTheEndOfEachRound() {
        SplitTrial trial = new SplitTrial();
        assertRound(true, round(trial, 0.01, 0.02));
        assertRound(true, round(trial, 0.01, 0.02));
    }

    @Test
    void takesTheOtherWayWhenItIsFasterAndComesBackWhenTheMachineChanges() {
        SplitTrial trial = new SplitTrial();
        assertRound(true, round(trial, 0.03, 0.02));
        assertRound(false, round(trial, 0.03, 0.02));
        assertRound(false, round(trial, 0.03, 0.02));
        // The vCPUs now share a cache: splitting is faster again.
        assertRound(false, round(trial, 0.012, 0.02));
        assertRound(true, round(trial, 0.012, 0.02));
    }

    @Test
    void keepsItsWayWhenTheOtherIsFasterByLessThanTheMargin() {
        SplitTrial trial = new SplitTrial();
        assertRound(true, round(trial, 0.0200, 0.0197));
        assertRound(true, round(trial, 0.0200, 0.0197));
    }

    /** The other way's first SETTLE products are not timed: moving the data makes them slow. */
    @Test
    void theOtherWaysFirstProductsAreNotTimed() {
        SplitTrial trial = new SplitTrial();
        round(trial, (i, split) -> split ? 0.02 : i < SplitTrial.KEPT + SplitTrial.SETTLE ? 1.0 : 0.01);
        assertEquals(false, trial.split(), "alone was faster once settled");
    }

    /** Only the last SAMPLE products of the kept way count: a change early in the round does not. */
    @Test
    void comparesTheOtherWayWithTheKeptWaysLatestProducts() {
        SplitTrial trial = new SplitTrial();
        // Splitting was slow at first (warm-up, say), then fast; alone is in between.
        round(trial, (i, split) -> split ? (i < SplitTrial.KEPT - SplitTrial.SAMPLE ? 0.05 : 0.01) : 0.02);
        assertEquals(true, trial.split());
    }
}
