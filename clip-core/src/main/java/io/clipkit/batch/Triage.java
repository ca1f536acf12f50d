package io.clipkit.batch;

import io.clipkit.TagResult;
import io.clipkit.image.Sniffer;
import io.clipkit.util.Hashes;
import io.clipkit.video.VideoFrame;
import io.clipkit.video.VideoSample;
import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The triage stage: decides from cheap facts what a work item needs. In order: stat it, resume
 * it (recorded before, same size, mtime and settings), look its path up in the embedding index,
 * sniff its format, hash it and look the hash up. What is left needs decoding. Never throws for
 * a bad file (it gets an error record); an index failure is fatal ({@link IndexFailure}).
 * Thread-safe: runs on the decode pool.
 */
final class Triage {
    private final Map<String, ResultLog.Prior> prior;
    private final RecordSettings settings;
    private final EmbeddingCache index;
    /** A video decoder exists: video containers go to the decode stage (else: recorded as unsupported). */
    private final boolean videos;

    Triage(Map<String, ResultLog.Prior> prior, RecordSettings settings, EmbeddingCache index) {
        this(prior, settings, index, false);
    }

    Triage(Map<String, ResultLog.Prior> prior, RecordSettings settings, EmbeddingCache index, boolean videos) {
        this.videos = videos;
        this.prior = prior;
        this.settings = settings;
        this.index = index;
    }

    /** An index failure inside a stage: fatal for the run (not a bad file). */
    static final class IndexFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        IndexFailure(IOException cause) {
            super(cause);
        }

        IOException io() {
            return (IOException) getCause();
        }
    }

    /**
     * An entry discovery already judged (a link loop, an unreadable folder): it gets its record once,
     * not again on every resume. Its stamp is the entry's own (not followed through links).
     */
    Item judged(WorkItem w, TagResult.Status status, String reason) {
        long size = -1;
        String mtime = "";
        try {
            BasicFileAttributes a = Files.readAttributes(w.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            mtime = a.lastModifiedTime().toInstant().toString();
        } catch (IOException e) {
            // gone or unreadable: no stamp
        }
        return resumable(w, status, size, mtime) ? Item.resumed(w, status, size, mtime)
                : Item.record(w, status, reason, size, mtime);
    }

    Item triage(WorkItem w) {
        Path p = w.path();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(p)) {
                return judged(w, TagResult.Status.ERROR, "broken symbolic link (its target does not exist)");
            }
            return Item.retryable(w, "file disappeared before it could be read (deleted or moved)", -1, "");
        } catch (IOException e) {
            String why = Failures.describe(e);
            return why.equals("symbolic link loop") ? judged(w, TagResult.Status.ERROR, why)
                    : Item.retryable(w, why, -1, "");
        }
        long size = a.size();
        String mtime = a.lastModifiedTime().toInstant().toString();
        if (a.isDirectory()) {
            return stamped(w, TagResult.Status.SKIPPED, "is a folder, not an image", -1, mtime);
        }
        if (!a.isRegularFile()) {
            return stamped(w, TagResult.Status.SKIPPED, "not a regular file (a FIFO, socket or device)", -1, mtime);
        }
        ResultLog.Prior before = prior.get(w.key());
        if (before != null && before.size() == size && before.mtime().equals(mtime) && !before.retryable()
                && (before.status() != TagResult.Status.OK || settings.equals(before.settings()))) {
            return Item.resumed(w, before.status(), size, mtime);
        }
        if (size == 0) {
            return Item.record(w, TagResult.Status.ERROR, "empty file (0 bytes)", size, mtime);
        }
        // Files.isReadable asks access(2), which says yes to root for a 0000 file; opening below
        // is the real test and maps EACCES to the same reason.
        if (!Files.isReadable(p)) {
            return Item.retryable(w, "permission denied", size, mtime);
        }
        String abs = p.toAbsolutePath().normalize().toString();
        try {
            if (index != null) {
                float[] v = indexed(() -> index.byPath(abs, size, mtime));
                if (v != null) {
                    return Item.embedded(w, size, mtime, abs, null, null, v, true);
                }
            }
            byte[] head = new byte[Math.max(Sniffer.HEAD, VideoSampler.HEAD)];
            int n;
            try (InputStream in = Files.newInputStream(p)) {
                n = in.readNBytes(head, 0, head.length);
            }
            String format = Sniffer.imageFormat(head, n);
            if (format == null) {
                if (VideoSampler.looksLikeVideo(head, n)) {
                    // Content decides, not the name: a video goes to the sampler; a JPEG named .mp4 was
                    // caught above as the image it is.
                    if (videos && index != null) {
                        // Frames keyed by (file identity, time): new labels re-rank them, nothing is decoded.
                        EmbeddingCache.VideoFrames f = indexedFrames(() -> index.framesByPath(abs, size, mtime));
                        if (f != null) {
                            List<VideoFrame> frames = new ArrayList<>(f.times().size());
                            f.times().forEach(t -> frames.add(new VideoFrame(t, false, new float[0])));
                            VideoSample s = new VideoSample(p, frames, f.duration(), 0, 0, 0, "", "");
                            return Item.toDecode(w, size, mtime, abs, null, Item.VIDEO, null)
                                    .withFrames(new Item.Frames(s, f.vectors(), true));
                        }
                    }
                    return videos ? Item.toDecode(w, size, mtime, abs, null, Item.VIDEO, null)
                            : Item.record(w, TagResult.Status.ERROR,
                                    "a video file, but no video decoder (clip-video) is on the classpath", size, mtime);
                }
                return Item.record(w, TagResult.Status.ERROR, Sniffer.describeNonImage(head, n), size, mtime);
            }
            byte[] hash = null;
            if (index != null) {
                hash = Hashes.sha256(p);
                byte[] h = hash;
                float[] v = indexed(() -> index.byHash(h));
                if (v != null) {
                    return Item.embedded(w, size, mtime, abs, hash, format, v, false);
                }
            }
            return Item.toDecode(w, size, mtime, abs, hash, format, Sniffer.dimensions(p, format, head, n));
        } catch (IndexFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return new Item(w, Item.Kind.RECORD, TagResult.Status.ERROR, Failures.describe(e), Failures.environmental(e),
                    size, mtime, null, null, null, null, null, null, false, null);
        }
    }

    /** A skip of a non-file with a stamp: resumed when recorded with the same stamp. */
    private Item stamped(WorkItem w, TagResult.Status status, String reason, long size, String mtime) {
        return resumable(w, status, size, mtime) ? Item.resumed(w, status, size, mtime)
                : Item.record(w, status, reason, size, mtime);
    }

    private boolean resumable(WorkItem w, TagResult.Status status, long size, String mtime) {
        ResultLog.Prior before = prior.get(w.key());
        return before != null && before.status() == status && before.size() == size && before.mtime().equals(mtime)
                && !before.retryable();
    }

    private interface IndexCall {
        float[] call() throws IOException;
    }

    private interface FramesCall {
        EmbeddingCache.VideoFrames call() throws IOException;
    }

    private static EmbeddingCache.VideoFrames indexedFrames(FramesCall call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new IndexFailure(e);
        }
    }

    /** Index I/O must not be mistaken for a bad file: it fails the run. */
    private static float[] indexed(IndexCall call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new IndexFailure(e);
        }
    }
}
