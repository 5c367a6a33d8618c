package org.relukit.runner;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.relukit.workload.Checkpoint;

/**
 * The checkpoint format, JSON so any tool can load it back:
 * {@code {"format": "relukit-checkpoint/1", "trial", "epoch", "step", "teacher", "student", "velocities"}}
 * where (epoch, step) is the next step to run, each network is a list of layers
 * {@code {"n", "k", "weights": [n·k floats, row-major, row = fan-in of a node], "bias": [n] or null}}
 * lowest first, and velocities are the momentum buffers (weights then bias of each layer).
 * Floats are written in their shortest exact form, so a loaded checkpoint is bit-identical.
 */
final class CheckpointFile {
    static final String FORMAT = "relukit-checkpoint/1";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private CheckpointFile() {}

    static String toJson(Checkpoint checkpoint) {
        JsonObject json = GSON.toJsonTree(checkpoint).getAsJsonObject();
        json.addProperty("format", FORMAT);
        return GSON.toJson(json);
    }

    static Checkpoint read(Path file) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            if (!json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
                throw new IllegalArgumentException(file + " is not a " + FORMAT + " checkpoint");
            }
            return GSON.fromJson(json, Checkpoint.class);
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("cannot read checkpoint " + file + " (" + e.getMessage()
                    + "): resume from a results directory that relukit wrote");
        }
    }
}
