package org.relukit.opencl;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;

/**
 * The conformance kit with small tiles that are not powers of two, float2 loads and one row per
 * work-item: most products cross many tile edges, and no size is a multiple of a tile by luck.
 */
class OpenClOddTilesTest extends BackendConformance {

    @Override
    protected Backend createBackend() {
        return new OpenClBackend(OpenClTests.defaultDevice(), new GemmTiles(8, 12, 6, 1, 3, 2), 0);
    }
}
