package io.clipkit.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.TagResult;
import java.io.BufferedReader;
import java.io.IOException;

import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
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
 * The results file: JSON Lines (one object per file) or CSV with a header, chosen by extension.
 * Opened for append after reading what an earlier run recorded (for resume); a torn last line
 * left by a kill is cut off first. Written by one thread, flushed after each batch.
 */
public final class ResultLog implements AutoCloseable {
    /** CSV columns, in order. */
    static final List<String> CSV_HEADER = List.of("path", "status", "size", "mtime", "labels", "probabilities", "cosines",
            "error", "note", "model", "checkpoint_sha256");

    /** What an earlier run recorded for a path. */
    public record Prior(long size, String mtime, TagResult.Status status) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final boolean csv;
    private final FileChannel channel;
    private final Writer out;
    private final String model;
    private final String checkpointSha256;
    private final JsonFormat jsonFormat;

    private ResultLog(Path file, boolean csv, FileChannel channel, String model, String checkpointSha256) {
        this.file = file;
        this.csv = csv;
        this.channel = channel;
        this.out = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
        this.model = model;
        this.checkpointSha256 = checkpointSha256;
        this.jsonFormat = new JsonFormat(model, checkpointSha256);
    }

    static boolean isCsv(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    /**
     * Reads the records of an earlier run (last one wins per path). Lines that do not parse, such
     * as a line torn by a kill, are ignored.
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
                if (header == null || !header.equals(CSV_HEADER)) {
                    throw new IOException(file + " exists but is not a clipkit tagging CSV (header " + header
                            + "); choose another output file, or force a fresh start");
                }
                List<String> row;
                while ((row = cr.next()) != null) {
                    if (row.size() != CSV_HEADER.size()) {
                        continue; // torn last row
                    }
                    addPrior(prior, row.get(0), row.get(2), row.get(3), row.get(1));
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
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n;
                    try {
                        n = JSON.readTree(line);
                    } catch (IOException e) {
                        n = null;
                    }
                    if (n == null || !n.isObject() || !n.hasNonNull("path") || !n.hasNonNull("status")) {
                        if (tornTail && last) {
                            continue; // the record a killed run was writing: cut and redone
                        }
                        throw new IOException(file + " line " + (i + 1) + " is not a clipkit tagging record, so the file is not"
                                + " resumable; choose another output file, or force a fresh start");
                    }
                    addPrior(prior, n.get("path").asText(), n.path("size").asText("-1"), n.path("mtime").asText(""),
                            n.get("status").asText());
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

    private static void addPrior(Map<String, Prior> prior, String path, String size, String mtime, String status) {
        try {
            prior.put(path, new Prior(Long.parseLong(size), mtime, TagResult.Status.parse(status)));
        } catch (IllegalArgumentException e) {
            // a damaged record: the file is redone
        }
    }

    /**
     * Opens the file for appending (or truncates it when {@code fresh}); cuts a torn last line.
     */
    public static ResultLog open(Path file, boolean fresh, String model, String checkpointSha256) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            if (fresh) {
                ch.truncate(0);
            } else {
                cutTornTail(ch);
            }
            ch.position(ch.size());
            ResultLog log = new ResultLog(file, isCsv(file), ch, model, checkpointSha256);
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

    public Path file() {
        return file;
    }

    public void write(TagResult r) throws IOException {
        try {
            out.write(csv ? csvLine(r) : jsonLine(r));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    String jsonLine(TagResult r) throws IOException {
        return jsonFormat.line(r);
    }

    /** Formats results as JSON Lines records (also for printing to stdout). */
    public static final class JsonFormat {
        private final String model;
        private final String checkpointSha256;

        public JsonFormat(String model, String checkpointSha256) {
            this.model = model;
            this.checkpointSha256 = checkpointSha256;
        }

        /** One record and its newline. */
        public String line(TagResult r) throws IOException {
            ObjectNode o = JSON.createObjectNode();
            o.put("path", r.path().toString());
            o.put("status", r.status().json());
            o.put("size", r.size());
            o.put("mtime", r.mtime());
            ArrayNode labels = o.putArray("labels");
            for (io.clipkit.LabelScore l : r.labels()) {
                ObjectNode ln = labels.addObject();
                ln.put("label", l.label());
                ln.put("probability", l.probability());
                ln.put("cosine", l.cosine());
            }
            if (r.status() != TagResult.Status.OK) {
                o.put("error", r.error());
            }
            if (!r.note().isEmpty()) {
                o.put("note", r.note());
            }
            if (r.status() == TagResult.Status.OK) {
                o.put("model", model);
                o.put("checkpoint_sha256", checkpointSha256);
            }
            return JSON.writeValueAsString(o) + "\n";
        }
    }

    private String csvLine(TagResult r) {
        List<String> labels = new ArrayList<>();
        List<String> probs = new ArrayList<>();
        List<String> cos = new ArrayList<>();
        for (io.clipkit.LabelScore l : r.labels()) {
            labels.add(l.label());
            probs.add(Float.toString(l.probability()));
            cos.add(Float.toString(l.cosine()));
        }
        boolean ok = r.status() == TagResult.Status.OK;
        return Csv.line(List.of(r.path().toString(), r.status().json(), Long.toString(r.size()), r.mtime(),
                String.join(";", labels), String.join(";", probs), String.join(";", cos), r.error(), r.note(),
                ok ? model : "", ok ? checkpointSha256 : ""));
    }

    /** Pushes buffered records to the OS: a killed process loses nothing written before. */
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** A write error names the results file (the OS's "No space left on device" does not). */
    private IOException failed(IOException e) {
        return new IOException("cannot write " + file + ": " + io.clipkit.util.IoReasons.reason(e), e);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        try {
            out.flush();
            channel.force(false);
        } catch (IOException e) {
            failure = failed(e);
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
