package org.relukit.recon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.relukit.nn.Initialisation;

/** Rows made an epoch ahead on their own thread are the rows made when the epoch is taken. */
class EpochDataTest {
    private static final int ROWS = 500, D = 7, EPOCHS = 4;

    private static ReconConfig config(boolean regen) {
        ReconConfig.Builder config = ReconBatchNormTest.small();
        config.trainSize = ROWS;
        config.dataD = D;
        config.numEpoch = EPOCHS;
        config.regenDatasetEachEpoch = regen;
        return config.build();
    }

    @ParameterizedTest(name = "regen={0}")
    @ValueSource(booleans = {false, true})
    void aheadMatchesMadeWhenTaken(boolean regen) {
        ReconConfig config = config(regen);
        float[] original = Initialisation.gaussian(new SplittableRandom(5), ROWS * D, 1.0);
        try (EpochData ahead = new EpochData(config, 1, original, null, null, true);
             EpochData inPlace = new EpochData(config, 1, original, null, null, false)) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                EpochData.Epoch made = inPlace.take(epoch);
                float[] rows = made.rows().clone();
                EpochData.Epoch early = ahead.take(epoch);
                assertArrayEquals(rows, early.rows(), "epoch " + epoch);
                assertArrayEquals(made.regenerated(), early.regenerated(), "epoch " + epoch);
                float[] source = early.regenerated() != null ? early.regenerated() : original;
                assertEquals(regen && epoch > 0, early.regenerated() != null, "epoch " + epoch);
                assertPermutationOfRows(source, early.rows());
            }
        }
    }

    @ParameterizedTest(name = "regen={0}")
    @ValueSource(booleans = {false, true})
    void aResumedTrialGetsTheSameEpochs(boolean regen) {
        ReconConfig config = config(regen);
        float[] original = Initialisation.gaussian(new SplittableRandom(6), ROWS * D, 1.0);
        float[][] whole = new float[EPOCHS][];
        try (EpochData data = new EpochData(config, 0, original, null, null, true)) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                whole[epoch] = data.take(epoch).rows().clone();
            }
        }
        try (EpochData resumed = new EpochData(config, 0, original, null, null, true)) {
            for (int epoch = 2; epoch < EPOCHS; epoch++) {
                assertArrayEquals(whole[epoch], resumed.take(epoch).rows(), "epoch " + epoch);
            }
        }
        assertFalse(Arrays.equals(whole[0], whole[1]), "two epochs in the same order");
        try (EpochData skipping = new EpochData(config, 0, original, null, null, true)) {
            skipping.take(0);
            assertArrayEquals(whole[3], skipping.take(3).rows(), "epoch 3 taken while epoch 1 was being made");
        }
    }

    @ParameterizedTest(name = "ahead={0}")
    @ValueSource(booleans = {false, true})
    void theFirstEpochKeepsTheDataSetAsDrawn(boolean ahead) {
        float[] original = Initialisation.gaussian(new SplittableRandom(7), ROWS * D, 1.0);
        try (EpochData data = new EpochData(config(true), 0, original, null, null, ahead)) {
            EpochData.Epoch first = data.take(0);
            assertNull(first.regenerated());
            assertPermutationOfRows(original, first.rows());
            assertNotNull(data.take(1).regenerated());
        }
    }

    /** Every row of {@code rows} is a row of {@code source}, and each of source's rows appears once. */
    private static void assertPermutationOfRows(float[] source, float[] rows) {
        Map<List<Float>, Integer> count = new HashMap<>();
        for (int r = 0; r < ROWS; r++) {
            count.merge(row(source, r), 1, Integer::sum);
        }
        for (int r = 0; r < ROWS; r++) {
            count.merge(row(rows, r), -1, Integer::sum);
        }
        count.values().forEach(c -> assertEquals(0, c));
    }

    private static List<Float> row(float[] data, int r) {
        Float[] row = new Float[D];
        for (int i = 0; i < D; i++) {
            row[i] = data[r * D + i];
        }
        return List.of(row);
    }
}
