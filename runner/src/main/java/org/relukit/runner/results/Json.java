package org.relukit.runner.results;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSerializer;
import org.relukit.nn.LrSchedule;

/**
 * How relukit writes and reads its JSON files: record components as snake_case keys
 * ({@code numEpoch} → {@code num_epoch}, the flag's own name), NaN and infinities written as such
 * (Python's json reads them) so that a diverged value is never dropped, a learning-rate schedule as
 * its map of epoch → rate, and no HTML escaping ({@code --backend=simd} stays readable).
 */
public final class Json {
    /** Metrics lines: an absent (null) component is left out of the line. */
    public static final Gson LINES = builder().create();
    /** Whole files (config.json, checkpoints, correlations): nulls are written, so every key is there. */
    public static final Gson FILES = builder().serializeNulls().create();
    public static final Gson PRETTY = builder().serializeNulls().setPrettyPrinting().create();

    private Json() {}

    private static GsonBuilder builder() {
        return new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping()
                .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                .registerTypeAdapter(LrSchedule.class,
                        (JsonSerializer<LrSchedule>) (lr, type, context) -> context.serialize(lr.rates()));
    }

    public static JsonElement tree(Object value) {
        return FILES.toJsonTree(value);
    }

    /** The JSON object {@code text} holds, or null when it is not one (a torn line, a foreign file): readers skip those. */
    public static JsonObject objectOrNull(String text) {
        try {
            JsonElement json = JsonParser.parseString(text);
            return json.isJsonObject() ? json.getAsJsonObject() : null;
        } catch (RuntimeException notJson) {
            return null;
        }
    }
}
