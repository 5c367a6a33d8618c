package org.relukit.runner;

import org.relukit.recon.Checkpoint;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkpoint format, JSON so any tool can load it back:
 * {@code {"format": "relukit-checkpoint/2", "trial", "epoch", "step", "teacher", "student", "velocities",
 * "studentNorms"}} where (epoch, step) is the next step to run, each network is a list of layers
 * {@code {"n", "k", "weights": [n·k floats, row-major, row = fan-in of a node], "bias": [n] or null}}
 * lowest first, velocities are the momentum buffers (weights then bias of each layer, then γ and β
 * of each BatchNorm), and studentNorms the student's BatchNorm after each hidden layer
 * {@code {"n", "gamma": [n] or null, "beta": [n] or null, "runningMean": [n], "runningVar": [n]}}
 * (empty without {@code --bn}). Version 1, which had no studentNorms, still reads.
 * Floats are written in their shortest exact form, so a loaded checkpoint is bit-identical.
 */
final class CheckpointFile {
    static final String FORMAT = "relukit-checkpoint/2";
    private static final String FORMAT_1 = "relukit-checkpoint/1";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private CheckpointFile() {}

    /**
     * Streams the checkpoint straight to text, the format tag put first: going through a JSON tree
     * (a node per float) took a tenth of a recon run, since a checkpoint is written every epoch.
     */
    static String toJson(Checkpoint checkpoint) {
        String fields = GSON.toJson(checkpoint);
        return "{\"format\":\"" + FORMAT + "\"," + fields.substring(1);
    }

    static Checkpoint read(Path file) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            String format = json.has("format") ? json.get("format").getAsString() : "";
            if (!format.equals(FORMAT) && !format.equals(FORMAT_1)) {
                throw new IllegalArgumentException(file + " is not a " + FORMAT + " (or " + FORMAT_1 + ") checkpoint");
            }
            return GSON.fromJson(json, Checkpoint.class);
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("cannot read checkpoint " + file + " (" + e.getMessage()
                    + "): resume from a results directory that relukit wrote");
        }
    }
}
