package org.relukit.runner;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.relukit.nn.BatchNormLayer;
import org.relukit.nn.Layer;
import org.relukit.recon.Checkpoint;
import org.relukit.runner.report.InputFiles;

/**
 * The checkpoint format, JSON so any tool can load it back:
 * {@code {"format": "relukit-checkpoint/3", "identity", "trial", "epoch", "step", "teacher", "student",
 * "velocities", "studentNorms", "sha256"}} where identity is the run's {@link RunIdentity}, (epoch,
 * step) is the next step to run, each network is a list of layers
 * {@code {"n", "k", "weights": [n·k floats, row-major, row = fan-in of a node], "bias": [n] or null}}
 * lowest first, velocities are the momentum buffers (weights then bias of each layer, then γ and β
 * of each BatchNorm), studentNorms the student's BatchNorm after each hidden layer
 * {@code {"n", "gamma": [n] or null, "beta": [n] or null, "runningMean": [n], "runningVar": [n]}}
 * (empty without {@code --bn}), and sha256 the digest of the UTF-8 bytes before {@code ,"sha256"}, so
 * a damaged or edited file is refused. Versions 1 (no studentNorms) and 2 (no identity, no sha256)
 * still read. Floats are written in their shortest exact form, so a loaded checkpoint is bit-identical.
 *
 * <p>Reading validates before it allocates: the file must be a regular file that fits the heap, and
 * every field is checked for type, sign and range as it streams in, a claimed size against memory
 * before its array is read; any fault is one line that names the field.
 */
final class CheckpointFile {
    static final String FORMAT = "relukit-checkpoint/3";
    private static final List<String> OLD_FORMATS = List.of("relukit-checkpoint/1", "relukit-checkpoint/2");
    private static final String SEAL = ",\"sha256\":\"";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().serializeNulls()
            .registerTypeAdapter(float[].class, new FloatArrayAdapter().nullSafe()).create();
    /** Bytes of the parsed checkpoint per byte of file: a float takes 4 bytes and at least 2 characters ("0,"). */
    private static final int GROWTH = 2;

    private CheckpointFile() {}

    /**
     * A checkpoint read back, with the identity of the run that wrote it (null in versions 1 and 2)
     * and the SHA-256 of the file's bytes (what {@code --load_teacher} records).
     */
    record Loaded(Checkpoint checkpoint, RunIdentity identity, String fileSha256) {}

    /**
     * Streams the checkpoint straight to text, format and identity first: going through a JSON tree
     * (a node per float) took a tenth of a recon run, since a checkpoint is written every epoch.
     */
    static String toJson(Checkpoint checkpoint, RunIdentity identity) {
        StringBuilder body = new StringBuilder(1 << 16);
        body.append("{\"format\":\"").append(FORMAT).append("\",\"identity\":");
        GSON.toJson(identity, body);
        body.append(',');
        int fields = body.length();
        GSON.toJson(checkpoint, body);
        // The checkpoint's own fields, without its braces, continue the object opened above.
        body.deleteCharAt(fields).setLength(body.length() - 1);
        String digest = sha256(body.toString().getBytes(StandardCharsets.UTF_8));
        return body.append(SEAL).append(digest).append("\"}\n").toString();
    }

    /**
     * A float array as Gson writes it (each value as {@link Float#toString}), without boxing each
     * value and reading it back through reflection. A checkpoint holds every weight of the student
     * and is written every epoch: with this and one builder for the whole text, a headline
     * checkpoint allocates ≈ 21 MB instead of ≈ 29 MB (JFR); most of the rest is Float.toString's.
     */
    private static final class FloatArrayAdapter extends TypeAdapter<float[]> {
        @Override
        public void write(JsonWriter out, float[] values) throws IOException {
            out.beginArray();
            for (float v : values) {
                out.value(v);
            }
            out.endArray();
        }

        /** Checkpoints are read field by field ({@link Fields}), never through Gson. */
        @Override
        public float[] read(JsonReader in) {
            throw new UnsupportedOperationException("checkpoints are read by CheckpointFile.read");
        }
    }

    /**
     * @param role what the file is to the user ({@code --resume DIR}, {@code --load_teacher}), first in every message
     * @throws IllegalArgumentException one line naming the file, the field and what is wrong
     */
    static Loaded read(Path file, String role) {
        byte[] bytes = InputFiles.read(file, role, GROWTH);
        String where = role + " " + file;
        String text = new String(bytes, StandardCharsets.UTF_8);
        try (JsonReader json = new JsonReader(new StringReader(text))) {
            // Lenient only so NaN and Infinity reach the float check, which names the field.
            json.setStrictness(Strictness.LENIENT);
            Loaded loaded = new Fields(json, where).checkpoint(sha256(bytes));
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException(where + ": text after the checkpoint's closing brace");
            }
            if (loaded.identity != null) {
                checkSeal(text, where);
            }
            return loaded;
        } catch (IOException | NumberFormatException | IllegalStateException e) {
            throw new IllegalArgumentException(where + " is not a checkpoint relukit wrote (" + oneLine(e.getMessage())
                    + "): give DIR/checkpoint.json or DIR/checkpoints/trial-T.json of a recon run");
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException(where + " nests too deep to be a checkpoint relukit wrote");
        }
    }

    /** The content before {@code ,"sha256":"} must hash to the digest after it. */
    private static void checkSeal(String text, String where) {
        int seal = text.lastIndexOf(SEAL);
        if (seal < 0) {
            throw new IllegalArgumentException(where + ": field sha256 is missing; a " + FORMAT + " checkpoint carries"
                    + " the digest of its content");
        }
        String stated = text.substring(seal + SEAL.length()).replaceFirst("\"\\}\\s*$", "");
        String actual = sha256(text.substring(0, seal).getBytes(StandardCharsets.UTF_8));
        if (!stated.equals(actual)) {
            throw new IllegalArgumentException(where + " is damaged or was edited: its content does not match its"
                    + " sha256 field; resume from another checkpoint (DIR/checkpoints/trial-T.json) or start again");
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** The digest of a network's shapes and float bits, so equal weights give equal digests whatever the text. */
    static String sha256(List<Layer> layers) {
        MessageDigest digest = digest();
        for (Layer layer : layers) {
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(layer.n()).putInt(layer.k()).put((byte) (layer.bias() == null ? 0 : 1));
            digest.update(head.array());
            update(digest, layer.weights());
            if (layer.bias() != null) {
                update(digest, layer.bias());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i += 1024) {
            buffer.clear();
            buffer.asFloatBuffer().put(values, i, Math.min(1024, values.length - i));
            digest.update(buffer.array(), 0, 4 * Math.min(1024, values.length - i));
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static String oneLine(String message) {
        String m = message == null ? "unreadable" : message.replaceAll("\\s+", " ");
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    /** The checkpoint's fields, each checked as it is read; {@code where} leads every message. */
    private static final class Fields {
        /** Any width up to 2³¹ is read as a number, so a claimed size gets its memory stated before anything is allocated. */
        private static final long MAX_WIDTH = 1L << 31;
        private final JsonReader json;
        private final String where;

        Fields(JsonReader json, String where) {
            this.json = json;
            this.where = where;
        }

        Loaded checkpoint(String fileSha256) throws IOException {
            expect(JsonToken.BEGIN_OBJECT, "the checkpoint");
            json.beginObject();
            String format = null;
            RunIdentity identity = null;
            Integer trial = null, epoch = null, step = null;
            List<Layer> teacher = null, student = null;
            List<float[]> velocities = null;
            List<BatchNormLayer> norms = null;
            while (json.hasNext()) {
                String name = json.nextName();
                switch (name) {
                    case "format" -> format = string("format");
                    case "identity" -> identity = nullOr("identity") ? null : identity();
                    case "trial" -> trial = (int) integer("trial", 0, Integer.MAX_VALUE);
                    case "epoch" -> epoch = (int) integer("epoch", 0, Integer.MAX_VALUE);
                    case "step" -> step = (int) integer("step", 0, Integer.MAX_VALUE);
                    case "teacher" -> teacher = network("teacher");
                    case "student" -> student = network("student");
                    case "velocities" -> velocities = floatArrays("velocities");
                    case "studentNorms" -> norms = norms("studentNorms");
                    default -> json.skipValue();
                }
            }
            json.endObject();
            if (format == null || !format.equals(FORMAT) && !OLD_FORMATS.contains(format)) {
                throw new IllegalArgumentException(where + ": field format is " + (format == null ? "missing" : "'" + format + "'")
                        + ", not " + FORMAT + ": give a checkpoint that relukit wrote");
            }
            if (format.equals(FORMAT) && identity == null) {
                throw missing("identity");
            }
            required("trial", trial);
            required("epoch", epoch);
            required("step", step);
            required("teacher", teacher);
            required("student", student);
            required("velocities", velocities);
            if (norms == null && format.equals(FORMAT)) {
                throw missing("studentNorms");
            }
            if (teacher.getFirst().k() != student.getFirst().k() || teacher.getLast().n() != student.getLast().n()) {
                throw new IllegalArgumentException(where + ": teacher and student differ in input or output width");
            }
            // Versions 1 and 2 had neither identity nor seal: whatever such a file holds there is ignored.
            return new Loaded(new Checkpoint(trial, epoch, step, teacher, student, velocities, norms),
                    format.equals(FORMAT) ? identity : null, fileSha256);
        }

        private RunIdentity identity() throws IOException {
            expect(JsonToken.BEGIN_OBJECT, "identity");
            json.beginObject();
            List<String> args = null;
            Long seed = null;
            List<Integer> teacherWidths = null, studentWidths = null;
            String teacherSha = null, loadTeacherSha = null;
            boolean sawLoadTeacher = false;
            while (json.hasNext()) {
                switch (json.nextName()) {
                    case "args" -> args = strings("identity.args");
                    case "seed" -> seed = integer("identity.seed", Long.MIN_VALUE, Long.MAX_VALUE);
                    case "teacherWidths" -> teacherWidths = widths("identity.teacherWidths");
                    case "studentWidths" -> studentWidths = widths("identity.studentWidths");
                    case "teacherSha256" -> teacherSha = sha("identity.teacherSha256");
                    case "loadTeacherSha256" -> {
                        sawLoadTeacher = true;
                        loadTeacherSha = nullOr("identity.loadTeacherSha256") ? null : sha("identity.loadTeacherSha256");
                    }
                    default -> json.skipValue();
                }
            }
            json.endObject();
            required("identity.args", args);
            required("identity.seed", seed);
            required("identity.teacherWidths", teacherWidths);
            required("identity.studentWidths", studentWidths);
            required("identity.teacherSha256", teacherSha);
            if (!sawLoadTeacher) {
                throw missing("identity.loadTeacherSha256");
            }
            return new RunIdentity(args, seed, teacherWidths, studentWidths, teacherSha, loadTeacherSha);
        }

        private List<Layer> network(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            List<Layer> layers = new ArrayList<>();
            while (json.hasNext()) {
                Layer layer = layer(field + "[" + layers.size() + "]");
                if (!layers.isEmpty() && (layers.getLast().bias() == null) != (layer.bias() == null)) {
                    throw new IllegalArgumentException(where + ": field " + field + "[" + layers.size() + "].bias is "
                            + (layer.bias() == null ? "null" : "present") + " but not in the layer below; a network has"
                            + " biases everywhere or nowhere");
                }
                // A fan-in reads every node below (fully connected), 3 x 3 positions of every channel below (a
                // conv filter) or every position of every channel below (the output of a conv net): whole multiples.
                if (!layers.isEmpty() && layer.k() % layers.getLast().n() != 0) {
                    throw new IllegalArgumentException(where + ": field " + field + "[" + layers.size() + "].k is "
                            + layer.k() + " but the layer below has " + layers.getLast().n() + " nodes, not a divisor of it");
                }
                layers.add(layer);
            }
            json.endArray();
            if (layers.isEmpty()) {
                throw new IllegalArgumentException(where + ": field " + field + " has no layers");
            }
            return layers;
        }

        private Layer layer(String field) throws IOException {
            expect(JsonToken.BEGIN_OBJECT, field);
            json.beginObject();
            Long n = null, k = null;
            float[] weights = null, bias = null;
            boolean sawBias = false;
            while (json.hasNext()) {
                switch (json.nextName()) {
                    case "n" -> n = integer(field + ".n", 1, MAX_WIDTH);
                    case "k" -> k = integer(field + ".k", 1, MAX_WIDTH);
                    case "weights" -> {
                        if (n != null && k != null) {
                            fits(field + ".weights", n * k, n + " x " + k + " weights");
                        }
                        weights = floats(field + ".weights");
                    }
                    case "bias" -> {
                        sawBias = true;
                        bias = nullOr(field + ".bias") ? null : floats(field + ".bias");
                    }
                    default -> json.skipValue();
                }
            }
            json.endObject();
            required(field + ".n", n);
            required(field + ".k", k);
            required(field + ".weights", weights);
            if (!sawBias) {
                throw missing(field + ".bias");
            }
            fits(field + ".weights", n * k, n + " x " + k + " weights");
            length(field + ".weights", weights, n * k, n + " x " + k);
            if (bias != null) {
                length(field + ".bias", bias, n, "n = " + n);
            }
            return new Layer((int) (long) n, (int) (long) k, weights, bias);
        }

        private List<BatchNormLayer> norms(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            List<BatchNormLayer> norms = new ArrayList<>();
            while (json.hasNext()) {
                String at = field + "[" + norms.size() + "]";
                expect(JsonToken.BEGIN_OBJECT, at);
                json.beginObject();
                Long n = null;
                float[] gamma = null, beta = null, mean = null, variance = null;
                while (json.hasNext()) {
                    switch (json.nextName()) {
                        case "n" -> n = integer(at + ".n", 1, MAX_WIDTH);
                        case "gamma" -> gamma = nullOr(at + ".gamma") ? null : floats(at + ".gamma");
                        case "beta" -> beta = nullOr(at + ".beta") ? null : floats(at + ".beta");
                        case "runningMean" -> mean = floats(at + ".runningMean");
                        case "runningVar" -> variance = floats(at + ".runningVar");
                        default -> json.skipValue();
                    }
                }
                json.endObject();
                required(at + ".n", n);
                required(at + ".runningMean", mean);
                required(at + ".runningVar", variance);
                if ((gamma == null) != (beta == null)) {
                    throw new IllegalArgumentException(where + ": field " + at + (gamma == null ? ".gamma" : ".beta")
                            + " is null while " + (gamma == null ? "beta" : "gamma") + " is not; both or neither");
                }
                for (String name : List.of("gamma", "beta", "runningMean", "runningVar")) {
                    float[] v = switch (name) {
                        case "gamma" -> gamma;
                        case "beta" -> beta;
                        case "runningMean" -> mean;
                        default -> variance;
                    };
                    if (v != null) {
                        length(at + "." + name, v, n, "n = " + n);
                    }
                }
                for (int i = 0; i < variance.length; i++) {
                    if (variance[i] < 0) {
                        throw new IllegalArgumentException(where + ": field " + at + ".runningVar[" + i + "] is "
                                + variance[i] + "; a variance is >= 0");
                    }
                }
                norms.add(new BatchNormLayer((int) (long) n, gamma, beta, mean, variance));
            }
            json.endArray();
            return norms;
        }

        private List<float[]> floatArrays(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            List<float[]> arrays = new ArrayList<>();
            while (json.hasNext()) {
                arrays.add(floats(field + "[" + arrays.size() + "]"));
            }
            json.endArray();
            return arrays;
        }

        /** Finite floats; the array grows as it reads, so its size is bounded by the file's, checked against the heap. */
        private float[] floats(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            float[] values = new float[16];
            int count = 0;
            while (json.hasNext()) {
                JsonToken token = json.peek();
                if (token != JsonToken.NUMBER && token != JsonToken.STRING) {
                    throw wrongType(field + "[" + count + "]", "a number", token);
                }
                double value;
                try {
                    value = json.nextDouble();
                } catch (NumberFormatException e) {
                    throw wrongType(field + "[" + count + "]", "a number", JsonToken.STRING);
                }
                float f = (float) value;
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException(where + ": field " + field + "[" + count + "] is " + value
                            + "; a checkpoint holds finite floats only");
                }
                if (count == values.length) {
                    values = Arrays.copyOf(values, values.length * 2);
                }
                values[count++] = f;
            }
            json.endArray();
            return Arrays.copyOf(values, count);
        }

        private List<Integer> widths(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            List<Integer> widths = new ArrayList<>();
            while (json.hasNext()) {
                widths.add((int) integer(field + "[" + widths.size() + "]", 1, Integer.MAX_VALUE));
            }
            json.endArray();
            return widths;
        }

        private List<String> strings(String field) throws IOException {
            expect(JsonToken.BEGIN_ARRAY, field);
            json.beginArray();
            List<String> values = new ArrayList<>();
            while (json.hasNext()) {
                values.add(string(field + "[" + values.size() + "]"));
            }
            json.endArray();
            return values;
        }

        private String sha(String field) throws IOException {
            String hex = string(field);
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(where + ": field " + field + " is not a SHA-256 in hex");
            }
            return hex;
        }

        private String string(String field) throws IOException {
            expect(JsonToken.STRING, field);
            return json.nextString();
        }

        private long integer(String field, long min, long max) throws IOException {
            expect(JsonToken.NUMBER, field);
            long value;
            try {
                value = json.nextLong();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": field " + field + " must be a whole number from " + min
                        + " to " + max);
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(where + ": field " + field + " is " + value + ", outside " + min
                        + ".." + max);
            }
            return value;
        }

        /** Consumes a JSON null and says so; anything else is left for the caller. */
        private boolean nullOr(String field) throws IOException {
            if (json.peek() == JsonToken.NULL) {
                json.nextNull();
                return true;
            }
            return false;
        }

        private void fits(String field, long count, String what) {
            long bytes = 4 * count;
            if (count > Integer.MAX_VALUE - 8 || bytes > InputFiles.available()) {
                throw new IllegalArgumentException(where + ": field " + field + " claims " + what + ", which need "
                        + InputFiles.megabytes(bytes) + " of memory; " + InputFiles.megabytes(InputFiles.available())
                        + " is free");
            }
        }

        private void length(String field, float[] values, long expected, String because) {
            if (values.length != expected) {
                throw new IllegalArgumentException(where + ": field " + field + " holds " + values.length + " floats, not "
                        + expected + " (" + because + ")");
            }
        }

        private void expect(JsonToken wanted, String field) throws IOException {
            JsonToken token = json.peek();
            if (token != wanted) {
                throw wrongType(field, switch (wanted) {
                    case BEGIN_ARRAY -> "an array";
                    case BEGIN_OBJECT -> "an object";
                    case STRING -> "a string";
                    default -> "a number";
                }, token);
            }
        }

        private IllegalArgumentException wrongType(String field, String wanted, JsonToken got) {
            return new IllegalArgumentException(where + ": " + (field.startsWith("the ") ? field : "field " + field)
                    + " must be " + wanted + ", got "
                    + switch (got) {
                        case NULL -> "null";
                        case BEGIN_ARRAY -> "an array";
                        case BEGIN_OBJECT -> "an object";
                        case STRING -> "a string";
                        case NUMBER -> "a number";
                        case BOOLEAN -> "a boolean";
                        case END_DOCUMENT -> "the end of the file (it is cut short)";
                        default -> "the end of " + (got == JsonToken.END_ARRAY ? "an array" : "an object");
                    });
        }

        private void required(String field, Object value) {
            if (value == null) {
                throw missing(field);
            }
        }

        private IllegalArgumentException missing(String field) {
            return new IllegalArgumentException(where + ": field " + field + " is missing");
        }
    }
}
