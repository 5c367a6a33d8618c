package org.relukit.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every SIMD kernel uses. It lives apart from {@link SimdProvider} so that
 * probing never initialises a vector class that may fail to load.
 *
 * <p>{@code -Drelukit.simd.bits=128|256|512} forces a width, so tests run every code path on one
 * machine; by default it is the widest the CPU has. {@code -Drelukit.simd.rows=8|4} forces the
 * height of the matrix product's register tiles (and with it where their epilogue runs), for the
 * same reason; by default 8 where the CPU's preferred width is 512 bits (AVX-512: 32 vector
 * registers hold the 8-row tile's 24 accumulators) and 4 below it (AVX2's 16 registers would
 * spill them).
 */
final class SimdSpecies {
    static final String BITS_PROPERTY = "relukit.simd.bits";

    static final VectorSpecies<Float> FLOAT = choose(System.getProperty(BITS_PROPERTY));

    static final String ROWS_PROPERTY = "relukit.simd.rows";

    /** Whether the matrix product uses its 8-row register tiles, else only the 4- and 1-row ones. */
    static final boolean EIGHT_ROW_TILES = eightRows(System.getProperty(ROWS_PROPERTY));

    private SimdSpecies() {}

    private static boolean eightRows(String rows) {
        if (rows == null || rows.isBlank()) {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
        }
        return switch (rows.trim()) {
            case "8" -> true;
            case "4" -> false;
            default -> throw new IllegalArgumentException(
                    "-D" + ROWS_PROPERTY + "=" + rows + " is not a tile height: use 8 or 4");
        };
    }

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
