package org.relukit.simd;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;

/**
 * The allocation tests need the species compiled to vector instructions: one forced wider than the
 * CPU's runs in the Vector API's Java fallback, which boxes every vector.
 */
final class NativeSpecies {
    private NativeSpecies() {}

    /** Skips the calling test, saying so on stderr, where the species is wider than the CPU's. */
    static void assume(String check) {
        int bits = SimdSpecies.FLOAT.vectorBitSize(), cpuBits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (bits > cpuBits) {
            String why = "a forced " + bits + "-bit species is emulated on this " + cpuBits + "-bit CPU";
            System.err.println("*** SKIPPING " + check + ": " + why + " ***");
            Assumptions.abort(why);
        }
    }
}
