package io.clipkit;

import io.clipkit.search.ExactScorer;
import io.clipkit.search.Hnsw;
import io.clipkit.search.Scored;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A search of an {@link EmbeddingIndex} by text, by example images, or both. The query vector is
 * the sum of the L2-normalised embeddings of the texts (embedded as written, or through a
 * template) and images, minus those of the negative texts, normalised again; every indexed image
 * is scored by its cosine with it. Files that are gone since they were indexed are left out.
 *
 * <pre>{@code
 * List<SearchHit> hits = Search.builder(index, model)
 *         .text("a dog on the beach").negative("people")
 *         .k(20).minScore(0.2f)
 *         .run();
 * }</pre>
 *
 * <p>Exact search scores every vector (one pass over a half-precision copy held by the index,
 * then the best re-scored in fp32). From {@link #DEFAULT_APPROXIMATE_ABOVE} images on, an HNSW graph
 * built by {@link EmbeddingIndex.Updater} answers instead when it is current; scores are exact,
 * the set found approximate ({@link Builder#exact(boolean)} forces exact). Thread-safe: a Search is
 * immutable and the index serialises what it must.
 */
public final class Search {
    /** Index size from which the approximate graph is built and used (see bench/search.sh for the figures). */
    public static final long DEFAULT_APPROXIMATE_ABOVE = 100_000;

    private final EmbeddingIndex index;
    private final float[] query;
    private final int k;
    private final float minScore;
    private final boolean exact;
    private final long approximateAbove;
    private final Consumer<String> warnings;

    private Search(Builder b, float[] query) {
        this.index = b.index;
        this.query = query;
        this.k = b.k;
        this.minScore = b.minScore;
        this.exact = b.exact;
        this.approximateAbove = b.approximateAbove;
        this.warnings = b.warnings;
    }

    public static Builder builder(EmbeddingIndex index, ClipModel model) {
        return new Builder(index, model);
    }

    /** The normalised query vector. */
    public float[] queryVector() {
        return query.clone();
    }

    /**
     * Runs the search.
     *
     * @return at most k hits at or above the minimum score, best first (ties by path)
     * @throws IOException if the index cannot be read
     */
    public List<SearchHit> run() throws IOException {
        List<Scored> found = null;
        long n = index.size();
        if (!exact && n >= approximateAbove) {
            found = approximate(n);
        }
        if (found == null) {
            found = index.exactScorer().top(query, k, minScore, index::vector, Search::present);
        }
        List<SearchHit> out = new ArrayList<>(found.size());
        for (Scored s : found) {
            out.add(new SearchHit(out.size() + 1, Path.of(s.path()), s.score()));
        }
        return List.copyOf(out);
    }

    /** Hits from the graph, or null when there is no current graph (exact search then runs). */
    private List<Scored> approximate(long n) throws IOException {
        Hnsw graph = index.graph();
        if (graph == null) {
            warnings.accept("no current approximate graph for " + n + " images (update the index to build it): exact search");
            return null;
        }
        int want = k;
        while (true) {
            int ask = (int) Math.min(n, Math.max(2L * want, want + 16));
            List<Scored> raw = graph.search(query, ask, Math.max(ask, 100));
            List<Scored> out = new ArrayList<>();
            for (Scored s : raw) {
                if (s.score() >= minScore && present(s.path())) {
                    out.add(s);
                }
            }
            out.sort(ExactScorer.ORDER);
            boolean belowMin = !raw.isEmpty() && raw.get(raw.size() - 1).score() < minScore;
            if (out.size() >= k || raw.size() < ask || belowMin || ask >= n) {
                return out.size() > k ? out.subList(0, k) : out;
            }
            want = ask * 2; // files that vanished took places: look further
        }
    }

    /** Thumbnail side of the contact sheet, in pixels. */
    static final int THUMBNAIL = 240;

    /**
     * Writes a self-contained HTML page of these hits (thumbnails embedded as data URIs, rank,
     * score, path, a link to each file) that opens in any browser; replaces {@code out} atomically.
     */
    public static void contactSheet(Path out, String title, List<SearchHit> hits) throws IOException {
        ImagePreprocessor thumbs = ImagePreprocessor.builder().size(THUMBNAIL).build();
        List<io.clipkit.search.ContactSheet.Card> cards = new ArrayList<>();
        for (SearchHit h : hits) {
            cards.add(new io.clipkit.search.ContactSheet.Card(h.rank(), h.path(), h.score()));
        }
        io.clipkit.search.ContactSheet.write(out, Objects.requireNonNull(title, "title"), cards, thumbs::crop);
    }

    /** Whether the indexed file is still there; a video frame ({@code clip.mp4#t=12.500}) asks for its video. */
    private static boolean present(String path) {
        return Files.exists(Path.of(io.clipkit.video.VideoFrame.source(path)));
    }

    /** Builds a query; each setter checks its value at once. Not thread-safe; the Search it builds is. */
    public static final class Builder {
        private final EmbeddingIndex index;
        private final ClipModel model;
        private final List<String> texts = new ArrayList<>();
        private final List<Path> images = new ArrayList<>();
        private final List<float[]> vectors = new ArrayList<>();
        private final List<String> negatives = new ArrayList<>();
        private String template = "{}";
        private int k = 10;
        private float minScore = -1;
        private boolean exact;
        private long approximateAbove = DEFAULT_APPROXIMATE_ABOVE;
        private Consumer<String> warnings = w -> {};

        private Builder(EmbeddingIndex index, ClipModel model) {
            this.index = Objects.requireNonNull(index, "index");
            this.model = Objects.requireNonNull(model, "model");
            ModelInfo info = model.info();
            if (!info.checkpointSha256().equals(index.key().checkpointSha256()) || info.embedDim() != index.key().dim()) {
                throw new IllegalArgumentException("model " + info.name() + " (sha256 " + info.checkpointSha256()
                        + ") is not the model of index " + index.file() + " (" + index.key().modelName() + ", sha256 "
                        + index.key().checkpointSha256() + ")");
            }
        }

        /** A text to look for, embedded as written (or through {@link #template}). */
        public Builder text(String text) {
            texts.add(nonBlank(text, "query text"));
            return this;
        }

        /** An example image: its indexed embedding if the index holds the file as it is now, else it is embedded. */
        public Builder image(Path image) {
            images.add(Objects.requireNonNull(image, "image"));
            return this;
        }

        /** An embedding to add to the query as it is (normalised first). */
        public Builder vector(float[] vector) {
            if (vector == null || vector.length != index.key().dim()) {
                throw new IllegalArgumentException("query vector must have " + index.key().dim() + " values, got "
                        + (vector == null ? "null" : vector.length));
            }
            vectors.add(vector.clone());
            return this;
        }

        /** A text whose embedding is subtracted ("not this"). */
        public Builder negative(String text) {
            negatives.add(nonBlank(text, "negative text"));
            return this;
        }

        /** Template for the texts and negatives, containing {@code {}} (default {@code {}}: as written). */
        public Builder template(String template) {
            this.template = PromptTemplates.check(List.of(template)).get(0);
            return this;
        }

        /** At most this many hits (default 10). */
        public Builder k(int k) {
            this.k = Checks.topK(k);
            return this;
        }

        /** Leaves out hits with a lower cosine, in [-1, 1] (default -1: none). */
        public Builder minScore(float minScore) {
            if (!(minScore >= -1f && minScore <= 1f)) {
                throw new IllegalArgumentException("min score must be in -1..1, got " + minScore);
            }
            this.minScore = minScore;
            return this;
        }

        /** Scores every vector even when an approximate graph exists. */
        public Builder exact(boolean exact) {
            this.exact = exact;
            return this;
        }

        /** Index size from which a current approximate graph is used (default {@link Search#DEFAULT_APPROXIMATE_ABOVE}). */
        public Builder approximateAbove(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("approximate-above size must be >= 1, got " + size);
            }
            this.approximateAbove = size;
            return this;
        }

        /** Receives warnings: a truncated query text, a stale approximate graph. */
        public Builder warnings(Consumer<String> warnings) {
            this.warnings = Objects.requireNonNull(warnings, "warnings");
            return this;
        }

        /**
         * Embeds the query.
         *
         * @throws IllegalArgumentException if there is nothing to search for, or the parts cancel out
         * @throws IOException if an example image cannot be read or decoded (the message names it)
         */
        public Search build() throws IOException {
            if (texts.isEmpty() && images.isEmpty() && vectors.isEmpty()) {
                throw new IllegalArgumentException("nothing to search for: give a text, an image or a vector"
                        + (negatives.isEmpty() ? "" : " (negative texts only subtract)"));
            }
            int dim = index.key().dim();
            double[] sum = new double[dim];
            for (float[] v : embedTexts(texts)) {
                add(sum, v, 1);
            }
            for (float[] v : embedTexts(negatives)) {
                add(sum, v, -1);
            }
            for (Path p : images) {
                float[] v = index.vector(p);
                if (v == null) {
                    v = model.encodeImages(List.of(p))[0];
                }
                add(sum, v, 1);
            }
            for (float[] v : vectors) {
                add(sum, normalized(v), 1);
            }
            double norm = 0;
            for (double x : sum) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            if (!(norm > 1e-6)) {
                throw new IllegalArgumentException("the query parts cancel out (their sum is a zero vector)");
            }
            float[] q = new float[dim];
            for (int i = 0; i < dim; i++) {
                q[i] = (float) (sum[i] / norm);
            }
            return new Search(this, q);
        }

        /** Builds and runs. */
        public List<SearchHit> run() throws IOException {
            return build().run();
        }

        private List<float[]> embedTexts(List<String> ts) {
            if (ts.isEmpty()) {
                return List.of();
            }
            int ctx = model.info().contextLength();
            int[][] rows = new int[ts.size()][];
            for (int i = 0; i < rows.length; i++) {
                String t = template.replace("{}", ts.get(i));
                rows[i] = model.tokenizer().encodeForModel(t, ctx,
                        why -> warnings.accept("query \"" + t + "\" truncated to the model's context: " + why));
            }
            return List.of(model.encodeTokens(rows, true));
        }

        private static void add(double[] sum, float[] v, int sign) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += sign * (double) v[i];
            }
        }

        private static float[] normalized(float[] v) {
            double s = 0;
            for (float x : v) {
                s += (double) x * x;
            }
            double n = Math.sqrt(s);
            if (!(n > 0)) {
                throw new IllegalArgumentException("query vector is zero");
            }
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) (v[i] / n);
            }
            return out;
        }

        private static String nonBlank(String s, String what) {
            if (s == null || s.isBlank()) {
                throw new IllegalArgumentException(what + " is blank");
            }
            return s;
        }
    }
}
