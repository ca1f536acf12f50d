package io.clipkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Tagger} recorded for one input file: its labels, or why it failed or was skipped.
 * Every discovered input ends in exactly one result.
 *
 * <pre>{@code
 * tagger.run(List.of(Path.of("photos")), r -> {
 *     if (r.status() == TagResult.Status.OK) System.out.println(r.path() + " " + r.labels().get(0).label());
 *     else System.out.println(r.path() + ": " + r.error());
 * });
 * }</pre>
 *
 * @param path the file as discovered (relative inputs stay relative)
 * @param status ok, error or skipped
 * @param size file size in bytes at the time it was read (-1 when unknown)
 * @param mtime last-modified time as an ISO-8601 instant with full precision (empty when unknown)
 * @param labels the top labels, best first, at or above the minimum score (empty unless ok)
 * @param error the specific reason for an error or a skip (empty when ok)
 * @param note an informational remark, e.g. that an XMP sidecar was written instead of embedding
 * @param retryable for an error: it came from the environment (an I/O error, a full disk, a
 *     permission), not from the file's content, so a resumed run tries the file again
 */
public record TagResult(Path path, Status status, long size, String mtime, List<LabelScore> labels, String error, String note,
        boolean retryable) {

    /** Outcome of one file. */
    public enum Status {
        OK("ok"),
        ERROR("error"),
        SKIPPED("skipped");

        private final String json;

        Status(String json) {
            this.json = json;
        }

        /** The lower-case name used in the outputs. */
        public String json() {
            return json;
        }

        /** Parses {@code ok}, {@code error} or {@code skipped}. */
        public static Status parse(String s) {
            for (Status st : values()) {
                if (st.json.equals(s)) {
                    return st;
                }
            }
            throw new IllegalArgumentException("unknown status '" + s + "'");
        }
    }

    /** A result whose error (if any) is not retried on resume. */
    public TagResult(Path path, Status status, long size, String mtime, List<LabelScore> labels, String error, String note) {
        this(path, status, size, mtime, labels, error, note, false);
    }

    public TagResult {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(status, "status");
        mtime = mtime == null ? "" : mtime;
        labels = List.copyOf(labels);
        error = error == null ? "" : error;
        note = note == null ? "" : note;
    }
}
