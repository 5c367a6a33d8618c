package org.relukit.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.relukit.nn.Layer;
import org.relukit.recon.Checkpoint;
import org.relukit.recon.ReconConfig;
import org.relukit.recon.TeacherStudent;

/**
 * What makes a checkpoint belong to its run, kept in every checkpoint so {@code --resume} can
 * refuse one that does not: the command line with any {@code @argfile} expanded, the seed, the
 * layer widths of teacher and student (input to output), the SHA-256 of the teacher's weights and
 * of the {@code --load_teacher} file's bytes (null without one).
 */
record RunIdentity(List<String> args, long seed, List<Integer> teacherWidths, List<Integer> studentWidths,
                   String teacherSha256, String loadTeacherSha256) {
    RunIdentity {
        args = List.copyOf(args);
        teacherWidths = List.copyOf(teacherWidths);
        studentWidths = List.copyOf(studentWidths);
    }

    /**
     * The identity of a run of {@code config} started with {@code args}: its teacher is the loaded
     * one or, as {@code ReconExperiment} draws it, the first split of the seed's stream.
     */
    static RunIdentity of(List<String> args, ReconConfig config, List<Layer> loadedTeacher, String loadTeacherSha256) {
        List<Layer> teacher = loadedTeacher != null ? loadedTeacher
                : TeacherStudent.teacher(config, new SplittableRandom(config.seed()).split());
        return new RunIdentity(args, config.seed(), Checkpoint.widths(teacher),
                TeacherStudent.widths(config, config.studentKs()),
                CheckpointFile.sha256(teacher), loadTeacherSha256);
    }

    /**
     * Refuses a checkpoint that cannot continue this run, saying everything that differs; a
     * checkpoint of version 1 or 2, without an identity, is held to its widths and teacher.
     */
    void checkBelongs(CheckpointFile.Loaded loaded, ReconConfig config, String where) {
        List<String> wrong = new ArrayList<>(loaded.checkpoint().misfits(config));
        if (loaded.identity() != null) {
            differences(loaded.identity()).stream().filter(d -> !wrong.contains(d)).forEach(wrong::add);
        } else if (!teacherSha256.equals(CheckpointFile.sha256(loaded.checkpoint().teacher()))) {
            wrong.add("its teacher is not the run's");
        }
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException(where + ": the checkpoint is not this run's: " + String.join("; ", wrong)
                    + "; resume from the run's own checkpoint, or start a new run");
        }
    }

    /** Every way {@code checkpoint} differs from this run, for one line; empty when it belongs. */
    List<String> differences(RunIdentity checkpoint) {
        List<String> out = new ArrayList<>();
        if (!args.equals(checkpoint.args)) {
            out.add("it was made by `" + String.join(" ", checkpoint.args) + "`, config.json says `"
                    + String.join(" ", args) + "`");
        }
        if (seed != checkpoint.seed) {
            out.add("its seed is " + checkpoint.seed + ", the run's " + seed);
        }
        if (!teacherWidths.equals(checkpoint.teacherWidths)) {
            out.add("its teacher widths are " + checkpoint.teacherWidths + ", the run's " + teacherWidths);
        }
        if (!studentWidths.equals(checkpoint.studentWidths)) {
            out.add("its student widths are " + checkpoint.studentWidths + ", the run's " + studentWidths);
        }
        if (loadTeacherSha256 != null && checkpoint.loadTeacherSha256 != null
                && !loadTeacherSha256.equals(checkpoint.loadTeacherSha256)) {
            out.add("the --load_teacher file changed since the run started (SHA-256 " + abbreviated(checkpoint.loadTeacherSha256)
                    + " then, " + abbreviated(loadTeacherSha256) + " now)");
        } else if ((loadTeacherSha256 == null) != (checkpoint.loadTeacherSha256 == null)) {
            out.add(checkpoint.loadTeacherSha256 == null ? "it was made without --load_teacher, the run has one"
                    : "it was made with --load_teacher, the run has none");
        }
        if (!teacherSha256.equals(checkpoint.teacherSha256)) {
            out.add("its teacher is not the run's (SHA-256 " + abbreviated(checkpoint.teacherSha256) + ", the run's "
                    + abbreviated(teacherSha256) + ")");
        }
        return out;
    }

    private static String abbreviated(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) + "…" : sha256;
    }
}
