package io.clipkit.batch;

import io.clipkit.LabelScore;
import io.clipkit.TagListener;
import io.clipkit.TagResult;
import io.clipkit.XmpMode;
import io.clipkit.image.Sniffer;
import io.clipkit.util.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

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
    final Counts counts = new Counts();

    TagSink(LabelRanker ranker, EmbeddingCache index, ResultLog log, XmpMode xmp, TagListener listener) {
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
                case EMBEDDED -> emit(it.work(), tagged(it, ranked.get(ri++), afterXmp));
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

    private static String sniff(Path p) throws IOException {
        byte[] head = new byte[Sniffer.HEAD];
        try (InputStream in = Files.newInputStream(p)) {
            int n = in.readNBytes(head, 0, head.length);
            return Sniffer.imageFormat(head, n);
        }
    }

    private void emit(WorkItem w, TagResult r) throws IOException {
        switch (r.status()) {
            case OK -> counts.ok++;
            case ERROR -> counts.failed++;
            case SKIPPED -> counts.skipped++;
            default -> throw new IllegalStateException();
        }
        if (log != null) {
            log.write(w, r);
        }
        listener.result(r);
    }
}
