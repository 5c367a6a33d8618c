package org.relukit.stats;

import java.util.List;

/**
 * {@code --stats_H} of one evaluation, per hidden layer (lowest first): the H and β matrices of
 * (student, teacher) and of (student, student), averaged over the evaluation's samples (see
 * {@link RelationMatrices}), each summarised by a {@link MatrixSummary}.
 */
public record RelationStats(List<MatrixSummary> hStudentTeacher, List<MatrixSummary> hStudentStudent,
                            List<MatrixSummary> betaStudentTeacher, List<MatrixSummary> betaStudentStudent) {
    public RelationStats {
        hStudentTeacher = List.copyOf(hStudentTeacher);
        hStudentStudent = List.copyOf(hStudentStudent);
        betaStudentTeacher = List.copyOf(betaStudentTeacher);
        betaStudentStudent = List.copyOf(betaStudentStudent);
    }
}
