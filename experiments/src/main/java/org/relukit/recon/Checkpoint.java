package org.relukit.recon;

import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a {@code recon} run stands, enough to continue it exactly: the next step to run
 * (trial, epoch, step), both networks, the optimiser's velocities (empty for plain SGD) and the
 * student's BatchNorm layers, γ, β and running statistics (empty without {@code --bn}; a
 * checkpoint written before BatchNorm existed reads as empty). A finished trial is
 * {@code epoch == numEpoch, step == 0}.
 */
public record Checkpoint(int trial, int epoch, int step, List<Layer> teacher, List<Layer> student,
                         List<float[]> velocities, List<BatchNormLayer> studentNorms) {
    public Checkpoint {
        teacher = List.copyOf(teacher);
        student = List.copyOf(student);
        velocities = List.copyOf(velocities);
        studentNorms = studentNorms == null ? List.of() : List.copyOf(studentNorms);
    }

    public boolean trialFinished(ReconConfig config) {
        return epoch >= config.numEpoch();
    }

    /**
     * What keeps this checkpoint from continuing a run of {@code config}: a position outside the
     * run, networks of other widths, BatchNorm state or velocities other than this config's student
     * and optimiser hold. Nothing is allocated, so a resume can ask before it touches any file.
     *
     * @return one phrase per misfit; empty when the checkpoint fits
     */
    public List<String> misfits(ReconConfig config) {
        List<String> wrong = new ArrayList<>();
        if (trial >= config.numTrial()) {
            wrong.add("trial " + trial + " is not below --num_trial " + config.numTrial());
        }
        if (epoch > config.numEpoch()) {
            wrong.add("epoch " + epoch + " is beyond --num_epoch " + config.numEpoch());
        }
        if (step >= config.stepsPerEpoch() || epoch == config.numEpoch() && step != 0) {
            wrong.add("step " + step + " is not a step of an epoch (" + config.stepsPerEpoch() + " steps)");
        }
        List<List<Integer>> teacherSizes = sizes(teacher), studentSizes = sizes(student);
        List<List<Integer>> wantedTeacher = toLists(TeacherStudent.layerSizes(config, config.ks()));
        List<List<Integer>> wantedStudent = toLists(TeacherStudent.layerSizes(config, config.studentKs()));
        if (!teacherSizes.equals(wantedTeacher)) {
            wrong.add("its teacher's layers (nodes, fan-in) " + teacherSizes + " are not the run's " + wantedTeacher);
        }
        if (!studentSizes.equals(wantedStudent)) {
            wrong.add("its student's layers (nodes, fan-in) " + studentSizes + " are not the run's " + wantedStudent);
        }
        if (student.stream().anyMatch(l -> (l.bias() == null) != config.noBias())) {
            wrong.add(config.noBias() ? "its student has biases, the run has --no_bias" : "its student lacks biases");
        }
        if (studentNorms.isEmpty() == config.bn()) {
            wrong.add((config.bn() ? "it has no" : "it has") + " BatchNorm state, the run " + (config.bn() ? "has" : "has no") + " --bn");
        } else if (config.bn() && wrong.isEmpty()) {
            if (studentNorms.size() != student.size() - 1) {
                wrong.add("it has " + studentNorms.size() + " BatchNorm layers, the student " + (student.size() - 1)
                        + " hidden layers");
            }
            for (int l = 0; l < studentNorms.size() && wrong.isEmpty(); l++) {
                BatchNormLayer norm = studentNorms.get(l);
                if (norm.n() != student.get(l).n() || norm.affine() != config.studentBnAffine()) {
                    wrong.add("its BatchNorm " + l + " does not fit the student" + (config.studentBnAffine() ? " with γ and β" : ""));
                }
            }
        }
        if (wrong.isEmpty() && !velocityLengths(config).equals(velocities.stream().map(v -> v.length).toList())) {
            wrong.add("its " + velocities.size() + " momentum buffers do not fit --momentum " + config.momentum()
                    + " --weight_decay " + config.weightDecay() + " on this student");
        }
        return wrong;
    }

    /** The optimiser's state, in the order it writes it: weights and bias per layer unless plain SGD, then γ and β. */
    private List<Integer> velocityLengths(ReconConfig config) {
        List<Integer> lengths = new ArrayList<>();
        if ((float) config.momentum() != 0f || (float) config.weightDecay() != 0f) {
            for (Layer layer : student) {
                lengths.add(layer.n() * layer.k());
                if (layer.bias() != null) {
                    lengths.add(layer.n());
                }
            }
        }
        for (BatchNormLayer norm : studentNorms) {
            if (norm.affine()) {
                lengths.add(norm.n());
                lengths.add(norm.n());
            }
        }
        return lengths;
    }

    /** Layer widths from input to output. */
    public static List<Integer> widths(List<Layer> layers) {
        List<Integer> widths = new ArrayList<>();
        widths.add(layers.getFirst().k());
        layers.forEach(l -> widths.add(l.n()));
        return widths;
    }

    /** Per layer, its nodes and fan-in. */
    private static List<List<Integer>> sizes(List<Layer> layers) {
        return layers.stream().map(l -> List.of(l.n(), l.k())).toList();
    }

    private static List<List<Integer>> toLists(int[][] sizes) {
        return java.util.Arrays.stream(sizes).map(s -> List.of(s[0], s[1])).toList();
    }
}
