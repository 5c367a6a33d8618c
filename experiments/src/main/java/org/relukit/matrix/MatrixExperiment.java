package org.relukit.matrix;

import org.relukit.stats.BestMatch;
import java.util.List;
import java.util.SplittableRandom;
import org.relukit.backend.Backend;
import org.relukit.backend.Tensor;

/**
 * The {@code matrix} experiment (docs/math.md#matrix-experiment): a "separate" teacher, a student over-parameterised by
 * {@code node_multi}, trained with the closed-form gradient {@code W += lr ΔW} and its columns
 * rescaled to unit norm after every step; every {@value MatrixConfig#REPORT_EVERY} iterations (and
 * after the last) it is measured on fresh samples. The student's init, every batch and every
 * evaluation sample are drawn on the host and uploaded; everything else runs on the backend.
 *
 * <p>Randomness: the teacher comes from {@code seed}, the student's init from {@code seed_init},
 * the batches and the evaluation samples, in the order they are used, from {@code seed_x}; each
 * from a stream of its own, so equal seeds do not give correlated draws.
 */
public final class MatrixExperiment {
    private static final long TEACHER_STREAM = 1, STUDENT_STREAM = 2, DATA_STREAM = 3;

    private final Backend backend;
    private final MatrixConfig config;
    private volatile boolean stopRequested;
    private boolean stopped;

    public MatrixExperiment(Backend backend, MatrixConfig config) {
        this.backend = backend;
        this.config = config;
    }

    static SplittableRandom stream(long seed, long purpose) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + purpose);
    }

    /** The teacher a run of {@code config} trains against: drawn from {@code seed} alone. */
    public static List<FoldedLayer> teacher(MatrixConfig config) {
        return MatrixInit.teacher(config, stream(config.seed(), TEACHER_STREAM));
    }

    /** Asks a running experiment to stop after the current iteration, which it then reports; safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether the last run ended on {@link #requestStop()} rather than after {@code num_iter} iterations. */
    public boolean stopped() {
        return stopped;
    }

    /** @return the last report: the state after the last iteration run */
    public MatrixReport run(MatrixListener listener) {
        stopped = false;
        List<FoldedLayer> teacherLayers = teacher(config);
        List<FoldedLayer> studentLayers = MatrixInit.student(config, teacherLayers, stream(config.studentSeed(), STUDENT_STREAM));
        SplittableRandom data = stream(config.dataSeed(), DATA_STREAM);
        int inputs = config.ks().getFirst() + 1, batch = config.batchsize();
        float[] batchHost = new float[batch * inputs];
        float[] evalHost = new float[config.evalBatchsize() * inputs];
        BestMatch[] best = new BestMatch[config.ks().size() - 2];
        try (FoldedNetwork teacher = new FoldedNetwork(backend, teacherLayers);
             FoldedNetwork student = new FoldedNetwork(backend, studentLayers);
             MatrixStep step = new MatrixStep(backend, student, teacher, batch, (float) config.lr(), config.useAccurateGrad(),
                     config.accurateGradMean());
             MatrixEvaluator evaluator = new MatrixEvaluator(backend, student, teacher, config.evalBatchsize());
             Tensor x = backend.allocate(batch, inputs)) {
            MatrixReport last = null;
            long start = System.nanoTime();
            for (int iter = 0; iter < config.numIter(); iter++) {
                if (iter == 0 || !config.useGd()) {
                    gaussianBatch(data, batchHost, batch, inputs);
                    backend.upload(batchHost, x);
                }
                boolean stop = stopRequested;
                boolean report = iter % MatrixConfig.REPORT_EVERY == 0 || iter == config.numIter() - 1 || stop;
                float loss = step.run(x, report);
                if (report) {
                    gaussianBatch(data, evalHost, config.evalBatchsize(), inputs);
                    float evalLoss = evaluator.evaluate(evalHost, best);
                    last = report(iter, loss, evalLoss, best, student, (System.nanoTime() - start) / 1e9);
                    listener.onReport(last);
                }
                if (stop) {
                    stopped = true;
                    break;
                }
            }
            return last;
        }
    }

    /** N(0, 1) entries and a trailing column of ones, row by row: the seed's {@code get_data}. */
    static void gaussianBatch(SplittableRandom rng, float[] x, int rows, int inputs) {
        for (int i = 0; i < rows; i++) {
            for (int p = 0; p + 1 < inputs; p++) {
                x[i * inputs + p] = (float) rng.nextGaussian();
            }
            x[i * inputs + inputs - 1] = 1f;
        }
    }

    private static MatrixReport report(int iter, float loss, float evalLoss, BestMatch[] best, FoldedNetwork student,
                                       double seconds) {
        float[] maxCorrs = new float[best.length];
        int[] zeroCnt = new int[best.length];
        for (int k = 0; k < best.length; k++) {
            maxCorrs[k] = best[k].mean();
            for (float c : best[k].bestCorrelation()) {
                zeroCnt[k] += c == 0f ? 1 : 0;
            }
        }
        List<FoldedLayer> weights = student.download();
        float[][] rowNorms = new float[weights.size()][];
        for (int k = 0; k < rowNorms.length; k++) {
            rowNorms[k] = weights.get(k).rowNorms();
        }
        return new MatrixReport(iter, loss, evalLoss, maxCorrs, zeroCnt, rowNorms, seconds);
    }
}
