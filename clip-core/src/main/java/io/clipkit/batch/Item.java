package io.clipkit.batch;

import io.clipkit.TagResult;
import io.clipkit.video.VideoSample;

/**
 * What a stage made of one work item; each stage hands on a new one. Internal to the pipeline.
 *
 * @param kind how far it got: a final record, a resumed record, an embedding, pixels, or waiting to be decoded
 * @param retryable for an error record: it came from the environment, so a resumed run retries it
 * @param size file size at triage ({@code -1} when unknown)
 * @param mtime file mtime at triage (ISO-8601; empty when unknown)
 * @param absPath the index key (absolute, normalized); null when the index is not involved
 * @param hash content SHA-256 when it was computed
 * @param format the sniffed format ({@code jpeg}, ...)
 * @param dims width and height from the header (null when unknown)
 * @param chw preprocessed pixels ({@link Kind#PIXELS})
 * @param vector the embedding ({@link Kind#EMBEDDED})
 * @param pathKnown the index already has this path with this size and mtime
 * @param frames for a video ({@link Kind#EMBEDDED}): its frames' times and embeddings; else null
 */
record Item(WorkItem work, Kind kind, TagResult.Status status, String reason, boolean retryable, long size, String mtime,
        String absPath, byte[] hash, String format, long[] dims, float[] chw, float[] vector, boolean pathKnown,
        Frames frames) {

    /** The format triage gives a file that sniffs as a video container. */
    static final String VIDEO = "video";

    /**
     * A sampled and embedded video: its sample without pixels (times, duration, note) and one
     * embedding per frame.
     */
    record Frames(VideoSample sample, float[][] vectors, boolean indexed) {}

    enum Kind {
        /** Recorded by an earlier run with the same settings: nothing to write. */
        RESUMED,
        /** A final record without labels (an error or a skip). */
        RECORD,
        /** Triage passed it: it needs decoding. */
        DECODE,
        /** Decoded and preprocessed: it needs encoding. */
        PIXELS,
        /** Has its embedding: it needs ranking. */
        EMBEDDED
    }

    static Item record(WorkItem w, TagResult.Status st, String reason, long size, String mtime) {
        return new Item(w, Kind.RECORD, st, reason, false, size, mtime, null, null, null, null, null, null, false, null);
    }

    static Item retryable(WorkItem w, String reason, long size, String mtime) {
        return new Item(w, Kind.RECORD, TagResult.Status.ERROR, reason, true, size, mtime, null, null, null, null, null, null,
                false, null);
    }

    static Item resumed(WorkItem w, TagResult.Status st, long size, String mtime) {
        return new Item(w, Kind.RESUMED, st, "", false, size, mtime, null, null, null, null, null, null, true, null);
    }

    static Item embedded(WorkItem w, long size, String mtime, String abs, byte[] hash, String format, float[] v,
            boolean pathKnown) {
        return new Item(w, Kind.EMBEDDED, TagResult.Status.OK, "", false, size, mtime, abs, hash, format, null, null, v,
                pathKnown, null);
    }

    static Item toDecode(WorkItem w, long size, String mtime, String abs, byte[] hash, String format, long[] dims) {
        return new Item(w, Kind.DECODE, TagResult.Status.OK, "", false, size, mtime, abs, hash, format, dims, null, null,
                false, null);
    }

    Item withPixels(float[] pixels) {
        return new Item(work, Kind.PIXELS, status, "", false, size, mtime, absPath, hash, format, null, pixels, null, false, null);
    }

    /** A video whose frames are embedded: ranked by the sink like an image, with a timeline. */
    Item withFrames(Frames f) {
        return new Item(work, Kind.EMBEDDED, status, "", false, size, mtime, absPath, hash, format, null, null, null, false, f);
    }

    Item withVector(float[] v) {
        return new Item(work, Kind.EMBEDDED, status, "", false, size, mtime, absPath, hash, format, null, null, v, false, null);
    }

    /** An error record for this item, keeping what triage learnt about the file. */
    Item failed(String why, boolean environment) {
        return new Item(work, Kind.RECORD, TagResult.Status.ERROR, why, environment, size, mtime, null, null, null, null, null,
                null, false, null);
    }

    java.nio.file.Path path() {
        return work.path();
    }
}
