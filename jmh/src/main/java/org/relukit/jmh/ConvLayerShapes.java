package org.relukit.jmh;

import org.openjdk.jmh.annotations.Param;

/**
 * The conv layers the conv suites run, at batch 64: the gaussian student of {@code --use_cnn}
 * (1 × 16 × 16 inputs, 50 → 75 → 100 → 125 channels: ks 10, 15, 20, 25 times node_multi 5), then the
 * first two layers of the same student on MNIST-sized 1 × 28 × 28 inputs.
 */
public abstract class ConvLayerShapes extends BenchmarkSettings {
    @Param({
        "b64:1x16x16->50", "b64:50x14x14->75", "b64:75x12x12->100", "b64:100x10x10->125",
        "b64:1x28x28->50", "b64:50x26x26->75"})
    public String layer;
}
