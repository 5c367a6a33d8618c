package org.relukit.recon;

import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Layer;
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
}
