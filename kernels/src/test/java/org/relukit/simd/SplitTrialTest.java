package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The choice between the two ways, fed made-up timings: no clock is read. */
class SplitTrialTest {
    /** Runs one round, timing each product at the given nanoseconds per multiply-add for each way; returns the ways taken. */
    private static boolean[] round(SplitTrial trial, double splitNanos, double aloneNanos) {
        boolean[] ways = new boolean[SplitTrial.KEPT + SplitTrial.SETTLE + SplitTrial.SAMPLE];
        long work = 1_000_000;
        for (int i = 0; i < ways.length; i++) {
            ways[i] = trial.split();
            trial.record(work, (long) (work * (ways[i] ? splitNanos : aloneNanos)));
        }
        return ways;
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
        long work = 1_000_000;
        for (int i = 0; i < SplitTrial.KEPT + SplitTrial.SETTLE + SplitTrial.SAMPLE; i++) {
            boolean split = trial.split();
            double nanos = split ? 0.02 : i < SplitTrial.KEPT + SplitTrial.SETTLE ? 1.0 : 0.01;
            trial.record(work, (long) (work * nanos));
        }
        assertEquals(false, trial.split(), "alone was faster once settled");
    }

    /** Only the last SAMPLE products of the kept way count: a change early in the round does not. */
    @Test
    void comparesTheOtherWayWithTheKeptWaysLatestProducts() {
        SplitTrial trial = new SplitTrial();
        long work = 1_000_000;
        for (int i = 0; i < SplitTrial.KEPT + SplitTrial.SETTLE + SplitTrial.SAMPLE; i++) {
            boolean split = trial.split();
            // Splitting was slow at first (warm-up, say), then fast; alone is in between.
            double nanos = split ? (i < SplitTrial.KEPT - SplitTrial.SAMPLE ? 0.05 : 0.01) : 0.02;
            trial.record(work, (long) (work * nanos));
        }
        assertEquals(true, trial.split());
    }
}
