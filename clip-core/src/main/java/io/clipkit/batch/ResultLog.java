package io.clipkit.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.LabelScore;
import io.clipkit.TagResult;
import io.clipkit.video.VideoClassification;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sink's records: a results file, JSON Lines (one object per work item) or CSV with a header,
 * chosen by extension; or JSON Lines to a stream. A file is locked for the whole run (a second
 * run on it is refused, in this process or another), read for what an earlier run recorded (for
 * resume), cut after its last complete record (a kill's torn line) and appended to. Written by one
 * thread, flushed after each batch.
 */
public final class ResultLog implements AutoCloseable {
    /**
     * CSV columns, in order. List cells (labels, probabilities, cosines, and a video's segments as
     * {@code [{start, end, frames, labels}]}) hold JSON arrays.
     */
    static final List<String> CSV_HEADER = List.of("path", "status", "size", "mtime", "labels", "probabilities", "cosines",
            "error", "note", "model", "checkpoint_sha256", "retryable", "settings", "segments");

    /** The CSV header of wave-1 files (no settings): not resumable, their records cannot be compared. */
    private static final List<String> OLD_CSV_HEADER = CSV_HEADER.subList(0, 11);

    /**
     * What an earlier run recorded for a key.
     *
     * @param settings what produced it; null when the record has none (an older version wrote it)
     * @param retryable its failure came from the environment: redo it
     */
    public record Prior(long size, String mtime, TagResult.Status status, RecordSettings settings, boolean retryable) {}

    private final Path file;
    private final boolean csv;
    private final FileChannel channel;
    private final FileLock lock;
    private final Writer out;
    private final String model;
    private final RecordSettings settings;
    private final Map<String, Prior> prior;

    private ResultLog(Path file, boolean csv, FileChannel channel, FileLock lock, Writer out, String model,
            RecordSettings settings, Map<String, Prior> prior) {
        this.file = file;
        this.csv = csv;
        this.channel = channel;
        this.lock = lock;
        this.out = out;
        this.model = model;
        this.settings = settings;
        this.prior = prior;
    }

    static boolean isCsv(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    /**
     * Records as JSON Lines to a stream (no resume). A {@link PrintWriter}'s swallowed errors are
     * checked after each flush.
     */
    static ResultLog toStream(Writer out, String model, RecordSettings settings) {
        return new ResultLog(null, false, null, null, out, model, settings, Map.of());
    }

    /**
     * Locks the file, reads what an earlier run recorded (unless {@code fresh}), cuts a torn last
     * record (or truncates when {@code fresh}) and opens it for appending.
     *
     * @throws IOException if another run holds the file, or it is not a results file of this kind
     *     (it is then not touched)
     */
    static ResultLog open(Path file, boolean fresh, String model, RecordSettings settings) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            FileLock lock = lock(ch, file);
            Map<String, Prior> prior = fresh ? Map.of() : readPrior(file);
            if (fresh) {
                ch.truncate(0);
            } else {
                cutTornTail(ch);
            }
            ch.position(ch.size());
            Writer w = new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8);
            ResultLog log = new ResultLog(file, isCsv(file), ch, lock, w, model, settings, prior);
            if (log.csv && ch.size() == 0) {
                log.out.write(Csv.line(CSV_HEADER));
                log.flush();
            }
            return log;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** An exclusive lock for the run; refused at once when held (another run would interleave records). */
    static FileLock lock(FileChannel ch, Path file) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new IOException(file + " is in use by another tagging run (it is locked); wait for that run to end,"
                    + " or choose another file");
        }
        return lock;
    }

    /** What an earlier run recorded, by work-item key (empty for a new file or a fresh start). */
    Map<String, Prior> prior() {
        return prior;
    }

    /**
     * Reads the records of an earlier run (last one wins per key). A last record without its line
     * end (torn by a kill) is ignored: it is cut and redone.
     *
     * @throws IOException if the file is not a results file of this kind (it is then not touched)
     */
    public static Map<String, Prior> readPrior(Path file) throws IOException {
        Map<String, Prior> prior = new HashMap<>();
        if (!Files.exists(file) || Files.size(file) == 0) {
            return prior;
        }
        if (isCsv(file)) {
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                Csv.Reader cr = new Csv.Reader(r);
                List<String> header = cr.next();
                if (header != null && header.equals(OLD_CSV_HEADER)) {
                    throw new IOException(file + " was written by an older clipkit without the settings of each record,"
                            + " so it cannot be resumed; choose another output file, or force a fresh start");
                }
                if (header == null || !header.equals(CSV_HEADER)) {
                    throw new IOException(file + " exists but is not a clipkit tagging CSV (header " + header
                            + "); choose another output file, or force a fresh start");
                }
                List<String> row;
                while ((row = cr.next()) != null) {
                    if (row.size() != CSV_HEADER.size()) {
                        continue; // a damaged row: redone
                    }
                    addPrior(prior, row.get(0), row.get(2), row.get(3), row.get(1), RecordSettings.parseCsv(row.get(12)),
                            "true".equals(row.get(11)));
                }
            }
        } else {
            boolean tornTail = endsTorn(file);
            // Streamed: a million records must not be held as text.
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String next = r.readLine();
                for (int i = 0; next != null; i++) {
                    String line = next;
                    next = r.readLine();
                    boolean last = next == null;
                    if (tornTail && last) {
                        continue; // the record a killed run was writing (even if it parses): cut and redone
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n;
                    try {
                        n = ResultJson.MAPPER.readTree(line);
                    } catch (IOException e) {
                        n = null;
                    }
                    if (n == null || !n.isObject() || !n.hasNonNull("path") || !n.hasNonNull("status")) {
                        throw new IOException(file + " line " + (i + 1) + " is not a clipkit tagging record, so the file is not"
                                + " resumable; choose another output file, or force a fresh start");
                    }
                    addPrior(prior, n.get("path").asText(), n.path("size").asText("-1"), n.path("mtime").asText(""),
                            n.get("status").asText(), RecordSettings.read(n.get("settings")),
                            n.path("retryable").asBoolean(false));
                }
            }
        }
        return prior;
    }

    private static boolean endsTorn(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == 0) {
                return false;
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, ch.size() - 1);
            return b.get(0) != '\n';
        }
    }

    private static void addPrior(Map<String, Prior> prior, String key, String size, String mtime, String status,
            RecordSettings settings, boolean retryable) {
        try {
            prior.put(key, new Prior(Long.parseLong(size), mtime, TagResult.Status.parse(status), settings, retryable));
        } catch (IllegalArgumentException e) {
            // a damaged record: the file is redone
        }
    }

    /** Truncates after the last newline, dropping a record half-written by a killed run. */
    private static void cutTornTail(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return;
        }
        long pos = size;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8192);
        while (pos > 0) {
            int n = (int) Math.min(buf.capacity(), pos);
            buf.clear().limit(n);
            ch.read(buf, pos - n);
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    long keep = pos - n + i + 1;
                    if (keep < size) {
                        ch.truncate(keep);
                    }
                    return;
                }
            }
            pos -= n;
        }
        ch.truncate(0);
    }

    /** The file, or null when writing to a stream. */
    public Path file() {
        return file;
    }

    void write(WorkItem key, TagResult r) throws IOException {
        write(key, r, null);
    }

    /** A record; {@code segments} is a video's timeline (null for an image). */
    void write(WorkItem key, TagResult r, List<VideoClassification.Segment> segments) throws IOException {
        try {
            out.write(csv ? csvLine(key.key(), r, segments) : ResultJson.tagRecord(r, key.key(), model, settings, segments));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private String csvLine(String key, TagResult r, List<VideoClassification.Segment> segments) {
        List<String> labels = new ArrayList<>();
        List<Float> probs = new ArrayList<>();
        List<Float> cos = new ArrayList<>();
        for (LabelScore l : r.labels()) {
            labels.add(l.label());
            probs.add(l.probability());
            cos.add(l.cosine());
        }
        boolean ok = r.status() == TagResult.Status.OK;
        return Csv.line(List.of(key, r.status().json(), Long.toString(r.size()), r.mtime(), ResultJson.array(labels),
                ResultJson.array(probs), ResultJson.array(cos), r.error(), r.note(), ok ? model : "",
                ok ? settings.checkpointSha256() : "", r.retryable() ? "true" : "", settings.csv(),
                segments == null ? "" : ResultJson.segmentsArray(segments)));
    }

    /** Pushes buffered records to the OS: a killed process loses nothing written before. */
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
        if (out instanceof PrintWriter pw && pw.checkError()) {
            throw new IOException("cannot write the records to the output stream (closed pipe or full disk);"
                    + " records after the last written one are lost");
        }
    }

    /** A write error names the results file (the OS's "No space left on device" does not). */
    private IOException failed(IOException e) {
        return new IOException("cannot write " + (file != null ? file : "the records to the output stream") + ": "
                + io.clipkit.util.IoReasons.reason(e), e);
    }

    @Override
    public void close() throws IOException {
        if (channel == null) {
            flush();
            return;
        }
        IOException failure = null;
        try {
            out.flush();
            channel.force(false);
        } catch (IOException e) {
            failure = failed(e);
        }
        try {
            lock.release();
        } catch (IOException e) {
            // the channel's close below releases it anyway
        }
        try {
            out.close(); // flushes again: after a failed flush it fails the same way
        } catch (IOException e) {
            if (failure == null) {
                failure = failed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
