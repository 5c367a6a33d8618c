package org.relukit.matrix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MatrixInitTest {
    private static MatrixConfig.Builder config() {
        MatrixConfig.Builder c = MatrixConfig.builder();
        c.nodeMulti = 2;
        c.bias = 0.5;
        return c;
    }

    /** {@link #config()} without noise on the student's init, so that what it takes from the teacher shows exactly. */
    private static MatrixConfig.Builder exactStart() {
        MatrixConfig.Builder c = config();
        c.initStd = 0;
        return c;
    }

    /** A teacher drawn with seed {@code seed}, and the student {@code c} starts from it with seed {@code seed + 1}. */
    private record Drawn(List<FoldedLayer> teacher, List<FoldedLayer> student) {
        static Drawn of(MatrixConfig.Builder c, long seed) {
            List<FoldedLayer> teacher = MatrixInit.teacher(c.build(), new SplittableRandom(seed));
            return new Drawn(teacher, MatrixInit.student(c.build(), teacher, new SplittableRandom(seed + 1)));
        }
    }

    private static void assertUnitColumns(FoldedLayer layer, String what) {
        for (int j = 0; j < layer.outputs(); j++) {
            double sq = 0;
            for (int i = 0; i < layer.rows(); i++) {
                sq += (double) layer.get(i, j) * layer.get(i, j);
            }
            assertEquals(1.0, Math.sqrt(sq), 1e-6, what + " column " + j);
        }
    }

    @Test
    void teacherIsSeparateTransposedWithANegativeBiasRowAndUnitColumns() {
        List<FoldedLayer> teacher = MatrixInit.teacher(config().build(), new SplittableRandom(3));
        assertEquals(2, teacher.size());
        for (int k = 0; k < 2; k++) {
            FoldedLayer layer = teacher.get(k);
            assertEquals(List.of(10, 20, 30).get(k), layer.inputs());
            assertEquals(List.of(20, 30).get(k), layer.outputs());
            assertUnitColumns(layer, "teacher " + k);
            Set<List<Float>> directions = new HashSet<>();
            for (int j = 0; j < layer.outputs(); j++) {
                Float[] column = new Float[layer.inputs()];
                boolean nonZero = false;
                for (int p = 0; p < layer.inputs(); p++) {
                    // Every fan-in weight is a choice of {±0.5, ±0.25, 0} over the column's norm.
                    float scaled = layer.get(p, j) / -layer.get(layer.inputs(), j) * 0.5f;
                    float quarter = Math.round(scaled * 4) / 4f;
                    assertEquals(quarter, scaled, 1e-5, "teacher " + k + " weight " + p + "," + j);
                    nonZero |= quarter != 0;
                    column[p] = quarter;
                }
                assertTrue(layer.get(layer.inputs(), j) < 0, "the bias row is -bias");
                assertTrue(nonZero, "no all-zero teacher node");
                assertTrue(directions.add(List.of(column)), "teacher nodes are distinct");
            }
        }
    }

    @Test
    void teacherIsReproducibleFromItsSeed() {
        MatrixConfig.Builder a = config(), b = config();
        b.seed = 2;
        List<FoldedLayer> first = MatrixExperiment.teacher(a.build());
        List<FoldedLayer> again = MatrixExperiment.teacher(a.build());
        List<FoldedLayer> other = MatrixExperiment.teacher(b.build());
        for (int k = 0; k < first.size(); k++) {
            assertArrayEquals(first.get(k).w(), again.get(k).w());
        }
        assertFalse(Arrays.equals(first.get(0).w(), other.get(0).w()), "another seed, another teacher");
    }

    @Test
    void studentWidensHiddenLayersOnlyAndHasUnitColumns() {
        MatrixConfig.Builder c = config();
        c.ks = List.of(10, 20, 15, 30);
        c.nodeMulti = 3;
        List<FoldedLayer> student = Drawn.of(c, 4).student();
        assertEquals(List.of(10, 60, 45, 30), c.build().studentWidths());
        for (int k = 0; k < 3; k++) {
            assertEquals(c.build().studentWidths().get(k), student.get(k).inputs());
            assertEquals(c.build().studentWidths().get(k + 1), student.get(k).outputs());
            assertUnitColumns(student.get(k), "student " + k);
        }
    }

    @Test
    void perturbPutsTheTeacherIntoTheFirstColumnsAndBiasRow() {
        MatrixConfig.Builder c = exactStart();
        c.perturb = true;
        Drawn drawn = Drawn.of(c, 6);
        List<FoldedLayer> teacher = drawn.teacher(), student = drawn.student();
        for (int k = 0; k < 2; k++) {
            FoldedLayer t = teacher.get(k), s = student.get(k);
            for (int j = 0; j < s.outputs(); j++) {
                for (int i = 0; i < s.rows(); i++) {
                    float expected;
                    if (j >= t.outputs()) {
                        expected = 0f;
                    } else if (i < t.inputs()) {
                        expected = t.get(i, j);
                    } else if (i == s.inputs()) {
                        expected = t.get(t.inputs(), j);
                    } else {
                        expected = 0f;
                    }
                    assertEquals(expected, s.get(i, j), 1e-6, "student " + k + " at " + i + "," + j);
                }
            }
        }
    }

    @Test
    void initNegTeacherPointsTheExtraNodesAwayFromATeacherNode() {
        MatrixConfig.Builder c = exactStart();
        c.initNegTeacher = true;
        Drawn drawn = Drawn.of(c, 8);
        FoldedLayer t = drawn.teacher().getFirst(), s = drawn.student().getFirst();
        for (int j = t.outputs(); j < s.outputs(); j++) {
            boolean found = false;
            for (int kk = 0; kk < t.outputs() && !found; kk++) {
                boolean same = true;
                for (int i = 0; i < t.rows(); i++) {
                    same &= Math.abs(s.get(i, j) + t.get(i, kk)) < 1e-6;
                }
                found = same;
            }
            assertTrue(found, "student column " + j + " is minus a teacher column");
        }
    }

    @Test
    void validateNamesTheBadFlag() {
        MatrixConfig.Builder c = MatrixConfig.builder();
        c.ks = List.of(10);
        assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage().startsWith("--ks"));
        c = MatrixConfig.builder();
        c.ks = List.of(1, 5);
        assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage().startsWith("--ks"));
        c = MatrixConfig.builder();
        c.lr = Double.NaN;
        assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage().startsWith("--lr"));
        c = MatrixConfig.builder();
        c.evalBatchsize = 1;
        assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage().startsWith("--eval_batchsize"));
        c = MatrixConfig.builder();
        c.nodeMulti = 0;
        assertTrue(assertThrows(IllegalArgumentException.class, c::build).getMessage().startsWith("--node_multi"));
        MatrixConfig.builder().build();
    }
}
