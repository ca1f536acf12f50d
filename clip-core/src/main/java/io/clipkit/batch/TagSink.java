package io.clipkit.batch;

import io.clipkit.LabelScore;
import io.clipkit.TagListener;
import io.clipkit.TagResult;
import io.clipkit.XmpMode;
import io.clipkit.image.Sniffer;
import io.clipkit.util.Hashes;
import io.clipkit.video.VideoClassification;
import io.clipkit.video.VideoClassifier;
import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rank and sink stages of tagging, fed batch by batch by the {@link EncodeStage} in output
 * order: new embeddings go into the index, embedded items are ranked against the labels, XMP is
 * written if asked, and every item gets its record (in the log and to the listener). The log is
 * flushed after each batch, so a kill loses at most the batch being written.
 */
final class TagSink implements EncodeStage.Sink<Item> {
    /** Counts of the run. */
    static final class Counts {
        long ok;
        long failed;
        long skipped;
        long resumed;
        long resumedFailed;
        long encoded;
        long cacheHits;
    }

    private final LabelRanker ranker;
    private final EmbeddingCache index;
    private final ResultLog log;
    private final XmpMode xmp;
    private final TagListener listener;
    /** Ranks videos' frames (overall labels and segments), made when first needed; null when there is no video decoder. */
    private final java.util.function.Supplier<VideoClassifier> videos;
    final Counts counts = new Counts();

    TagSink(LabelRanker ranker, EmbeddingCache index, ResultLog log, XmpMode xmp, TagListener listener) {
        this(ranker, index, log, xmp, listener, null);
    }

    TagSink(LabelRanker ranker, EmbeddingCache index, ResultLog log, XmpMode xmp, TagListener listener,
            java.util.function.Supplier<VideoClassifier> videos) {
        this.videos = videos;
        this.ranker = ranker;
        this.index = index;
        this.log = log;
        this.xmp = xmp;
        this.listener = listener;
    }

    @Override
    public void accept(List<Item> items, float[][] vectors) throws IOException {
        List<EmbeddingCache.Entry> entries = new ArrayList<>();
        List<Item> ready = new ArrayList<>(items.size());
        List<float[]> toRank = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            if (it.frames() != null) {
                // A video, embedded frame by frame on the decode thread (or its frames found in the index).
                if (it.frames().indexed()) {
                    counts.cacheHits++;
                } else {
                    counts.encoded += it.frames().vectors().length;
                    if (index != null) {
                        entries.addAll(frameEntries(it));
                    }
                }
                ready.add(it);
                continue;
            }
            if (vectors[i] != null) {
                counts.encoded++;
                it = it.withVector(vectors[i]);
                if (index != null) {
                    entries.add(new EmbeddingCache.Entry(it.absPath(), it.size(), it.mtime(), it.hash(), it.vector()));
                }
            } else if (it.kind() == Item.Kind.EMBEDDED) {
                counts.cacheHits++;
                if (!it.pathKnown() && index != null) {
                    entries.add(new EmbeddingCache.Entry(it.absPath(), it.size(), it.mtime(), it.hash(), null));
                }
            }
            if (it.kind() == Item.Kind.EMBEDDED) {
                toRank.add(it.vector());
            }
            ready.add(it);
        }
        if (index != null) {
            index.putAll(entries);
        }
        List<List<LabelScore>> ranked = ranker.rank(toRank);
        List<EmbeddingCache.Entry> afterXmp = new ArrayList<>();
        int ri = 0;
        for (Item it : ready) {
            switch (it.kind()) {
                case RESUMED -> {
                    counts.resumed++;
                    if (it.status() == TagResult.Status.ERROR) {
                        counts.resumedFailed++;
                    }
                    listener.resumed(it.path());
                }
                case RECORD -> emit(it.work(), new TagResult(it.path(), it.status(), it.size(), it.mtime(), List.of(),
                        it.reason(), "", it.retryable()));
                case EMBEDDED -> {
                    if (it.frames() != null) {
                        VideoClassification vc = videos.get().rank(it.frames().sample(), it.frames().vectors());
                        emit(it.work(), withNote(tagged(it, vc.labels(), afterXmp), vc.sample().note()), vc.segments());
                    } else {
                        emit(it.work(), withNote(tagged(it, ranked.get(ri++), afterXmp), namedLikeAVideo(it)), null);
                    }
                }
                default -> throw new IllegalStateException("item reached the sink as " + it.kind());
            }
        }
        if (index != null) {
            index.putAll(afterXmp);
        }
        if (log != null) {
            log.flush();
        }
    }

    /** The record of a ranked item, after writing its XMP if asked. */
    private TagResult tagged(Item it, List<LabelScore> labels, List<EmbeddingCache.Entry> afterXmp) {
        long size = it.size();
        String mtime = it.mtime();
        String note = "";
        if (xmp != XmpMode.NONE && !labels.isEmpty()) {
            List<String> keywords = labels.stream().map(LabelScore::label).toList();
            try {
                if (xmp == XmpMode.EMBED && "jpeg".equals(it.format() != null ? it.format() : sniff(it.path()))) {
                    if (XmpKeywords.embedInJpeg(it.path(), keywords)) {
                        // The file changed on purpose: record its new size and time so a rerun resumes it,
                        // and index the new key (its pixels, hence its embedding, are unchanged).
                        BasicFileAttributes a = Files.readAttributes(it.path(), BasicFileAttributes.class);
                        size = a.size();
                        mtime = a.lastModifiedTime().toInstant().toString();
                        if (it.hash() != null || it.pathKnown()) {
                            byte[] h = it.hash() != null ? it.hash() : Hashes.sha256(it.path());
                            afterXmp.add(new EmbeddingCache.Entry(it.absPath(), size, mtime, h, it.vector()));
                        }
                    }
                } else {
                    XmpKeywords.writeSidecar(it.path(), keywords);
                    if (xmp == XmpMode.EMBED) {
                        note = "not a JPEG: keywords written to the sidecar " + XmpKeywords.sidecar(it.path()).getFileName();
                    }
                }
            } catch (IOException | RuntimeException e) {
                boolean environment = !(e instanceof XmpKeywords.Refused) && Failures.environmental(e);
                return new TagResult(it.path(), TagResult.Status.ERROR, size, mtime, labels,
                        "XMP not written: " + Failures.describe(e), note, environment);
            }
        }
        if (DecodeStage.unrepresentable(it.path())) {
            note = (note.isEmpty() ? "" : note + "; ") + "file name is not valid " + System.getProperty("sun.jnu.encoding")
                    + ": shown with replacement characters";
        }
        return new TagResult(it.path(), TagResult.Status.OK, size, mtime, labels, "", note);
    }

    /**
     * Index rows of a video's frames: {@code <abs>#t=<seconds>} with the file's size and mtime and
     * hash SHA-256(file hash || time), and a vector-less {@code <abs>#duration=<seconds>} row.
     */
    private static List<EmbeddingCache.Entry> frameEntries(Item it) throws IOException {
        byte[] fileHash = Hashes.sha256(it.path());
        List<EmbeddingCache.Entry> out = new ArrayList<>();
        List<io.clipkit.video.VideoFrame> frames = it.frames().sample().frames();
        for (int i = 0; i < frames.size(); i++) {
            String t = seconds(frames.get(i).time());
            out.add(new EmbeddingCache.Entry(it.absPath() + "#t=" + t, it.size(), it.mtime(), frameHash(fileHash, t),
                    it.frames().vectors()[i]));
        }
        String d = seconds(it.frames().sample().duration());
        out.add(new EmbeddingCache.Entry(it.absPath() + "#duration=" + d, it.size(), it.mtime(),
                frameHash(fileHash, "duration=" + d), null));
        return out;
    }

    private static String seconds(java.time.Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    private static byte[] frameHash(byte[] fileHash, String time) {
        java.security.MessageDigest md = Hashes.sha256();
        md.update(fileHash);
        md.update(time.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return md.digest();
    }

    /** For an image whose name says video (a JPEG renamed .mp4): content won, and the user should know. */
    private static String namedLikeAVideo(Item it) {
        String name = it.path().getFileName() == null ? "" : it.path().getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot >= 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
        if (it.format() == null || !VideoSampler.EXTENSIONS.contains(ext)) {
            return "";
        }
        return "named ." + ext + " but its content is a " + it.format().toUpperCase(Locale.ROOT) + " image: tagged as the image";
    }

    private static TagResult withNote(TagResult r, String more) {
        if (more.isEmpty()) {
            return r;
        }
        String note = r.note().isEmpty() ? more : r.note() + "; " + more;
        return new TagResult(r.path(), r.status(), r.size(), r.mtime(), r.labels(), r.error(), note, r.retryable());
    }

    private static String sniff(Path p) throws IOException {
        byte[] head = new byte[Sniffer.HEAD];
        try (InputStream in = Files.newInputStream(p)) {
            int n = in.readNBytes(head, 0, head.length);
            return Sniffer.imageFormat(head, n);
        }
    }

    private void emit(WorkItem w, TagResult r) throws IOException {
        emit(w, r, null);
    }

    private void emit(WorkItem w, TagResult r, List<VideoClassification.Segment> segments) throws IOException {
        switch (r.status()) {
            case OK -> counts.ok++;
            case ERROR -> counts.failed++;
            case SKIPPED -> counts.skipped++;
            default -> throw new IllegalStateException();
        }
        if (log != null) {
            log.write(w, r, segments);
        }
        listener.result(r);
    }
}
