package org.relukit.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * GFLOP/s as a secondary result: each call adds the billions of flops it did, and JMH divides the
 * iteration's total by its time, so the {@code gflops} column reads in GFLOP per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Gflops {
    public double gflops;

    @Setup(Level.Iteration)
    public void reset() {
        gflops = 0;
    }

    void add(double flops) {
        gflops += flops * 1e-9;
    }
}
