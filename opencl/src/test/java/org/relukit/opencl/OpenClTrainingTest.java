package org.relukit.opencl;

import org.relukit.nn.Initialisation;
import org.relukit.nn.Layer;
import org.relukit.nn.Network;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;
import org.relukit.nn.TrainingStep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Reference;

/**
 * Ten steps of the recon workload (docs/math.md#recon-experiment) on the device and on the scalar reference, from the
 * same teacher, student and batches, end at the same student. Float32 backends that sum in
 * different orders drift apart exponentially as training goes on (by about 1e-6 relative after 100
 * steps and 1e-3 after 400, for SIMD as for OpenCL), so this looks at the first steps only.
 */
class OpenClTrainingTest {
    private static final int STEPS = 10;

    @Test
    void tenTrainingStepsAgreeWithScalar() {
        OpenClTests.assumeOpenCl();
        float[] scalar = train("scalar");
        float[] opencl = train("opencl");
        assertEquals(scalar.length, opencl.length);
        double error = Reference.relativeError(opencl, Reference.widen(scalar));
        assertTrue(error <= 1e-6, () -> "student weights after " + STEPS + " steps: opencl vs scalar relative error " + error);
    }

    /** The student's weights and biases, one after the other, after the steps. */
    private static float[] train(String backend) {
        ReconConfig.Builder config = ReconConfig.builder();
        SplittableRandom rng = new SplittableRandom(124);
        List<Layer> teacherLayers = TeacherStudent.teacher(config.build(), rng);
        List<Layer> studentLayers = TeacherStudent.student(config.build(), teacherLayers, rng);
        try (Backend be = Backends.open(backend);
             Network teacher = new Network(be, teacherLayers);
             Network student = new Network(be, studentLayers);
             TrainingStep step = TrainingStep.plainSgd(be, teacher, student, 64)) {
            SplittableRandom data = new SplittableRandom(7);
            for (int i = 0; i < STEPS; i++) {
                be.upload(Initialisation.gaussian(data, 64 * config.dataD, config.dataStd), step.input());
                step.run((float) config.lr.at(0));
            }
            float[] all = new float[0];
            for (Layer layer : student.download()) {
                all = append(append(all, layer.weights()), layer.bias());
            }
            return all;
        }
    }

    private static float[] append(float[] a, float[] b) {
        if (b == null) {
            return a;
        }
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
