package org.relukit.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.relukit.opencl.Gemm.CENTRE;
import static org.relukit.opencl.Gemm.HAS_BIAS;
import static org.relukit.opencl.Gemm.HAS_GATE;
import static org.relukit.opencl.Gemm.RELU;
import static org.relukit.opencl.Gemm.SCALE;
import static org.relukit.opencl.Gemm.TRANS_A;
import static org.relukit.opencl.Gemm.TRANS_B;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Tensor;

/**
 * Launching a kernel allocates nothing on the Java heap: the bytes this thread allocates over
 * thousands of launches, counted by the JVM, stay below one byte per launch, where one boxed
 * argument or {@code Pointer} would cost at least 16. It counts allocations, not time.
 *
 * <p>It drives the parts the backend's methods glue together (argument setting, the launch shapes,
 * the GEMM with split-K and its epilogues, the loss read-back), and the conv methods of the bare
 * backend, which glue nothing but one launch each.
 */
class OpenClLaunchAllocationTest {
    private static final int WARM_UP_ROUNDS = 300;
    private static final int ROUNDS = 500;

    @Test
    void kernelLaunchesAllocateNothingOnTheJavaHeap() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // GPU tiles and an H100's work-group count, so that a long product also takes the split-K path.
        try (OpenClBackend backend = new OpenClBackend(OpenClTests.defaultDevice(), new GemmTiles(64, 64, 16, 4, 4, 4, true), 264)) {
            Launches launches = new Launches(backend);
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                launches.run();
            }
            backend.finish();
            long before = threads.getCurrentThreadAllocatedBytes();
            long count = 0;
            for (int i = 0; i < ROUNDS; i++) {
                count += launches.run();
            }
            long bytes = threads.getCurrentThreadAllocatedBytes() - before;
            System.err.printf("opencl: %d bytes allocated over %d kernel launches (%.4f per launch)%n",
                    bytes, count, (double) bytes / count);
            assertTrue(bytes < count, bytes + " bytes allocated over " + count + " kernel launches");
        }
    }

    /** Launches of every launch shape and GEMM variant, on tensors made up front (closed with the backend). */
    private static final class Launches {
        private final OpenClBackend backend;
        private final KernelLauncher launcher;
        private final Gemm gemm;
        private final DeviceBuffer none;
        private final Kernel crossEntropy;
        private final Kernel sgdUpdate;
        private final Kernel normalizeRows;
        private final Kernel batchNormTrain;
        private final DeviceBuffer x;
        private final DeviceBuffer w;
        private final DeviceBuffer b;
        private final DeviceBuffer h;
        private final DeviceBuffer dh;
        private final DeviceBuffer dx;
        private final DeviceBuffer dw;
        private final DeviceBuffer velocity;
        private final DeviceBuffer y;
        private final DeviceBuffer yt;
        private final DeviceBuffer dy;
        private final DeviceBuffer corr;
        private final DeviceBuffer longK;
        private final DeviceBuffer split;
        private final DeviceBuffer gamma;
        private final DeviceBuffer mean;
        private final DeviceBuffer invStd;
        private final DeviceBuffer runningMean;
        private final DeviceBuffer runningVar;
        private final Tensor wTensor;
        private final Tensor image;
        private final Tensor filters;
        private final Tensor filterBias;
        private final Tensor featureMap;
        private final Tensor featureGrad;
        private final Tensor imageGrad;
        private final Tensor filterGrad;
        private final Tensor channelGamma;
        private final Tensor channelBeta;
        private final Tensor channelRunningMean;
        private final Tensor channelRunningVar;
        private final Tensor channelMean;
        private final Tensor channelInvStd;
        private final Tensor channelRows;
        private final Tensor normalised;
        private final Tensor normalisedGrad;
        private final Tensor channelGammaGrad;
        private final Tensor channelBetaGrad;

        Launches(OpenClBackend backend) {
            this.backend = backend;
            launcher = backend.launcher();
            gemm = backend.gemm();
            none = backend.memory().placeholder();
            OpenClProgram program = backend.program();
            crossEntropy = program.kernel("cross_entropy");
            sgdUpdate = program.kernel("sgd_update");
            normalizeRows = program.kernel("normalize_rows");
            batchNormTrain = program.kernel("batch_norm_train");
            RandomTensors random = new RandomTensors(17);
            x = buffer(random.signed(64 * 20), 64, 20);
            wTensor = tensor(random.signed(30 * 20), 30, 20);
            w = ((OpenClTensor) wTensor).buffer();
            b = buffer(random.signed(30), 1, 30);
            h = buffer(random.relu(64 * 30), 64, 30);
            dh = buffer(random.signed(64 * 30), 64, 30);
            dx = buffer(random.signed(64 * 20), 64, 20);
            dw = buffer(random.signed(30 * 20), 30, 20);
            velocity = buffer(random.signed(30 * 20), 30, 20);
            y = buffer(random.signed(64 * 30), 64, 30);
            yt = buffer(random.signed(64 * 30), 64, 30);
            dy = buffer(random.signed(64 * 30), 64, 30);
            corr = buffer(random.signed(20 * 30), 20, 30);
            longK = buffer(random.signed(1024 * 20), 1024, 20);
            split = buffer(random.signed(20 * 20), 20, 20);
            gamma = buffer(random.uniform(30, 0.5, 2), 1, 30);
            mean = buffer(random.signed(30), 1, 30);
            invStd = buffer(random.signed(30), 1, 30);
            runningMean = buffer(random.signed(30), 1, 30);
            runningVar = buffer(random.uniform(30, 0.5, 2), 1, 30);
            // A batch of 4 two-channel 6 x 5 images through 3 filters: 3 maps of 4 x 3.
            image = tensor(random.signed(4 * 2 * 30), 4, 2 * 30);
            filters = tensor(random.signed(3 * 2 * 9), 3, 2 * 9);
            filterBias = tensor(random.signed(3), 1, 3);
            featureMap = tensor(random.signed(4 * 3 * 12), 4, 3 * 12);
            featureGrad = tensor(random.signed(4 * 3 * 12), 4, 3 * 12);
            imageGrad = tensor(random.signed(4 * 2 * 30), 4, 2 * 30);
            filterGrad = tensor(random.signed(3 * 2 * 9), 3, 2 * 9);
            channelGamma = tensor(random.uniform(3, 0.5, 2), 1, 3);
            channelBeta = tensor(random.signed(3), 1, 3);
            channelRunningMean = tensor(random.signed(3), 1, 3);
            channelRunningVar = tensor(random.uniform(3, 0.5, 2), 1, 3);
            channelMean = tensor(random.signed(3), 1, 3);
            channelInvStd = tensor(random.uniform(3, 0.5, 2), 1, 3);
            channelRows = tensor(random.signed(4 * 12 * 3), 4 * 12, 3);
            normalised = tensor(random.signed(4 * 3 * 12), 4, 3 * 12);
            normalisedGrad = tensor(random.signed(4 * 3 * 12), 4, 3 * 12);
            channelGammaGrad = tensor(random.signed(3), 1, 3);
            channelBetaGrad = tensor(random.signed(3), 1, 3);
        }

        /** Returns the number of kernels launched. */
        int run() {
            gemm.run(TRANS_B | RELU | HAS_BIAS, x, 20, w, 20, h, 64, 30, 20, 1f, 0f, b, none);
            gemm.run(HAS_GATE, dh, 30, w, 20, dx, 64, 20, 30, 1f, 0f, none, x);
            gemm.run(TRANS_A, longK, 20, longK, 20, split, 20, 20, 1024, 1f, 0f, none, none);  // split-K: 2 launches
            gemm.run(TRANS_A | CENTRE | SCALE, x, 20, h, 30, corr, 20, 30, 64, 1f, 0f, none, none, mean, gamma, mean, b);
            sgdUpdate.args().arg(600).arg(dw).arg(dw).arg(velocity).arg(1e-6f).arg(0.9f).arg(5e-4f);
            launcher.elementwise(sgdUpdate, 600);
            normalizeRows.args().arg(20).arg(dw).arg(b).arg(1);
            launcher.groups(normalizeRows, 30);
            batchNormTrain.args().arg(64).arg(30).arg(h).arg(gamma).arg(1).arg(b).arg(1).arg(runningMean).arg(runningVar)
                    .arg(0.1f).arg(1e-5f).arg(1).arg(y).arg(mean).arg(invStd);
            launcher.columns(batchNormTrain, 30);
            backend.normalizeColumns(wTensor);
            crossEntropy.args().arg(64).arg(30).arg(y).arg(yt).arg(dy).arg(backend.lossPartials());
            launcher.groups(crossEntropy, 64);
            backend.sumLossPartials(64);
            // The conv methods straight on the backend, past the shape checks of CheckedBackend.
            backend.conv3x3(image, 6, 5, filters, filterBias, true, featureMap);
            backend.conv3x3BackwardInput(featureGrad, filters, 6, 5, image, imageGrad);
            backend.conv3x3WeightGrad(featureGrad, image, 6, 5, filterGrad, null);
            backend.conv3x3SgdFused(featureGrad, image, 6, 5, filters, filterBias, 1e-6f);
            backend.batchNorm2dTrain(featureMap, 3, channelGamma, channelBeta, channelRunningMean, channelRunningVar,
                    0.1f, 1e-5f, true, normalised, channelMean, channelInvStd);
            backend.batchNorm2dEval(featureMap, 3, channelGamma, channelBeta, channelRunningMean, channelRunningVar,
                    1e-5f, false, normalised);
            backend.batchNorm2dBackward(featureGrad, featureMap, 3, channelGamma, channelMean, channelInvStd, normalised,
                    normalisedGrad, channelGammaGrad, channelBetaGrad);
            backend.channelsToRows(featureMap, 3, channelRows);
            return 18;
        }

        private DeviceBuffer buffer(float[] data, int rows, int cols) {
            return ((OpenClTensor) tensor(data, rows, cols)).buffer();
        }

        private Tensor tensor(float[] data, int rows, int cols) {
            Tensor t = backend.allocate(rows, cols);
            backend.upload(data, t);
            return t;
        }
    }
}
