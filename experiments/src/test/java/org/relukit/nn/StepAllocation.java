package org.relukit.nn;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;

/** What a training step allocates on the calling thread and one of the backend's own threads. */
final class StepAllocation {
    private StepAllocation() {}

    /**
     * Runs rounds of 100 steps until one allocates under 8 bytes a step on the calling thread and on
     * the thread named {@code other} (until C2 has compiled the kernels the Vector API boxes
     * vectors); fails after 300 rounds.
     */
    static void assertStepsAllocateNothing(TrainingStep step, String other) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long otherId = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(other)).mapToLong(Thread::threadId).max().orElseThrow();
        long[] ids = {Thread.currentThread().threadId(), otherId};
        long[] bytes = null;
        for (int round = 0; round < 300; round++) {
            long[] before = mx.getThreadAllocatedBytes(ids);
            for (int i = 0; i < 100; i++) {
                step.run(1e-3f);
            }
            long[] after = mx.getThreadAllocatedBytes(ids);
            bytes = new long[] {after[0] - before[0], after[1] - before[1]};
            if (bytes[0] < 800 && bytes[1] < 800) {
                return;
            }
        }
        fail("100 steps still allocated " + bytes[0] + " bytes on the calling thread and " + bytes[1] + " on "
                + other + " after 300 rounds");
    }
}
