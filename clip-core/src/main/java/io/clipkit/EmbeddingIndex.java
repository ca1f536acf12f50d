package io.clipkit;

import io.clipkit.batch.EmbeddingCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The image embeddings of one model and one preprocessing, in one SQLite file: the index
 * {@code clip tag} fills and {@code clip index} / {@link Search} use. It owns its file, its
 * {@link Key} (a file made for another key is refused, naming what differs) and a scan over its
 * rows. Entries are keyed by absolute path + size + mtime (a stat finds an unchanged file) and
 * by the file's SHA-256 (a moved or copied photo is not encoded again).
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").load();
 *         EmbeddingIndex index = EmbeddingIndex.open(
 *                 EmbeddingIndex.defaultPath(cacheDir, model.info()), EmbeddingIndex.Key.of(model))) {
 *     EmbeddingIndex.UpdateSummary s = index.updater(model).recursive(true).update(List.of(Path.of("Photos")));
 *     List<SearchHit> hits = Search.builder(index, model).text("a dog on the beach").k(10).run();
 * }
 * }</pre>
 *
 * <p>Thread-safe: one connection, calls serialised. A missing, foreign or corrupt file is an
 * {@link IOException} and is never modified or replaced.
 */
public final class EmbeddingIndex implements AutoCloseable {
    /**
     * What the vectors of an index depend on; an index is only used with the same key.
     *
     * @param modelName the model's name (informational: the SHA-256 decides)
     * @param checkpointSha256 SHA-256 of the checkpoint the vectors came from
     * @param dim embedding size
     * @param preprocessing the image preprocessing, as {@link #preprocessing(int, boolean)} writes it
     */
    public record Key(String modelName, String checkpointSha256, int dim, String preprocessing) {
        public Key {
            Objects.requireNonNull(modelName, "modelName");
            if (checkpointSha256 == null || checkpointSha256.isBlank()) {
                throw new IllegalArgumentException("blank checkpoint SHA-256");
            }
            if (dim < 1) {
                throw new IllegalArgumentException("embedding size must be >= 1, got " + dim);
            }
            if (preprocessing == null || preprocessing.isBlank()) {
                throw new IllegalArgumentException("blank preprocessing description");
            }
        }

        /** The key of a model with its own preprocessing (EXIF rotation on), as {@link Tagger} uses by default. */
        public static Key of(ClipModel model) {
            return of(model.info(), io.clipkit.batch.PreprocessingKey.of(model, model.info().imageResolution(), true));
        }

        /** The key of a model with a described preprocessing. */
        public static Key of(ModelInfo info, String preprocessing) {
            return new Key(info.name(), info.checkpointSha256(), info.embedDim(), preprocessing);
        }

        /** The one spelling of the preprocessing settings: {@code size=224;exif=true}. */
        public static String preprocessing(int size, boolean exifRotate) {
            return io.clipkit.batch.PreprocessingKey.of(ModelSpec.Image.openai(size), exifRotate);
        }
    }

    /**
     * One indexed file.
     *
     * @param path absolute, normalised path as indexed
     * @param size file size in bytes when it was embedded
     * @param mtime last-modified time then, an ISO-8601 instant
     * @param sha256 SHA-256 of the file's bytes, lower-case hex (empty if it was never hashed)
     * @param vector the L2-normalised embedding; a fresh array per row, not shared with the index
     */
    public record Row(String path, long size, String mtime, String sha256, float[] vector) {}

    /**
     * What an {@link Updater} did.
     *
     * @param embedded files embedded now (decoded and encoded)
     * @param unchanged files found by path, size and mtime (a stat and a lookup each)
     * @param failed files that could not be embedded (not images, corrupt...); not in the index
     * @param removed index entries dropped because their file is gone, changed to a non-image or failed
     * @param indexed paths in the index afterwards
     * @param failures the failed files with their reasons, in discovery order
     * @param elapsed wall time of the update
     * @param graphBuilt whether the approximate search graph was (re)built
     */
    public record UpdateSummary(long embedded, long unchanged, long failed, long removed, long indexed,
            java.util.List<TagResult> failures, java.time.Duration elapsed, boolean graphBuilt) {
        public UpdateSummary {
            failures = java.util.List.copyOf(failures);
        }
    }

    private final EmbeddingCache cache;
    private final Key key;

    private EmbeddingIndex(EmbeddingCache cache, Key key) {
        this.cache = cache;
        this.key = key;
    }

    /**
     * Where an index lives unless told otherwise: one file per model under the cache folder,
     * {@code <cacheDir>/embeddings/<model name>-<first 16 hex of the checkpoint SHA-256>.sqlite}.
     */
    public static Path defaultPath(Path cacheDir, ModelInfo info) {
        String sha = info.checkpointSha256();
        String name = info.name().replaceAll("[^A-Za-z0-9._-]", "_");
        return cacheDir.resolve("embeddings").resolve(name + "-" + sha.substring(0, Math.min(16, sha.length())) + ".sqlite");
    }

    /**
     * Opens the index, creating it (and its folder) if there is no file yet.
     *
     * @throws IOException if the file exists but is not a clipkit index, is corrupt, or was made
     *     with another key (the message says which part); the file is left as it was
     */
    public static EmbeddingIndex open(Path file, Key key) throws IOException {
        return new EmbeddingIndex(EmbeddingCache.open(file, key.checkpointSha256(), key.modelName(), key.dim(),
                key.preprocessing()), key);
    }

    /**
     * Opens an existing index read-only, for searching.
     *
     * @throws NoSuchFileException if there is no such file (nothing is created)
     * @throws IOException as {@link #open}
     */
    public static EmbeddingIndex openExisting(Path file, Key key) throws IOException {
        return new EmbeddingIndex(EmbeddingCache.openExisting(file, key.checkpointSha256(), key.modelName(), key.dim(),
                key.preprocessing()), key);
    }

    /**
     * The key an existing index was made with, read without changing the file: e.g. to load the
     * model it needs.
     */
    public static Key readKey(Path file) throws IOException {
        Map<String, String> meta = EmbeddingCache.readMeta(file);
        try {
            return new Key(Objects.requireNonNullElse(meta.get("model_name"), ""), meta.get("model_sha256"),
                    Integer.parseInt(meta.get("dim")), meta.get("preprocessing"));
        } catch (RuntimeException e) {
            throw new IOException("embedding index " + file + " has corrupt metadata (" + e.getMessage() + ")", e);
        }
    }

    public Path file() {
        return cache.file();
    }

    public Key key() {
        return key;
    }

    /** Number of indexed paths. */
    public long size() throws IOException {
        return cache.paths();
    }

    /** Calls {@code consumer} with every indexed file, in path order. */
    public void scan(java.util.function.Consumer<Row> consumer) throws IOException {
        Objects.requireNonNull(consumer, "consumer");
        cache.scan((path, size, mtime, hash, vector) ->
                consumer.accept(new Row(path, size, mtime, hash == null ? "" : io.clipkit.util.Hashes.hex(hash), vector)));
    }

    /**
     * The stored embedding of this image file if the index holds it with its current size and
     * mtime (so it is the embedding of what is on disk now), else null.
     */
    public float[] vector(Path image) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(image, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
        return cache.byPath(absolute(image), a.size(), a.lastModifiedTime().toInstant().toString());
    }

    /** The stored embedding of an indexed path (as {@link Row#path()} gives it), or null. */
    public float[] vector(String indexedPath) throws IOException {
        return cache.byPathOnly(indexedPath);
    }

    /**
     * Removes these indexed paths (and the vectors no other path shares).
     *
     * @return how many were in the index
     */
    public int remove(Collection<String> indexedPaths) throws IOException {
        return cache.removePaths(indexedPaths);
    }

    /**
     * An updater that embeds folders into this index with {@code model}, which must match the
     * index's key.
     *
     * @throws IllegalArgumentException if the model's checkpoint or embedding size is not the key's
     */
    public Updater updater(ClipModel model) {
        return new Updater(this, model);
    }

    private io.clipkit.search.ExactScorer scorer;
    private long scorerGeneration = Long.MIN_VALUE;
    private io.clipkit.search.Hnsw graph;
    private long graphGeneration = Long.MIN_VALUE;

    /**
     * The half-precision copy exact search scans, loaded on first use and again after the index
     * changed (its generation moved). One copy per open index, shared by all searches.
     */
    synchronized io.clipkit.search.ExactScorer exactScorer() throws IOException {
        long g = generation();
        // g < 0 (a file from before change tracking, opened read-only): it cannot be told apart from
        // a changed one, so the copy is kept for the life of this handle.
        if (scorer == null || g != scorerGeneration) {
            io.clipkit.search.ExactScorer.Builder b = new io.clipkit.search.ExactScorer.Builder(key.dim());
            cache.scan((path, size, mtime, hash, vector) -> b.add(path, vector));
            scorer = b.build();
            scorerGeneration = g;
        }
        return scorer;
    }

    /** The current approximate graph, or null if none was built for this state of the index. */
    synchronized io.clipkit.search.Hnsw graph() throws IOException {
        long g = generation();
        if (graph != null && g == graphGeneration) {
            return graph;
        }
        if (graph != null) {
            graph.close();
            graph = null;
        }
        graph = io.clipkit.search.Hnsw.openIfCurrent(io.clipkit.search.Hnsw.folderOf(file()), g, graphKey());
        graphGeneration = g;
        return graph;
    }

    /**
     * Builds the approximate graph for the index as it is now, unless a current one exists.
     *
     * @return true if it was (re)built
     */
    public synchronized boolean buildApproximate() throws IOException {
        long g = generation();
        if (g < 0) {
            throw new IOException("embedding index " + file() + " does not track changes (made by an older version, opened"
                    + " read-only): open it for writing once");
        }
        java.nio.file.Path folder = io.clipkit.search.Hnsw.folderOf(file());
        if (io.clipkit.search.Hnsw.isCurrent(folder, g, graphKey())) {
            return false;
        }
        if (graph != null) {
            graph.close();
            graph = null;
        }
        io.clipkit.search.Hnsw.build(folder, g, graphKey(),
                c -> cache.scan((path, size, mtime, hash, vector) -> c.accept(path, vector)), 512);
        return true;
    }

    private String graphKey() {
        return key.checkpointSha256() + "|" + key.dim() + "|" + key.preprocessing();
    }

    /** Changes whenever a path is added, replaced or removed; -1 if the file does not track it. */
    long generation() throws IOException {
        return cache.generation();
    }

    EmbeddingCache cache() {
        return cache;
    }

    /** The path form the index stores: absolute and normalised, as the tagger writes it. */
    static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    @Override
    public synchronized void close() {
        if (graph != null) {
            graph.close();
            graph = null;
        }
        scorer = null;
        cache.close();
    }

    /**
     * Brings the index up to date with folders: new and changed images are embedded (through the
     * same pipeline as {@link Tagger}: same keys, same handling of broken files), unchanged ones
     * cost a stat, and entries under the folders whose file is gone (or no longer an image) are
     * removed unless {@link #keepMissing(boolean)}. Safe to interrupt: what was embedded stays.
     */
    public static final class Updater {
        private final EmbeddingIndex index;
        private final ClipModel model;
        private ImagePreprocessor preprocessor;
        private boolean recursive;
        private boolean keepMissing;
        private int batchSize = 32;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private final java.util.List<String> includes = new java.util.ArrayList<>();
        private final java.util.List<String> excludes = new java.util.ArrayList<>();
        private TagListener listener = new TagListener() {};
        private long approximateAbove = Search.DEFAULT_APPROXIMATE_ABOVE;
        private java.time.Duration decodeTimeout = java.time.Duration.ofMinutes(5);

        private Updater(EmbeddingIndex index, ClipModel model) {
            this.index = index;
            this.model = Objects.requireNonNull(model, "model");
            ModelInfo info = model.info();
            if (!info.checkpointSha256().equals(index.key.checkpointSha256()) || info.embedDim() != index.key.dim()) {
                throw new IllegalArgumentException("model " + info.name() + " (sha256 " + info.checkpointSha256()
                        + ") is not the model of index " + index.file() + " (" + index.key.modelName() + ", sha256 "
                        + index.key.checkpointSha256() + ")");
            }
        }

        /**
         * The image pipeline; must be the one the key describes (default: the model's own, which
         * {@link Key#of(ClipModel)} describes).
         */
        public Updater preprocessor(ImagePreprocessor preprocessor) {
            this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
            return this;
        }

        /** Search sub-folders too (default false). */
        public Updater recursive(boolean recursive) {
            this.recursive = recursive;
            return this;
        }

        /** Keep entries whose file is gone (e.g. an unmounted drive); search still leaves them out. */
        public Updater keepMissing(boolean keepMissing) {
            this.keepMissing = keepMissing;
            return this;
        }

        /** Images per forward pass (default 32). */
        public Updater batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /** Decoding threads (default: the number of CPUs). */
        public Updater threads(int threads) {
            this.threads = Checks.threads(threads, false);
            return this;
        }

        /** How long one file may take to decode before it is counted as failed (default 5 minutes). */
        public Updater decodeTimeout(java.time.Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("decode timeout must be positive, got " + timeout);
            }
            this.decodeTimeout = timeout;
            return this;
        }

        /** Only files matching this glob (see {@link Tagger.Builder#include}). */
        public Updater include(String glob) {
            includes.add(glob);
            return this;
        }

        /** Leaves out matching files and folders. */
        public Updater exclude(String glob) {
            excludes.add(glob);
            return this;
        }

        /** Progress and per-file results (labels are empty: nothing is ranked). */
        public Updater listener(TagListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * From this many indexed images on, the update also (re)builds the approximate search graph
         * (default {@link Search#DEFAULT_APPROXIMATE_ABOVE}); use the same value when searching.
         */
        public Updater approximateAbove(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("approximate-above size must be >= 1, got " + size);
            }
            this.approximateAbove = size;
            return this;
        }

        /**
         * Embeds what is new or changed under the inputs and drops what vanished.
         *
         * @throws IllegalArgumentException if an input does not exist
         * @throws IOException if the index cannot be written
         */
        public UpdateSummary update(java.util.List<Path> inputs) throws IOException {
            if (preprocessor == null && !Key.of(model).preprocessing().equals(index.key.preprocessing())) {
                throw new IllegalArgumentException("index " + index.file() + " was made with preprocessing "
                        + index.key.preprocessing() + ": give the matching preprocessor(...)");
            }
            UpdateSummary s = new IndexUpdate(index, model, preprocessor, recursive, keepMissing, batchSize, threads,
                    java.util.List.copyOf(includes), java.util.List.copyOf(excludes), decodeTimeout, listener).run(inputs);
            if (s.indexed() < approximateAbove || !index.buildApproximate()) {
                return s;
            }
            return new UpdateSummary(s.embedded(), s.unchanged(), s.failed(), s.removed(), s.indexed(), s.failures(),
                    s.elapsed(), true);
        }
    }
}
