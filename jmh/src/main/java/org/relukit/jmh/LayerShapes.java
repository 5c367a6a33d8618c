package org.relukit.jmh;

import org.openjdk.jmh.annotations.Param;

/**
 * The layer shapes every per-layer suite runs: the student of {@code recon} (20→100→150→200→250→100,
 * the last one linear) at batch 64 and 1024, then square 256 and 1024 for comparison with the
 * usual GEMM figures. 150 and 250 are not multiples of a vector, so the tails are measured.
 */
public abstract class LayerShapes extends BenchmarkSettings {
    @Param({
        "b64:20x100", "b64:100x150", "b64:150x200", "b64:200x250", "b64:250x100",
        "b1024:20x100", "b1024:100x150", "b1024:150x200", "b1024:200x250", "b1024:250x100",
        "b256:256x256", "b1024:1024x1024"})
    public String shape;
}
