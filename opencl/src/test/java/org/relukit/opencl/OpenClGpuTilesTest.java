package org.relukit.opencl;

import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;

/**
 * The conformance kit with the tiles a GPU gets (local-memory tiles, float4 loads), so that CI,
 * which has PoCL on a CPU, tests the code a GPU runs.
 */
class OpenClGpuTilesTest extends BackendConformance {

    @Override
    protected Backend createBackend() {
        return new OpenClBackend(OpenClTests.defaultDevice(), new GemmTiles(64, 64, 16, 4, 4, 4, true));
    }
}
