package org.relukit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.relukit.backend.Backend;
import org.relukit.backend.Backends;
import org.relukit.backend.Tensor;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;

/**
 * The builder's step is the step {@code recon} builds by hand from the same settings, bit for bit,
 * with and without BatchNorm and for both losses; and it refuses bad settings in one line.
 */
class TrainingStepBuilderTest {
    private static final int BATCH = 16, STEPS = 6;
    private static final float LR = 0.02f;

    /** A student's state after some steps: every layer's weights and biases, then every BatchNorm's vectors. */
    private record Trained(List<float[]> parameters, float[] losses) {}

    @ParameterizedTest(name = "{0} loss={1} bn={2} bn_before_relu={3} normalize={4}")
    @CsvSource({
            "simd,   MSE,           false, false, false",
            "simd,   MSE,           false, false, true",
            "simd,   CROSS_ENTROPY, false, false, false",
            "simd,   MSE,           true,  false, false",
            "simd,   CROSS_ENTROPY, true,  true,  false",
            "scalar, MSE,           true,  false, true"})
    void matchesTheHandBuiltStepBitForBit(String backendName, TrainingStepBuilder.Loss loss, boolean bn,
                                          boolean bnBeforeRelu, boolean normalize) {
        double momentum = 0.9, weightDecay = 5e-4;
        try (Backend backend = Backends.open(backendName)) {
            Trained built = train(backend, bn, bnBeforeRelu, (teacher, student) -> TrainingStep.builder(backend, teacher, student)
                    .batch(BATCH).momentum(momentum).weightDecay(weightDecay).normalize(normalize).loss(loss).build());
            List<Sgd> optimisers = new ArrayList<>();
            Trained byHand = train(backend, bn, bnBeforeRelu, (teacher, student) -> {
                Sgd sgd = new Sgd(backend, student, momentum, weightDecay, normalize);
                optimisers.add(sgd);
                return new TrainingStep(backend, teacher, student, sgd, BATCH, loss == TrainingStepBuilder.Loss.CROSS_ENTROPY);
            });
            optimisers.forEach(Sgd::close);
            assertArrayEquals(byHand.losses(), built.losses());
            assertEquals(byHand.parameters().size(), built.parameters().size());
            for (int i = 0; i < built.parameters().size(); i++) {
                assertArrayEquals(byHand.parameters().get(i), built.parameters().get(i), "parameter group " + i);
            }
            for (float l : built.losses()) {
                assertTrue(Float.isFinite(l) && l > 0, "loss " + l);
            }

            // The settings reach the step: plain SGD from the same start ends elsewhere.
            Trained plain = train(backend, bn, bnBeforeRelu, (teacher, student) -> TrainingStep.builder(backend, teacher, student)
                    .batch(BATCH).loss(loss).build());
            assertFalse(Arrays.equals(plain.parameters().getFirst(), built.parameters().getFirst()),
                    "momentum and weight decay changed nothing");
        }
    }

    @Test
    void plainSgdIsTheBuildersDefaultStep() {
        try (Backend backend = Backends.open("simd")) {
            Trained viaPlain = train(backend, true, false,
                    (teacher, student) -> TrainingStep.plainSgd(backend, teacher, student, BATCH));
            Trained viaBuilder = train(backend, true, false,
                    (teacher, student) -> TrainingStep.builder(backend, teacher, student).batch(BATCH).build());
            assertArrayEquals(viaPlain.losses(), viaBuilder.losses());
            for (int i = 0; i < viaPlain.parameters().size(); i++) {
                assertArrayEquals(viaPlain.parameters().get(i), viaBuilder.parameters().get(i), "parameter group " + i);
            }
        }
    }

    @Test
    void refusesBadSettingsNamingTheValue() {
        try (Backend backend = Backends.open("scalar");
             Network teacher = new Network(backend, layers(config(), false).teacher());
             Network student = new Network(backend, layers(config(), false).student())) {
            TrainingStepBuilder builder = TrainingStep.builder(backend, teacher, student);
            for (double bad : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.momentum(bad));
                assertEquals("momentum must be in [0, 1), got " + bad, e.getMessage());
            }
            for (double bad : new double[] {-1e-4, Double.POSITIVE_INFINITY, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.weightDecay(bad));
                assertEquals("weight decay must be a finite number >= 0, got " + bad, e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.batch(0));
            assertEquals("batch must be at least 1, got 0", e.getMessage());
            assertThrows(NullPointerException.class, () -> builder.loss(null));

            ReconConfig.Builder other = ReconConfig.builder();
            other.dataD = 4;
            other.ks = List.of(3, 4);
            other.nodeMulti = 2;
            other.dOutput = 3;
            try (Network stranger = new Network(backend, layers(other.build(), false).student())) {
                e = assertThrows(IllegalArgumentException.class, () -> TrainingStep.builder(backend, teacher, stranger));
                assertTrue(e.getMessage().contains("must share their input and output widths"), e.getMessage());
                assertEquals(1, e.getMessage().lines().count());
            }
        }
    }

    private static ReconConfig config() {
        ReconConfig.Builder config = ReconConfig.builder();
        config.dataD = 6;
        config.ks = List.of(5, 7);
        config.nodeMulti = 2;
        config.dOutput = 4;
        return config.build();
    }

    private record Layers(List<Layer> teacher, List<Layer> student, List<BatchNormLayer> teacherNorms,
                          List<BatchNormLayer> studentNorms) {}

    private static Layers layers(ReconConfig config, boolean bn) {
        SplittableRandom rng = new SplittableRandom(21);
        List<Layer> teacher = TeacherStudent.teacher(config, rng);
        List<Layer> student = TeacherStudent.student(config, teacher, rng);
        List<BatchNormLayer> teacherNorms = new ArrayList<>(), studentNorms = new ArrayList<>();
        for (int l = 0; bn && l + 1 < teacher.size(); l++) {
            teacherNorms.add(BatchNormLayer.initial(teacher.get(l).n(), true));
            studentNorms.add(BatchNormLayer.initial(student.get(l).n(), true));
        }
        return new Layers(teacher, student, teacherNorms, studentNorms);
    }

    /** {@value STEPS} steps on fresh batches from one seed, the step made by {@code factory}. */
    private static Trained train(Backend backend, boolean bn, boolean bnBeforeRelu, BiFunction<Network, Network, TrainingStep> factory) {
        ReconConfig config = config();
        Layers layers = layers(config, bn);
        float[] data = new float[STEPS * BATCH * config.dataD()];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rng.nextGaussian();
        }
        float[] losses = new float[STEPS];
        List<float[]> parameters = new ArrayList<>();
        try (Network teacher = new Network(backend, layers.teacher(), layers.teacherNorms(), bnBeforeRelu);
             Network student = new Network(backend, layers.student(), layers.studentNorms(), bnBeforeRelu);
             Tensor set = backend.allocate(STEPS * BATCH, config.dataD());
             TrainingStep step = factory.apply(teacher, student)) {
            backend.upload(data, set);
            for (int s = 0; s < STEPS; s++) {
                losses[s] = step.run(set, s * BATCH, LR);
            }
            for (Layer layer : student.download()) {
                parameters.add(layer.weights());
                parameters.add(layer.bias());
            }
            for (BatchNormLayer norm : student.downloadNorms()) {
                parameters.addAll(List.of(norm.gamma(), norm.beta(), norm.runningMean(), norm.runningVar()));
            }
        }
        return new Trained(parameters, losses);
    }
}
