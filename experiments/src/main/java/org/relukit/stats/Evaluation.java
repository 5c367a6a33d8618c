package org.relukit.stats;

import java.util.List;

/**
 * What one evaluation measured on one split: the loss between student and teacher outputs and,
 * for every hidden layer (lowest first), each teacher node's best-matching student node.
 *
 * @param epoch        -1 before training, else the epoch just finished (0-based)
 * @param split        "train" or "eval"
 * @param stepsPerSecond training speed over the epoch just finished (0 before training)
 * @param weightDrift  {@code --stats_w}: per layer of the student (output layer last); empty when off
 * @param relations    {@code --stats_H}: the H and β summaries; null when off
 * @param accuracy     for labelled images, the fraction of the whole split the student classifies
 *                     right (its largest output at the label's index); null for gaussian inputs
 */
public record Evaluation(int trial, int epoch, String split, float loss, List<BestMatch> layers,
                         double stepsPerSecond, List<WeightDrift> weightDrift, RelationStats relations, Double accuracy) {
    public Evaluation {
        layers = List.copyOf(layers);
        weightDrift = List.copyOf(weightDrift);
    }

    public Evaluation withAccuracy(double accuracy) {
        return new Evaluation(trial, epoch, split, loss, layers, stepsPerSecond, weightDrift, relations, accuracy);
    }

    public float[] bestCorrMin() {
        float[] out = new float[layers.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = layers.get(l).min();
        }
        return out;
    }

    public float[] bestCorrMean() {
        float[] out = new float[layers.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = layers.get(l).mean();
        }
        return out;
    }

    public float[] bestCorrMax() {
        float[] out = new float[layers.size()];
        for (int l = 0; l < out.length; l++) {
            out[l] = layers.get(l).max();
        }
        return out;
    }

    /** The seed's one-line summary: {@code Corrs Summary: L0: min/max/mean ...}. */
    public String corrsSummary() {
        StringBuilder sb = new StringBuilder("Corrs Summary:");
        for (int l = 0; l < layers.size(); l++) {
            BestMatch m = layers.get(l);
            sb.append(String.format(" L%d: %.3f/%.3f/%.3f", l, m.min(), m.max(), m.mean()));
        }
        return sb.toString();
    }
}
