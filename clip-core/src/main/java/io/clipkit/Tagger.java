package io.clipkit;

import io.clipkit.batch.TagEngine;
import io.clipkit.batch.TagSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tags folders of images in batch: streams the files, decodes them on a bounded thread pool,
 * encodes them in batches, ranks them against the labels and writes one record per file as it
 * goes (JSON Lines or CSV), optionally XMP keywords. Re-running with the same output resumes;
 * an embedding index makes re-tagging with new labels decode nothing.
 *
 * <pre>{@code
 * try (ClipModel model = io.clipkit.model.ModelLoader.load(Path.of("ViT-B-32.pt"), ModelOptions.defaults())) {
 *     TagSummary s = Tagger.builder(model)
 *             .labels(List.of("beach", "mountain", "city"))
 *             .recursive(true)
 *             .output(Path.of("tags.jsonl"))
 *             .index(Path.of("embeddings.sqlite"))
 *             .build()
 *             .run(List.of(Path.of("Photos")));
 *     System.out.println(s.ok() + " tagged, " + s.failed() + " failed");
 * }
 * }</pre>
 *
 * <p>Thread-safety: a Tagger is immutable; each {@link #run} is independent, but two runs must not
 * share one output file.
 */
public final class Tagger {
    /** Where XMP keywords go. */
    public enum Xmp {
        /** No XMP: no user file is touched. */
        NONE,
        /** {@code <file name>.xmp} beside each image, merged with an existing one. */
        SIDECAR,
        /** Into the JPEG's own XMP segment (other formats get a sidecar). */
        EMBED;

        /** Parses {@code none}, {@code sidecar} or {@code embed}. */
        public static Xmp parse(String s) {
            for (Xmp x : values()) {
                if (x.name().equalsIgnoreCase(s)) {
                    return x;
                }
            }
            throw new IllegalArgumentException("bad XMP mode '" + s + "': use sidecar or embed");
        }
    }

    /** Observes a run; called from a single thread, in output order. */
    public interface Listener {
        /** Discovery found {@code files} candidate files so far; {@code complete} once the walk ended. */
        default void discovered(long files, boolean complete) {}

        /** A file got its record (not called for files resumed from an earlier run). */
        default void result(TagResult result) {}

        /** A file was already recorded by an earlier run and is not redone. */
        default void resumed(Path path) {}

        /** Something the user should know that is not a file's failure (e.g. a truncated prompt). */
        default void warning(String message) {}
    }

    private final TagSettings settings;

    private Tagger(TagSettings settings) {
        this.settings = settings;
    }

    public static Builder builder(ClipModel model) {
        return new Builder(model);
    }

    /**
     * Tags every image under the inputs (files are taken as they are, folders are searched).
     *
     * @throws IllegalArgumentException if an input does not exist
     * @throws IOException if the output or the index cannot be used (a fatal error; per-file
     *     failures become error records instead)
     */
    public TagSummary run(List<Path> inputs) throws IOException {
        return run(inputs, new Listener() {});
    }

    /** The same, reporting progress and results to {@code listener}. */
    public TagSummary run(List<Path> inputs, Listener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("no input files or folders given");
        }
        return new TagEngine(settings).run(List.copyOf(inputs), listener);
    }

    /** Validating builder; every setter rejects a bad value at once, naming it. */
    public static final class Builder {
        private final ClipModel model;
        private ImagePreprocessor preprocessor;
        private String preprocessingKey;
        private List<String> labels = List.of();
        private List<String> templates = PromptTemplates.defaults();
        private int topK = 5;
        private float minScore = 0;
        private boolean recursive;
        private final List<String> includes = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private Path output;
        private Xmp xmp = Xmp.NONE;
        private int batchSize = 32;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private boolean force;
        private Path index;
        private Duration decodeTimeout = Duration.ofMinutes(5);

        private Builder(ClipModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The image pipeline; defaults to the model's. */
        public Builder preprocessor(ImagePreprocessor preprocessor) {
            return preprocessor(preprocessor, "size=" + preprocessor.size() + ";exif=true");
        }

        /**
         * The image pipeline, and how it is described in the embedding index: an index made with
         * another description is refused (its embeddings came from other pixels).
         */
        public Builder preprocessor(ImagePreprocessor preprocessor, String indexKey) {
            this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
            if (indexKey == null || indexKey.isBlank()) {
                throw new IllegalArgumentException("blank preprocessing description");
            }
            this.preprocessingKey = indexKey;
            return this;
        }

        /** The candidate labels: non-blank, distinct, at least one. */
        public Builder labels(List<String> labels) {
            this.labels = Labels.check(labels);
            return this;
        }

        /** Prompt templates, each containing {@code {}}; label embeddings average over them. */
        public Builder templates(List<String> templates) {
            this.templates = PromptTemplates.check(templates);
            return this;
        }

        /** Uses the built-in prompt ensemble ({@link PromptTemplates#ensemble()}). */
        public Builder ensemble() {
            this.templates = PromptTemplates.ensemble();
            return this;
        }

        /** How many labels each record keeps, best first. */
        public Builder topK(int topK) {
            this.topK = Checks.topK(topK);
            return this;
        }

        /** Labels below this probability are left out of records and XMP keywords. */
        public Builder minScore(float minScore) {
            this.minScore = Checks.minScore(minScore);
            return this;
        }

        /** Search sub-folders too. */
        public Builder recursive(boolean recursive) {
            this.recursive = recursive;
            return this;
        }

        /**
         * Only files matching this glob (on the file name, or on the path below the input folder
         * when it has a {@code /}). Without any, the usual image extensions.
         */
        public Builder include(String glob) {
            includes.add(checkGlob(glob));
            return this;
        }

        /** Leaves out files and folders matching this glob. */
        public Builder exclude(String glob) {
            excludes.add(checkGlob(glob));
            return this;
        }

        /** Results file, {@code .jsonl} or {@code .csv}; none writes only to the listener. */
        public Builder output(Path output) {
            String name = Objects.requireNonNull(output, "output").getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!(name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") || name.endsWith(".csv"))) {
                throw new IllegalArgumentException("output " + output + ": use a .jsonl or .csv file name");
            }
            this.output = output;
            return this;
        }

        public Builder xmp(Xmp xmp) {
            this.xmp = Objects.requireNonNull(xmp, "xmp");
            return this;
        }

        /** Images per forward pass of the image encoder. */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /** Decoding threads. */
        public Builder threads(int threads) {
            this.threads = Checks.threads(threads, false);
            return this;
        }

        /** Redo every file: the output is started afresh instead of resumed. */
        public Builder force(boolean force) {
            this.force = force;
            return this;
        }

        /** The embedding index (SQLite) to read and fill; none disables caching. */
        public Builder index(Path index) {
            this.index = index;
            return this;
        }

        /** How long one file may take to decode before it is recorded as an error. */
        public Builder decodeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("decode timeout must be positive, got " + timeout);
            }
            this.decodeTimeout = timeout;
            return this;
        }

        public Tagger build() {
            if (labels.isEmpty()) {
                throw new IllegalArgumentException("no labels given");
            }
            ImagePreprocessor pre = preprocessor != null ? preprocessor : model.preprocessor();
            String key = preprocessingKey != null ? preprocessingKey : "size=" + pre.size() + ";exif=true";
            return new Tagger(new TagSettings(model, pre, key, labels,
                    templates, topK, minScore, recursive, List.copyOf(includes), List.copyOf(excludes), output, xmp,
                    batchSize, threads, force, index, decodeTimeout));
        }

        private static String checkGlob(String glob) {
            if (glob == null || glob.isBlank()) {
                throw new IllegalArgumentException("empty glob");
            }
            try {
                java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad glob '" + glob + "': " + e.getMessage());
            }
            return glob;
        }
    }
}
