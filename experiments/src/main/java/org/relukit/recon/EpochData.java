package org.relukit.recon;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.relukit.data.RandomCropFlip;
import org.relukit.nn.Initialisation;

/**
 * A trial's training rows for each epoch, in that epoch's random order (regenerated first with
 * {@code --regen_dataset_each_epoch}, augmented with CIFAR-10's crop and flip), made one epoch
 * ahead on a thread of its own while the trial trains. Every epoch's rows come from the stream of
 * (seed, trial, epoch) alone, so making them early changes no bit.
 *
 * <p>Why ahead: shuffling, gathering and uploading 100,000 rows took 28 ms of each epoch of the
 * headline run on its training thread, 1.1 s of ≈ 28 (entry 48 of jmh/PERFORMANCE.md). Data sets
 * larger than {@link #AHEAD_MAX_FLOATS} are made on the trial's thread, as the second copy would
 * cost as much memory again.
 */
final class EpochData implements AutoCloseable {
    /** 2²⁴ floats, 64 MB: MNIST's 60,000 images (188 MB) and CIFAR-10's are made on the trial's thread. */
    static final int AHEAD_MAX_FLOATS = 1 << 24;

    /** One epoch's rows and, when the epoch regenerated its data set, that set (null otherwise). */
    record Epoch(float[] rows, float[] regenerated) {}

    private final ReconConfig config;
    private final int trial;
    private final float[] original;
    private final ImageInputs images;
    private final RandomCropFlip augmentation;
    private final float[][] rows;
    private final int[][] orders;
    /** Makes the next epoch's rows; null when each epoch's are made on the trial's thread. */
    private final ExecutorService ahead;
    private Future<Epoch> next;
    private int nextEpoch = -1;

    /**
     * @param original     the data set as drawn, or the images' pixels
     * @param images       the image inputs, or null for gaussian inputs
     * @param augmentation their crop and flip, or null
     */
    EpochData(ReconConfig config, int trial, float[] original, ImageInputs images, RandomCropFlip augmentation) {
        this(config, trial, original, images, augmentation, original.length <= AHEAD_MAX_FLOATS);
    }

    /** With {@code ahead} false, each epoch's rows are made when it is taken. */
    EpochData(ReconConfig config, int trial, float[] original, ImageInputs images, RandomCropFlip augmentation,
              boolean ahead) {
        this.config = config;
        this.trial = trial;
        this.original = original;
        this.images = images;
        this.augmentation = augmentation;
        int buffers = ahead ? 2 : 1;
        rows = new float[buffers][original.length];
        orders = new int[buffers][config.trainSize()];
        this.ahead = !ahead ? null : Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "relukit-epoch-data-" + trial);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Epoch {@code epoch}'s rows, and with them the next epoch's started: the rows returned stay
     * valid until the next call.
     */
    Epoch take(int epoch) {
        if (ahead == null) {
            return make(epoch, 0);
        }
        if (next != null && nextEpoch != epoch) {
            // An epoch other than the one made ahead: that one may still be writing this epoch's buffer.
            await(next);
        }
        Epoch taken = nextEpoch == epoch ? await(next) : make(epoch, epoch % 2);
        if (epoch + 1 < config.numEpoch()) {
            int buffer = (epoch + 1) % 2;
            next = ahead.submit(() -> make(epoch + 1, buffer));
            nextEpoch = epoch + 1;
        }
        return taken;
    }

    private Epoch make(int epoch, int buffer) {
        SplittableRandom rng = ReconExperiment.random(config.seed(), trial, epoch);
        float[] data = original, regenerated = null;
        if (config.regenDatasetEachEpoch() && epoch > 0) {
            data = regenerated = Initialisation.gaussian(rng, original.length, config.dataStd());
        }
        int[] order = orders[buffer];
        float[] out = rows[buffer];
        shuffle(order, rng);
        if (augmentation != null) {
            // Each sample augmented afresh as the epoch fetches it, as the original's loader does.
            augmentation.apply(images.train(), order, 0, order.length, out, rng);
        } else {
            gather(data, out, order, config.inputSize());
        }
        return new Epoch(out, regenerated);
    }

    private static Epoch await(Future<Epoch> made) {
        try {
            return made.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while an epoch's rows were being made", e);
        }
    }

    /** Fisher–Yates over sample indices. */
    private static void shuffle(int[] order, SplittableRandom rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    }

    /** The rows of {@code data} in {@code order}. */
    private static void gather(float[] data, float[] out, int[] order, int d) {
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(data, order[i] * d, out, i * d, d);
        }
    }

    @Override
    public void close() {
        if (ahead != null) {
            ahead.shutdownNow();
        }
    }
}
