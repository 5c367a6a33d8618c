package org.relukit.nn;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The seed's epoch → learning-rate schedule: from each listed epoch on, its rate applies. */
public record LrSchedule(NavigableMap<Integer, Double> rates) {
    public LrSchedule {
        if (rates.isEmpty() || rates.firstKey() != 0) {
            throw new IllegalArgumentException("--lr schedule must start at epoch 0, e.g. {0: 0.05, 20: 0.01}");
        }
        for (Map.Entry<Integer, Double> e : rates.entrySet()) {
            double lr = e.getValue();
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("--lr must be a positive number, got " + lr + " at epoch " + e.getKey());
            }
            // Training runs in float32: a rate that rounds to 0 there would train nothing, silently.
            if ((float) lr == 0f) {
                throw new IllegalArgumentException("--lr " + lr + " at epoch " + e.getKey() + " rounds to 0 in float32"
                        + " (the smallest positive float is " + Float.MIN_VALUE + "): give a larger rate");
            }
        }
        rates = new TreeMap<>(rates);
    }

    public static LrSchedule constant(double lr) {
        return new LrSchedule(new TreeMap<>(Map.of(0, lr)));
    }

    /**
     * Parses {@code 0.05} or {@code {0: 0.05, 20: 0.01}}.
     *
     * @throws IllegalArgumentException with a message that shows the expected form
     */
    public static LrSchedule parse(String text) {
        String s = text.trim();
        try {
            if (!s.startsWith("{")) {
                return constant(Double.parseDouble(s));
            }
            if (!s.endsWith("}")) {
                throw new NumberFormatException();
            }
            TreeMap<Integer, Double> rates = new TreeMap<>();
            for (String entry : s.substring(1, s.length() - 1).split(",")) {
                String[] kv = entry.split(":");
                if (kv.length != 2) {
                    throw new NumberFormatException();
                }
                int epoch = Integer.parseInt(kv[0].trim());
                if (epoch < 0 || rates.put(epoch, Double.parseDouble(kv[1].trim())) != null) {
                    throw new NumberFormatException();
                }
            }
            return new LrSchedule(rates);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--lr '" + text + "' is neither a number nor a schedule like {0: 0.05, 20: 0.01}");
        }
    }

    public double at(int epoch) {
        return rates.floorEntry(epoch).getValue();
    }

    @Override
    public String toString() {
        if (rates.size() == 1) {
            return Double.toString(rates.firstEntry().getValue());
        }
        StringBuilder sb = new StringBuilder("{");
        rates.forEach((epoch, lr) -> sb.append(sb.length() > 1 ? ", " : "").append(epoch).append(": ").append(lr));
        return sb.append('}').toString();
    }
}
