package org.relukit.runner;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.relukit.backend.Backend;
import org.relukit.backend.BackendUnavailableException;
import org.relukit.recon.Checkpoint;
import org.relukit.runner.report.InputFiles;
import org.relukit.runner.report.RunSummary;
import org.relukit.runner.results.Json;
import org.relukit.runner.results.RunMetadata;

/**
 * A results directory: {@code config.json}, {@code metrics.jsonl}, {@code checkpoint.json} (the
 * latest state, to resume from), {@code checkpoints/trial-T.json} (each finished trial) and, for
 * recon, {@code correlations/trial-T.json} (the final teacher × student correlation matrices); when
 * the run ends, {@code summary.json} and {@code metrics.csv}, and config.json's {@code run} rewritten.
 *
 * <p>One run per directory: {@code .lock} is locked for as long as a run holds the directory, and
 * a new run starts only in an empty one (or clears relukit's own files with {@code --overwrite}),
 * so two runs never mix their files. Whole files are written to a temporary file and renamed, so
 * they are never seen half written; a metrics line goes out in one {@code write} call, which a kill
 * cannot split, and one that fails (a full disk) is cut back off, so every earlier line stays whole.
 */
final class RunFiles implements AutoCloseable {
    static final String METRICS = "metrics.jsonl";
    static final String CHECKPOINT = "checkpoint.json";
    static final String CONFIG = "config.json";
    static final String LOCK = ".lock";
    /** What relukit writes in a results directory: all that {@code --overwrite} may delete. */
    private static final Pattern OWN_FILES = Pattern.compile(
            "(config\\.json|metrics\\.jsonl|checkpoint\\.json|final\\.json|report\\.html|summary\\.json|metrics\\.csv)(\\.tmp)?"
                    + "|\\.lock");
    private static final Pattern OWN_DIRECTORIES = Pattern.compile("checkpoints|correlations|plots");
    private static final Pattern OWN_DIRECTORY_FILES = Pattern.compile("(trial-\\d+\\.json|[\\w.-]+\\.png)(\\.tmp)?");

    private final Path dir;
    private final FileChannel lockChannel;
    private FileChannel metrics;
    /** config.json as last written, to rewrite its {@code run} entry; null before it is written or read. */
    private JsonObject config;
    /**
     * Makes and writes the checkpoints, one at a time and in order, so that a trial trains on while
     * its last checkpoint's 1.5 MB of JSON is built and written: 1 s of the 21 s headline run, on a
     * core that one-thread training leaves idle.
     */
    private final ExecutorService checkpointWriter = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "relukit-checkpoints");
        thread.setDaemon(true);
        return thread;
    });
    /** The checkpoint being written, or the last one written; guarded by {@code checkpointWriter}. */
    private Future<?> checkpointWrite = CompletableFuture.completedFuture(null);

    private RunFiles(Path dir, FileChannel lockChannel) {
        this.dir = dir;
        this.lockChannel = lockChannel;
    }

    /**
     * A new run's directory: {@code out}, or a fresh {@code runs/<experiment>-<time>-<pid>} when null.
     * {@code out} must be empty unless {@code overwrite}, which first deletes relukit's own files and
     * refuses a directory that holds anything else.
     */
    static RunFiles create(Path out, String experiment, boolean overwrite) {
        Path dir = out != null ? out : newDefaultDir(Path.of("runs"), experiment);
        try {
            Files.createDirectories(dir);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("--out " + dir + " cannot be created (" + reason(e)
                    + "): choose a directory you can write to");
        }
        RunFiles files = lock(dir, "--out");
        try {
            List<Path> present = entries(dir);
            if (!present.isEmpty() && !overwrite) {
                throw new IllegalArgumentException("--out " + dir + " already holds a run (" + present.getFirst().getFileName()
                        + (present.size() > 1 ? " and " + (present.size() - 1) + " more" : "") + "): choose another --out,"
                        + " continue it with --resume " + dir + ", or replace it with --overwrite");
            }
            if (overwrite) {
                clear(dir, present);
            }
            files.openMetrics(StandardOpenOption.TRUNCATE_EXISTING);
            return files;
        } catch (RuntimeException e) {
            files.closeQuietly();
            throw e;
        }
    }

    /**
     * An interrupted run's directory, locked; nothing in it is changed until {@link #continueFrom}.
     * The caller checks the checkpoint in between.
     */
    static RunFiles lockForResume(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--resume " + dir + " is not a results directory (no config.json there):"
                    + " give the --out of a recon run");
        }
        return lock(dir, "--resume");
    }

    /**
     * Keeps the metrics lines that the trials' checkpoints cover (a kill can land between an
     * evaluation and the next checkpoint; a trial without a checkpoint starts again), then appends.
     * Call only once every checkpoint is known to belong to this run.
     */
    void continueFrom(Collection<Checkpoint> latest) {
        Map<Integer, Checkpoint> byTrial = new HashMap<>();
        latest.forEach(c -> byTrial.put(c.trial(), c));
        Path file = dir.resolve(METRICS);
        List<String> kept = new ArrayList<>();
        if (Files.exists(file)) {
            String text = InputFiles.readString(file, "--resume", 16);
            for (String line : text.split("\n")) {
                JsonObject record = Json.objectOrNull(line);
                if (record != null && isBefore(record, byTrial)) {
                    kept.add(line);
                }
            }
        }
        try {
            writeAtomically(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        } catch (IOException e) {
            throw new ResultsWriteException(file, e);
        }
        openMetrics(StandardOpenOption.APPEND);
        config = JsonParser.parseString(InputFiles.readString(dir.resolve(CONFIG), "--resume", 16)).getAsJsonObject();
        RunMetadata before = null;
        try {
            before = Json.FILES.fromJson(config.get("run"), RunMetadata.class);
        } catch (RuntimeException damaged) {
            // A config.json from before run metadata, or with it damaged: the run gets it from now on.
        }
        writeConfig(config, before == null || before.started() == null ? startingNow() : before.resumedNow());
    }

    private static RunMetadata startingNow() {
        Properties build = VersionInfo.build();
        return RunMetadata.startingNow(build.getProperty("version"), build.getProperty("commit"));
    }

    /**
     * Runs the experiment, then records how it ended: {@code summary.json} and {@code metrics.csv}
     * from the metrics written, and config.json's {@code run} with the end time, status and exit
     * code. A run that throws is recorded as failed, as far as the files can still be written, and
     * the exception goes on to the caller.
     */
    int recordEnding(IntSupplier experiment) {
        int exit;
        try {
            exit = experiment.getAsInt();
        } catch (RuntimeException | Error e) {
            try {
                recordEnd(e instanceof IllegalArgumentException || e instanceof BackendUnavailableException
                        ? Main.USAGE : Main.FAULT);
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        recordEnd(exit);
        return exit;
    }

    /** 0 finished, {@value ReconCommand#DIVERGED} diverged, 128 + a signal's number stopped, anything else failed. */
    private void recordEnd(int exit) {
        if (config == null) {
            return;
        }
        String status = exit == 0 ? RunMetadata.FINISHED : exit == ReconCommand.DIVERGED ? RunMetadata.DIVERGED
                : exit > 128 ? RunMetadata.STOPPED : RunMetadata.FAILED;
        writeConfig(config, Json.FILES.fromJson(config.get("run"), RunMetadata.class).endedNow(status, exit));
        RunSummary.write(dir, status);
    }

    /** A line of a trial written before that trial's checkpoint; partial and foreign lines are not. */
    private static boolean isBefore(JsonObject record, Map<Integer, Checkpoint> latest) {
        Integer trial = wholeNumber(record.get("trial")), epoch = wholeNumber(record.get("epoch"));
        Checkpoint c = trial == null ? null : latest.get(trial);
        return c != null && epoch != null && epoch < c.epoch();
    }

    /**
     * Every checkpoint in {@code dir}, each read and validated on its own:
     * {@code checkpoints/trial-T.json} (written after every epoch of trial T) and
     * {@code checkpoint.json} (the latest of any trial, also the one a stop writes mid-epoch).
     */
    static List<CheckpointFile.Loaded> checkpoints(Path dir) {
        List<Path> files = new ArrayList<>();
        Path trials = dir.resolve("checkpoints");
        if (Files.isDirectory(trials, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(trials, "trial-*.json")) {
                stream.forEach(files::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("--resume " + dir + ": cannot list " + trials + " (" + reason(e) + ")");
            }
            files.sort(null);
        }
        if (Files.exists(dir.resolve(CHECKPOINT), LinkOption.NOFOLLOW_LINKS)) {
            files.add(dir.resolve(CHECKPOINT));
        }
        List<CheckpointFile.Loaded> loaded = new ArrayList<>();
        for (Path f : files) {
            loaded.add(CheckpointFile.read(f, "--resume"));
        }
        return loaded;
    }

    /** Of each trial's checkpoints, the most advanced one (latest epoch, then step). */
    static Collection<Checkpoint> latestPerTrial(List<Checkpoint> checkpoints) {
        Map<Integer, Checkpoint> latest = new TreeMap<>();
        for (Checkpoint c : checkpoints) {
            Checkpoint seen = latest.get(c.trial());
            if (seen == null || c.epoch() > seen.epoch() || c.epoch() == seen.epoch() && c.step() > seen.step()) {
                latest.put(c.trial(), c);
            }
        }
        return latest.values();
    }

    private static Integer wholeNumber(JsonElement value) {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            return null;
        }
        double v = value.getAsDouble();
        return v == Math.rint(v) && Math.abs(v) < Integer.MAX_VALUE ? (int) v : null;
    }

    /**
     * {@code base/<experiment>-<yyyyMMdd-HHmmss>-<pid>}, created here: {@code createDirectory} is
     * atomic, so a name another run took in the same second gets a counter instead.
     */
    static Path newDefaultDir(Path base, String experiment) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String name = experiment + "-" + stamp + "-" + ProcessHandle.current().pid();
        try {
            Files.createDirectories(base);
            for (int attempt = 1; ; attempt++) {
                Path dir = base.resolve(attempt == 1 ? name : name + "-" + attempt);
                try {
                    return Files.createDirectory(dir);
                } catch (FileAlreadyExistsException taken) {
                    // another run of this process, or one before a pid was reused: try the next name
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create a results directory under " + base.toAbsolutePath() + " ("
                    + reason(e) + "): give --out DIR");
        }
    }

    private static RunFiles lock(Path dir, String flag) {
        FileChannel channel;
        try {
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(flag + " " + dir + " cannot be written (" + reason(e)
                    + "): choose a directory you can write to");
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            lock = null;
        }
        if (lock == null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
            throw new IllegalArgumentException(flag + " " + dir + " is in use by another relukit run: wait for it to end"
                    + " or choose another directory");
        }
        return new RunFiles(dir, channel);
    }

    /** What a directory holds besides the lock file. */
    private static List<Path> entries(Path dir) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                if (!entry.getFileName().toString().equals(LOCK)) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + " cannot be listed (" + reason(e) + ")");
        }
        entries.sort(null);
        return entries;
    }

    /**
     * Deletes relukit's files, after checking that nothing else is there: a symbolic link, a file
     * of another name or a nested directory means the directory is not only relukit's, and then
     * nothing is deleted. Links are never followed, so nothing outside the directory is touched.
     */
    private static void clear(Path dir, List<Path> present) {
        List<Path> delete = new ArrayList<>();
        for (Path entry : present) {
            String name = entry.getFileName().toString();
            if (Files.isSymbolicLink(entry)) {
                throw foreign(dir, entry);
            }
            if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && OWN_DIRECTORIES.matcher(name).matches()) {
                for (Path inner : entries(entry)) {
                    if (Files.isSymbolicLink(inner) || !Files.isRegularFile(inner, LinkOption.NOFOLLOW_LINKS)
                            || !OWN_DIRECTORY_FILES.matcher(inner.getFileName().toString()).matches()) {
                        throw foreign(dir, inner);
                    }
                    delete.add(inner);
                }
            } else if (!Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) || !OWN_FILES.matcher(name).matches()) {
                throw foreign(dir, entry);
            }
            delete.add(entry);
        }
        for (Path path : delete) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new ResultsWriteException(path, e);
            }
        }
    }

    private static IllegalArgumentException foreign(Path dir, Path entry) {
        return new IllegalArgumentException("--overwrite deletes only what relukit writes, and " + dir + " also holds "
                + dir.relativize(entry) + ": move it away or choose another --out");
    }

    private void openMetrics(StandardOpenOption mode) {
        Path file = dir.resolve(METRICS);
        try {
            metrics = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
            metrics.position(metrics.size());
        } catch (IOException e) {
            throw new ResultsWriteException(file, e);
        }
    }

    /** The command-line flags a run in {@code dir} was started with, from its config.json. */
    static String[] originalArgs(Path dir) {
        Path config = dir.resolve(CONFIG);
        String text = InputFiles.readString(config, "--resume", 16);
        try {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            List<String> args = new ArrayList<>();
            json.getAsJsonArray("args").forEach(a -> args.add(a.getAsString()));
            return args.toArray(String[]::new);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--resume " + dir + ": " + config + " has no list of strings 'args'"
                    + ": point --resume at a results directory that relukit wrote");
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * The head of config.json: the experiment, the backend, then every component of the
     * experiment's config record under its snake_case name, as the JSON library writes it.
     */
    static JsonObject describeRun(String experiment, Backend kernels, int threads, Record config) {
        JsonObject json = new JsonObject();
        json.addProperty("experiment", experiment);
        json.addProperty("backend", kernels.name());
        json.addProperty("backend_description", kernels.description());
        json.addProperty("threads", threads);
        Json.tree(config).getAsJsonObject().asMap().forEach(json::add);
        json.addProperty("java", Runtime.version().toString());
        return json;
    }

    /** The command line, any {@code @argfile} expanded, for --resume. */
    static void addArgs(JsonObject config, String[] args) {
        config.add("args", Json.tree(args));
    }

    /** A new run's config.json, its {@code run} entry saying that it started now. */
    void writeConfig(JsonObject config) {
        writeConfig(config, startingNow());
    }

    /** config.json is for people to read too, so it is indented; {@code run} comes last. */
    private void writeConfig(JsonObject config, RunMetadata run) {
        config.remove("run");
        config.add("run", Json.tree(run));
        this.config = config;
        write(CONFIG, Json.PRETTY.toJson(config) + "\n");
    }

    void writeJson(String name, Object value) {
        write(name, Json.FILES.toJson(value) + "\n");
    }

    /**
     * Trial T's state goes to {@code checkpoints/trial-T.json} (its end state once it finishes), so
     * trials running at once each resume from their own; {@code checkpoint.json} holds the latest.
     */
    void writeCheckpoint(Checkpoint checkpoint, RunIdentity identity) {
        synchronized (checkpointWriter) {
            // At most one behind: a trial waits here only while the one before is still being written.
            awaitCheckpoints();
            checkpointWrite = checkpointWriter.submit(() -> {
                String json = CheckpointFile.toJson(checkpoint, identity);
                synchronized (this) {
                    write("checkpoints/trial-" + checkpoint.trial() + ".json", json);
                    write(CHECKPOINT, json);
                }
            });
        }
    }

    /**
     * Waits until the checkpoints handed to {@link #writeCheckpoint} are on disk; a write that
     * failed is thrown here (or at the next checkpoint), as it would have been on the trial's thread.
     */
    void awaitCheckpoints() {
        synchronized (checkpointWriter) {
            try {
                checkpointWrite.get();
            } catch (ExecutionException failed) {
                checkpointWrite = CompletableFuture.completedFuture(null);
                if (failed.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw new IllegalStateException(failed.getCause());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the last checkpoint was being written", interrupted);
            }
        }
    }

    /**
     * Rewrites metrics.jsonl with the lines of trial 0 first, then trial 1, ..., each trial's in the
     * order written (trials running at once interleave their lines), and closes it: the run's last write.
     */
    synchronized void sortMetricsByTrial() {
        Path file = dir.resolve(METRICS);
        try {
            if (metrics != null) {
                metrics.close();
                metrics = null;
            }
            // Each line is parsed once: a stable sort of (trial, line) pairs keeps a trial's order.
            List<Map.Entry<Integer, String>> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                lines.add(Map.entry(trialOf(line), line));
            }
            lines.sort(Map.Entry.comparingByKey());
            StringBuilder text = new StringBuilder();
            lines.forEach(line -> text.append(line.getValue()).append('\n'));
            writeAtomically(file, text.toString());
        } catch (IOException e) {
            throw new ResultsWriteException(file, e);
        }
    }

    private static int trialOf(String line) {
        JsonObject record = Json.objectOrNull(line);
        Integer trial = record == null ? null : wholeNumber(record.get("trial"));
        return trial == null ? Integer.MAX_VALUE : trial;
    }

    private synchronized void write(String name, String text) {
        Path file = dir.resolve(name);
        try {
            writeAtomically(file, text);
        } catch (IOException e) {
            throw new ResultsWriteException(file, e);
        }
    }

    /** Written whole to {@code FILE.tmp}, then renamed over FILE; a failed write leaves no temporary file. */
    private static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
    }

    /**
     * One metrics line, a {@code ReconRecord} or a {@code MatrixRecord}, in one write; if the write
     * fails part-way the file is cut back to where the line began. Trials run in parallel append in turn.
     */
    synchronized void appendMetrics(Record record) {
        ByteBuffer line = ByteBuffer.wrap((Json.LINES.toJson(record) + "\n").getBytes(StandardCharsets.UTF_8));
        long start = -1;
        try {
            start = metrics.position();
            while (line.hasRemaining()) {
                metrics.write(line);
            }
        } catch (IOException e) {
            if (start >= 0) {
                try {
                    metrics.truncate(start);
                    metrics.position(start);
                } catch (IOException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
            }
            throw new ResultsWriteException(dir.resolve(METRICS), e);
        }
    }

    static String reason(Exception e) {
        String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
        return reason == null ? e.getClass().getSimpleName() : reason;
    }

    /** A results file that could not be written: one line with the system's reason, the file, and that earlier lines are whole. */
    static final class ResultsWriteException extends UncheckedIOException {
        ResultsWriteException(Path file, IOException cause) {
            super(reason(cause) + ": cannot write " + file + " (what was written before is whole)", cause);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // the directory is given up; the lock goes with the channel
        }
    }

    /** Lets the last checkpoint finish, closes the metrics file and releases the directory. */
    @Override
    public void close() throws IOException {
        checkpointWriter.close();
        try {
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            lockChannel.close();
        }
    }
}
