package org.relukit.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendConformance;
import org.relukit.backend.Backends;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Reference;
import org.relukit.backend.Tensor;

/** Runs once per forced vector width (see kernels/pom.xml), so every code path of the kernels is tested. */
class SimdBackendTest extends BackendConformance {

    @Override
    protected Backend createBackend() {
        return Backends.open("simd");
    }

    @Test
    void descriptionGivesTheSpeciesInUse() {
        int bits = SimdSpecies.FLOAT.vectorBitSize();
        String forced = System.getProperty("relukit.simd.bits");
        if (forced != null) {
            assertEquals(Integer.parseInt(forced.trim()), bits, "-Drelukit.simd.bits must force the species");
        }
        assertTrue(backend.description().contains(bits + "-bit"), backend::description);
    }

    /**
     * One whole training step of the workload (docs/math.md#recon-experiment: batch 64, student 20 → 100 → 150 → 200 →
     * 250 → 100, MSE against a teacher's output, backward, fused SGD) on this backend and on the
     * scalar reference: every intermediate must agree. Both are float32 with different summation
     * orders, each within {@link #sumTolerance} of float64, so they agree to twice that.
     */
    @Test
    void trainingStepAgreesWithScalar() {
        Map<String, float[]> simd = trainingStep(backend);
        Map<String, float[]> scalar;
        try (Backend reference = Backends.open("scalar")) {
            scalar = trainingStep(reference);
        }
        assertEquals(scalar.keySet(), simd.keySet());
        double tolerance = 2 * sumTolerance(STUDENT_WIDTHS[STUDENT_WIDTHS.length - 2]);
        for (var e : scalar.entrySet()) {
            float[] got = simd.get(e.getKey());
            double error = Reference.relativeError(got, Reference.widen(e.getValue()));
            assertTrue(error <= tolerance, () -> e.getKey() + ": simd vs scalar relative error " + error);
        }
    }

    /** The step's tensors by name, downloaded; same seed whichever backend runs it. */
    private static Map<String, float[]> trainingStep(Backend be) {
        RandomTensors random = new RandomTensors(124);
        int layers = STUDENT_WIDTHS.length - 1;
        Map<String, float[]> out = new LinkedHashMap<>();
        Tensor[] h = new Tensor[layers];
        Tensor[] w = new Tensor[layers];
        Tensor[] b = new Tensor[layers];
        Tensor[] dz = new Tensor[layers];
        try {
            h[0] = upload(be, random.gaussian(BATCH * STUDENT_WIDTHS[0], 0, 10), BATCH, STUDENT_WIDTHS[0]);
            for (int l = 0; l < layers; l++) {
                int k = STUDENT_WIDTHS[l], n = STUDENT_WIDTHS[l + 1];
                double bound = 1 / Math.sqrt(k);
                w[l] = upload(be, random.uniform(n * k, -bound, bound), n, k);
                b[l] = upload(be, random.uniform(n, -bound, bound), 1, n);
                dz[l] = be.allocate(BATCH, n);
            }
            for (int l = 1; l < layers; l++) {
                h[l] = be.allocate(BATCH, STUDENT_WIDTHS[l]);
                be.reluMatmul(h[l - 1], w[l - 1], b[l - 1], h[l]);
                out.put("h" + l, download(be, h[l]));
            }
            int outputs = STUDENT_WIDTHS[layers];
            try (Tensor y = be.allocate(BATCH, outputs);
                 Tensor teacher = upload(be, random.gaussian(BATCH * outputs, 0, 1), BATCH, outputs)) {
                be.linear(h[layers - 1], w[layers - 1], b[layers - 1], y);
                out.put("y", download(be, y));
                out.put("loss", new float[] {be.mseLoss(y, teacher, dz[layers - 1])});
            }
            for (int l = layers - 1; l >= 0; l--) {
                int k = STUDENT_WIDTHS[l], n = STUDENT_WIDTHS[l + 1];
                try (Tensor dw = be.allocate(n, k); Tensor db = be.allocate(1, n)) {
                    be.weightGrad(dz[l], h[l], dw, db);
                    out.put("dw" + l, download(be, dw));
                    out.put("db" + l, download(be, db));
                }
                if (l > 0) {
                    be.backwardInput(dz[l], w[l], h[l], dz[l - 1]);
                    out.put("dz" + (l - 1), download(be, dz[l - 1]));
                }
            }
            for (int l = 0; l < layers; l++) {
                be.sgdFused(dz[l], h[l], w[l], b[l], 0.05f);
                out.put("w" + l, download(be, w[l]));
                out.put("b" + l, download(be, b[l]));
            }
            return out;
        } finally {
            for (Tensor[] ts : new Tensor[][] {h, w, b, dz}) {
                for (Tensor t : ts) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }

    static Tensor upload(Backend be, float[] data, int rows, int cols) {
        Tensor t = be.allocate(rows, cols);
        be.upload(data, t);
        return t;
    }

    static float[] download(Backend be, Tensor t) {
        float[] out = new float[t.size()];
        be.download(t, out);
        return out;
    }
}
