package org.relukit.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every SIMD kernel uses. It lives apart from {@link SimdProvider} so that
 * probing never initialises a vector class that may fail to load.
 *
 * <p>{@code -Drelukit.simd.bits=128|256|512} forces a width, so tests run every code path on one
 * machine; by default it is the widest the CPU has.
 */
final class SimdSpecies {
    static final String BITS_PROPERTY = "relukit.simd.bits";

    static final VectorSpecies<Float> FLOAT = choose(System.getProperty(BITS_PROPERTY));

    private SimdSpecies() {}

    private static VectorSpecies<Float> choose(String bits) {
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException(
                    "-D" + BITS_PROPERTY + "=" + bits + " is not a vector width: use 128, 256 or 512");
        };
    }
}
