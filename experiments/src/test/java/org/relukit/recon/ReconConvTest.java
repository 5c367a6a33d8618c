package org.relukit.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;
import org.relukit.data.ImageSet;
import org.relukit.nn.Float64Network;
import org.relukit.nn.ImageShape;
import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.stats.BestMatch;
import org.relukit.stats.Evaluation;
import org.relukit.stats.Evaluator;

/** {@code recon --use_cnn} against float64: per-channel correlations, and the accuracy on labelled images. */
class ReconConvTest {

    /** Each conv layer's correlation matrix is Pearson's per channel, over every sample and position. */
    @Test
    void convCorrelationsArePerChannelOverSamplesAndPositions() {
        SplittableRandom rng = new SplittableRandom(21);
        SmallNets nets = SmallNets.draw(SmallNets.conv(List.of(3, 4), 5), rng);
        ImageShape image = nets.config().convInput();
        List<Layer> teacherLayers = nets.teacher(), studentLayers = nets.student();
        int samples = 6;
        float[] x = Initialisation.gaussian(rng, samples * image.size(), 10);
        Float64Network teacher64 = new Float64Network(teacherLayers, List.of(), false, image);
        Float64Network student64 = new Float64Network(studentLayers, List.of(), false, image);
        teacher64.forward(x, samples, false);
        student64.forward(x, samples, false);
        Evaluation e;
        try (Backend backend = Backends.open("scalar");
             Network teacher = new Network(backend, teacherLayers, List.of(), false, image);
             Network student = new Network(backend, studentLayers, List.of(), false, image);
             Tensor data = backend.allocate(samples, image.size());
             Evaluator evaluator = new Evaluator(backend, teacher, student, samples, null, false)) {
            backend.upload(x, data);
            e = evaluator.evaluate(data, 0, 0, "eval", 0);
        }
        assertNull(e.accuracy(), "gaussian inputs have no labels");
        for (int l = 0; l < 2; l++) {
            int kt = teacherLayers.get(l).n(), ks = studentLayers.get(l).n();
            double[] reference = channelCorrelations(teacher64.reluOutput[l], kt, student64.reluOutput[l], ks, samples);
            BestMatch m = e.layers().get(l);
            assertEquals(kt, m.teacherNodes());
            assertEquals(ks, m.studentNodes());
            for (int i = 0; i < reference.length; i++) {
                assertEquals(reference[i], m.correlations()[i], 1e-4, "layer " + l + " entry " + i);
            }
        }
    }

    /** C[a, q] over rows (sample, position) of teacher channel a and student channel q, each column centred. */
    private static double[] channelCorrelations(double[] t, int kt, double[] s, int ks, int samples) {
        int positions = t.length / (samples * kt);
        double[][] tc = columns(t, kt, samples, positions), sc = columns(s, ks, samples, positions);
        double[] c = new double[kt * ks];
        for (int a = 0; a < kt; a++) {
            for (int q = 0; q < ks; q++) {
                double dot = 0, ta = 0, sq = 0;
                for (int r = 0; r < tc[a].length; r++) {
                    dot += tc[a][r] * sc[q][r];
                    ta += tc[a][r] * tc[a][r];
                    sq += sc[q][r] * sc[q][r];
                }
                c[a * ks + q] = dot / Math.sqrt(ta + 1e-10) / Math.sqrt(sq + 1e-10);
            }
        }
        return c;
    }

    private static double[][] columns(double[] h, int channels, int samples, int positions) {
        double[][] out = new double[channels][samples * positions];
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            for (int b = 0; b < samples; b++) {
                for (int p = 0; p < positions; p++) {
                    out[c][b * positions + p] = h[(b * channels + c) * positions + p];
                    mean += out[c][b * positions + p];
                }
            }
            mean /= samples * positions;
            for (int r = 0; r < out[c].length; r++) {
                out[c][r] -= mean;
            }
        }
        return out;
    }

    /** The accuracy written after the last epoch is the float64 student's on the whole test set. */
    @Test
    void accuracyIsTheStudentsArgmaxAgainstTheLabels() {
        SplittableRandom rng = new SplittableRandom(8);
        ImageInputs images = new ImageInputs("mnist", mnistLike(rng, 90), mnistLike(rng, 40));
        ReconConfig.Builder builder = imageRun(images, List.of(2), 1, 16, 8);
        builder.lr = org.relukit.nn.LrSchedule.constant(0.01);
        ReconConfig config = builder.build();
        Run run = run(config, images);
        List<Evaluation> evaluations = run.evaluations();
        Evaluation last = evaluations.getLast();
        assertEquals("eval", last.split());
        assertNotNull(last.accuracy());
        Float64Network student = new Float64Network(run.checkpoints().getLast().student(), List.of(), false, config.convInput());
        double[] y = student.forward(images.eval().pixels(), 40, false);
        int correct = 0;
        for (int i = 0; i < 40; i++) {
            int best = 0;
            for (int o = 1; o < 10; o++) {
                if (y[i * 10 + o] > y[i * 10 + best]) {
                    best = o;
                }
            }
            correct += best == images.eval().labels()[i] ? 1 : 0;
        }
        assertEquals(correct, Math.round(last.accuracy() * 40), "accuracy " + last.accuracy());
        assertTrue(evaluations.stream().allMatch(e -> e.accuracy() != null), "every evaluation measures it");
    }

    /**
     * CIFAR-10's path: 3-channel images, every training sample cropped and flipped as its epoch
     * fetches it. Two runs give the same evaluations, and the crops change what the student learns
     * (so they reach the training steps).
     */
    @Test
    void cifarRunsAugmentedAndRepeatsItself() {
        SplittableRandom rng = new SplittableRandom(4);
        ImageSet train = imagesLike(rng, 3, 32, 50), test = imagesLike(rng, 3, 32, 20);
        ImageInputs images = new ImageInputs("cifar10", train, test);
        // The same images under a dataset the original does not augment.
        ImageInputs unaugmented = new ImageInputs("mnist", train, test);
        ReconConfig config = imageRun(images, List.of(2, 2), 2, 10, 5).build();
        List<Evaluation> first = run(config, images).evaluations(), second = run(config, images).evaluations(),
                plain = run(config, unaugmented).evaluations();
        assertEquals(6, first.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).loss(), second.get(i).loss(), "evaluation " + i);
            assertEquals(first.get(i).accuracy(), second.get(i).accuracy(), "evaluation " + i);
        }
        assertEquals(first.getFirst().loss(), plain.getFirst().loss(), "the same start");
        assertTrue(first.getLast().loss() != plain.getLast().loss(), "the crops and flips reach the training batches");
    }

    /** One trial of a conv student with node_multi 2 on {@code images}, all of them used. */
    private static ReconConfig.Builder imageRun(ImageInputs images, List<Integer> ks, int numEpoch, int batchsize,
                                                int evalBatchsize) {
        ReconConfig.Builder builder = ReconConfig.builder();
        builder.useCnn = true;
        builder.dataset = images.dataset();
        builder.dataDir = "unused: the images are given";
        builder.ks = ks;
        builder.nodeMulti = 2;
        builder.numEpoch = numEpoch;
        builder.numTrial = 1;
        builder.batchsize = batchsize;
        builder.evalBatchsize = evalBatchsize;
        builder.trainSize = images.train().size();
        builder.evalSize = images.eval().size();
        return builder;
    }

    private record Run(List<Evaluation> evaluations, List<Checkpoint> checkpoints) {}

    private static Run run(ReconConfig config, ImageInputs images) {
        Run run = new Run(new ArrayList<>(), new ArrayList<>());
        try (Backend backend = Backends.open("scalar")) {
            new ReconExperiment(List.of(backend), config, null, images).run(new ReconListener() {
                @Override
                public void onEvaluation(Evaluation evaluation) {
                    run.evaluations().add(evaluation);
                }

                @Override
                public void onCheckpoint(Checkpoint checkpoint) {
                    run.checkpoints().add(checkpoint);
                }
            });
        }
        return run;
    }

    private static ImageSet imagesLike(SplittableRandom rng, int channels, int side, int count) {
        float[] pixels = new float[count * channels * side * side];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rng.nextDouble(-2, 2);
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = rng.nextInt(10);
        }
        return new ImageSet(pixels, labels, channels, side, side);
    }

    /** Normalised pixels in [-1, 1] and labels 0-9, as MNIST's reader gives them. */
    private static ImageSet mnistLike(SplittableRandom rng, int count) {
        float[] pixels = new float[count * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rng.nextDouble(-1, 1);
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = rng.nextInt(10);
        }
        return new ImageSet(pixels, labels, 1, 28, 28);
    }
}
