package org.relukit.opencl;

import java.util.stream.Stream;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;

/**
 * The conformance kit with what a GPU gets: local-memory tiles, float4 loads, and split-K for
 * products with few tiles of C, as on an H100 (132 compute units). So CI, which has PoCL on a CPU,
 * tests the code a GPU runs.
 */
class OpenClGpuTilesTest extends BackendConformance {
    private static final int H100_BUSY_GROUPS = 2 * 132;

    @Override
    protected Backend createBackend() {
        return new OpenClBackend(OpenClTests.defaultDevice(), new GemmTiles(64, 64, 16, 4, 4, 4, true), H100_BUSY_GROUPS);
    }

    /** Long inner dimensions, which split K: 16 slices, 7 uneven ones, and 2 with a short last one. */
    @Override
    protected Stream<ProductShape> productShapes() {
        return Stream.concat(super.productShapes(),
                Stream.of(new ProductShape(100, 150, 2048), new ProductShape(20, 100, 1000), new ProductShape(3, 7, 333)));
    }
}
