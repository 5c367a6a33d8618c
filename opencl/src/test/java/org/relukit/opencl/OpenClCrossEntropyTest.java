package org.relukit.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.relukit.backend.RandomTensors;
import org.relukit.backend.Reference;
import org.relukit.backend.Tensor;

/**
 * The cross-entropy kernel against a float64 reference: rows of one class and of more classes than
 * a work-group has work-items, more rows than loss work-groups, ties in the teacher's ranking, NaN.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClCrossEntropyTest {
    private static final double TOLERANCE = 1e-5;

    record Shape(int rows, int cols) {
        @Override
        public String toString() {
            return rows + "x" + cols;
        }
    }

    private OpenClBackend backend;

    @BeforeAll
    void open() {
        backend = new OpenClBackend(OpenClTests.defaultDevice());
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    Stream<Shape> shapes() {
        RandomTensors random = new RandomTensors(0x5EED_C405_5E47L);
        Stream<Shape> fixed = Stream.of(new Shape(1, 1), new Shape(1, 3), new Shape(3, 1), new Shape(7, 17),
                new Shape(64, 10), new Shape(64, 100), new Shape(17, 257), new Shape(5, 1000), new Shape(257, 3),
                new Shape(300, 33));
        Stream<Shape> randomShapes = IntStream.range(0, 4).mapToObj(i -> new Shape(random.nextInt(1, 131), random.nextInt(1, 400)));
        return Stream.concat(fixed, randomShapes);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void matchesTheFloat64Reference(Shape s) {
        RandomTensors random = new RandomTensors(s.toString().hashCode());
        check(s, random.gaussian(s.rows() * s.cols(), 0, 2), random.gaussian(s.rows() * s.cols(), 0, 1));
    }

    /** Teacher outputs of a few integer values tie often, also across work-items: the first maximum wins. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void theFirstOfEqualTeacherMaximaIsTheTarget(Shape s) {
        RandomTensors random = new RandomTensors(~s.toString().hashCode());
        float[] teacher = random.uniform(s.rows() * s.cols(), 0, 3);
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = (float) Math.floor(teacher[i]);
        }
        check(s, random.gaussian(s.rows() * s.cols(), 0, 2), teacher);
    }

    @Test
    void tiesFarApartAndAllEqualRows() {
        Shape s = new Shape(3, 600);
        RandomTensors random = new RandomTensors(7);
        float[] teacher = new float[s.rows() * s.cols()];
        teacher[5] = teacher[260] = teacher[599] = 1f;           // row 0: 5, not the later 260 or 599
        teacher[600 + 300] = teacher[600 + 44] = 2f;             // row 1: 44, handled by another work-item
        Arrays.fill(teacher, 1200, 1800, -1f);         // row 2: all equal, so 0
        check(s, random.gaussian(s.rows() * s.cols(), 0, 2), teacher);
    }

    @Test
    void theGradientMayOverwriteTheLogits() {
        Shape s = new Shape(9, 300);
        RandomTensors random = new RandomTensors(11);
        float[] z = random.gaussian(s.rows() * s.cols(), 0, 2);
        float[] t = random.gaussian(s.rows() * s.cols(), 0, 1);
        double[][] ref = Reference.crossEntropy(z, t, s.rows(), s.cols());
        double lossRef = ref[0][0];
        double[] dRef = ref[1];
        try (Tensor logits = backend.allocate(s.rows(), s.cols()); Tensor teacher = backend.allocate(s.rows(), s.cols())) {
            backend.upload(z, logits);
            backend.upload(t, teacher);
            float loss = backend.crossEntropyLoss(logits, teacher, logits);
            assertLoss(s, lossRef, loss);
            assertClose(s, dRef, read(logits));
        }
    }

    @Test
    void aNaNLogitGivesANaNLoss() {
        RandomTensors random = new RandomTensors(13);
        for (int at : new int[] {0, 37, 299}) {
            float[] z = random.gaussian(300, 0, 1);
            z[at] = Float.NaN;
            try (Tensor logits = backend.allocate(1, 300); Tensor teacher = backend.allocate(1, 300);
                 Tensor d = backend.allocate(1, 300)) {
                backend.upload(z, logits);
                backend.upload(random.gaussian(300, 0, 1), teacher);
                float loss = backend.crossEntropyLoss(logits, teacher, d);
                assertTrue(Float.isNaN(loss), "a NaN logit at " + at + " must give a NaN loss, got " + loss);
            }
        }
    }

    @Test
    void noRowsGiveNoLoss() {
        try (Tensor logits = backend.allocate(0, 5); Tensor teacher = backend.allocate(0, 5); Tensor d = backend.allocate(0, 5)) {
            assertEquals(0f, backend.crossEntropyLoss(logits, teacher, d));
        }
    }

    private void check(Shape s, float[] z, float[] t) {
        double[][] ref = Reference.crossEntropy(z, t, s.rows(), s.cols());
        double lossRef = ref[0][0];
        double[] dRef = ref[1];
        try (Tensor logits = backend.allocate(s.rows(), s.cols()); Tensor teacher = backend.allocate(s.rows(), s.cols());
             Tensor d = backend.allocate(s.rows(), s.cols())) {
            backend.upload(z, logits);
            backend.upload(t, teacher);
            backend.upload(RandomTensors.nan(z.length), d);  // an element the kernel skips stays NaN
            float loss = backend.crossEntropyLoss(logits, teacher, d);
            assertLoss(s, lossRef, loss);
            assertClose(s, dRef, read(d));
            assertArrayEquals(z, read(logits), "the logits are an input");
        }
    }

    private float[] read(Tensor t) {
        float[] out = new float[t.size()];
        backend.download(t, out);
        return out;
    }

    /** Relative to the loss, or absolute below 1: with one class the loss is exactly 0. */
    private static void assertLoss(Shape s, double ref, float loss) {
        double error = Math.abs(loss - ref) / Math.max(1, Math.abs(ref));
        assertTrue(error <= TOLERANCE, () -> "loss " + loss + " vs float64 " + ref + " at " + s + ": relative error " + error);
    }

    /** Relative error in the L2 norm, and every element within the tolerance of the largest. */
    private static void assertClose(Shape s, double[] ref, float[] out) {
        double error = Reference.relativeError(out, ref);
        double scale = 0;
        for (double r : ref) {
            scale = Math.max(scale, Math.abs(r));
        }
        for (int i = 0; i < ref.length; i++) {
            if (!(Math.abs(out[i] - ref[i]) <= TOLERANCE * scale)) {
                fail("dLogits at " + s + ": element " + i + " is " + out[i] + ", float64 " + ref[i]);
            }
        }
        assertTrue(error <= TOLERANCE, () -> "dLogits at " + s + ": relative error " + error);
    }
}
