package org.relukit.nn;

import java.util.Arrays;
import java.util.Objects;
import org.relukit.backend.Backend;

/**
 * Builds a {@link TrainingStep} with the optimiser and loss that {@code relukit recon} offers, for a
 * teacher and a student of your own: {@code TrainingStep.builder(backend, teacher, student)}, then
 * the settings that differ from the defaults, then {@link #build()}.
 *
 * <pre>{@code
 * try (TrainingStep step = TrainingStep.builder(backend, teacher, student)
 *         .batch(64).momentum(0.9).weightDecay(5e-4).build()) {
 *     float loss = step.run(trainSet, 0, (float) schedule.at(epoch));
 * }
 * }</pre>
 *
 * <p>BatchNorm comes with the networks: a student built with BatchNorm layers trains them (its γ and
 * β too when they are affine, under the same momentum and weight decay), a teacher's runs in eval
 * mode. The learning rate is not part of the step: it is an argument of every
 * {@link TrainingStep#run(float)}, so a schedule ({@link LrSchedule#at}) is the caller's.
 *
 * <p>The step owns the optimiser state it is built with (the momentum buffers): closing the step
 * frees it. The networks stay the caller's. Every setting is checked here, once, so a bad value is
 * an {@link IllegalArgumentException} that names it, never a wrong step.
 */
public final class TrainingStepBuilder {
    /** The output loss the student is trained on. */
    public enum Loss {
        /** Mean squared error between student and teacher outputs ({@code recon}'s default). */
        MSE,
        /** Cross-entropy of the student's output on the argmax of the teacher's ({@code --cross_entropy}). */
        CROSS_ENTROPY
    }

    private final Backend backend;
    private final Network teacher;
    private final Network student;
    private int batch = 64;
    private double momentum;
    private double weightDecay;
    private boolean normalize;
    private Loss loss = Loss.MSE;

    TrainingStepBuilder(Backend backend, Network teacher, Network student) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.student = Objects.requireNonNull(student, "student");
        int[] t = teacher.widths(), s = student.widths();
        if (t[0] != s[0] || t[t.length - 1] != s[s.length - 1]) {
            throw new IllegalArgumentException("teacher " + Arrays.toString(t) + " and student " + Arrays.toString(s)
                    + " must share their input and output widths");
        }
    }

    /** Samples per step (default 64); the step's {@link TrainingStep#input()} has this many rows. */
    public TrainingStepBuilder batch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.batch = batch;
        return this;
    }

    /** SGD momentum in [0, 1), PyTorch's form {@code v = μ v + g} (default 0, plain SGD). */
    public TrainingStepBuilder momentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
        return this;
    }

    /** L2 weight decay, {@code g + λ w}, a finite λ ≥ 0 (default 0). */
    public TrainingStepBuilder weightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be a finite number >= 0, got " + weightDecay);
        }
        this.weightDecay = weightDecay;
        return this;
    }

    /** {@code --normalize}: every student row back to unit norm after each step (default off). */
    public TrainingStepBuilder normalize(boolean normalize) {
        this.normalize = normalize;
        return this;
    }

    /** The output loss (default {@link Loss#MSE}). */
    public TrainingStepBuilder loss(Loss loss) {
        this.loss = Objects.requireNonNull(loss, "loss");
        return this;
    }

    /** A step that owns a fresh optimiser: its momentum buffers start at zero. */
    public TrainingStep build() {
        Sgd sgd = new Sgd(backend, student, momentum, weightDecay, normalize);
        try {
            return new TrainingStep(backend, teacher, student, sgd, batch, loss == Loss.CROSS_ENTROPY, true);
        } catch (RuntimeException e) {
            sgd.close();
            throw e;
        }
    }
}
