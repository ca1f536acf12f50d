package io.clipkit;

import io.clipkit.batch.TagEngine;
import io.clipkit.batch.TagSettings;
import io.clipkit.batch.PreprocessingKey;
import java.io.IOException;
import java.io.Writer;
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
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").load()) {
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
 * <p>Thread-safety: a Tagger is immutable; each {@link #run} is independent. Two runs on one output
 * file (or one index), in this process or another, are refused: the second gets an IOException.
 */
public final class Tagger {
    private final TagSettings settings;
    private final Writer stream;

    private Tagger(TagSettings settings, Writer stream) {
        this.settings = settings;
        this.stream = stream;
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
        return run(inputs, new TagListener() {});
    }

    /** The same, reporting progress and results to {@code listener}. */
    public TagSummary run(List<Path> inputs, TagListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("no input files or folders given");
        }
        return new TagEngine(settings, stream).run(List.copyOf(inputs), listener);
    }

    /** Validating builder; every setter rejects a bad value at once, naming it. */
    public static final class Builder {
        private final ClipModel model;
        private ImagePreprocessor preprocessor;
        private boolean exifRotate = true;
        private String preprocessingKey;
        private List<String> labels = List.of();
        private List<String> templates; // null: the model's (ModelSpec.templates)
        private int topK = 5;
        private float minScore = 0;
        private boolean recursive;
        private final List<String> includes = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private Path output;
        private XmpMode xmp = XmpMode.NONE;
        private Writer stream;
        private int batchSize = 32;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private boolean force;
        private Path index;
        private Duration decodeTimeout = Duration.ofMinutes(5);
        private int encoderCalls = 1;
        private int decodeMemoryMb = io.clipkit.batch.DecodeStage.DEFAULT_MEMORY_MB;
        private io.clipkit.video.VideoSampler videoSampler = io.clipkit.video.VideoSampler.find().orElse(null);
        private io.clipkit.video.VideoOptions videoOptions = io.clipkit.video.VideoOptions.defaults();

        private Builder(ClipModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The image pipeline; defaults to the model's (EXIF rotation on). */
        public Builder preprocessor(ImagePreprocessor preprocessor) {
            return preprocessor(preprocessor, true);
        }

        /**
         * The image pipeline, and whether it rotates by EXIF: with the model's image spec at the
         * pipeline's size this is how the pixels are described in the index and the records (an
         * index made from other pixels is refused; records made from other pixels are redone).
         */
        public Builder preprocessor(ImagePreprocessor preprocessor, boolean exifRotate) {
            this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
            this.exifRotate = exifRotate;
            this.preprocessingKey = null;
            return this;
        }

        /**
         * The image pipeline with the description an existing index already holds
         * ({@link EmbeddingIndex.Key#preprocessing()}): for filling that index.
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

        /**
         * Prompt templates, each containing {@code {}}; label embeddings average over them. Default the
         * model's own ({@code model.info().spec().templates()}).
         */
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

        /**
         * Records as JSON Lines to this writer instead of a file (no resume). A failed write (a
         * closed pipe, a full disk; a {@link java.io.PrintWriter}'s swallowed errors are checked)
         * ends the run with an IOException.
         */
        public Builder stream(Writer out) {
            this.stream = Objects.requireNonNull(out, "out");
            return this;
        }

        /** Where XMP keywords go (default {@link XmpMode#NONE}: no user file is touched). */
        public Builder xmp(XmpMode xmp) {
            this.xmp = Objects.requireNonNull(xmp, "xmp");
            return this;
        }

        /** Images per forward pass of the image encoder. */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /** Decoding threads (1..256). */
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

        /**
         * Image-encoder calls run at once (default 1). With a model loaded with one intra-op
         * thread, N calls run N single-threaded batches side by side: no barrier between threads in
         * every operation, which on a small or shared machine costs more than it gains.
         */
        public Builder encoderCalls(int calls) {
            if (calls < 1 || calls > 64) {
                throw new IllegalArgumentException("encoder calls must be in 1..64, got " + calls);
            }
            this.encoderCalls = calls;
            return this;
        }

        /**
         * The most heap (MB) spent on decoding images at once (default 512): large images then
         * decode one at a time. An image that needs more is refused before decoding, by name.
         */
        public Builder decodeMemoryMb(int mb) {
            if (mb < 1 || mb > 1 << 20) {
                throw new IllegalArgumentException("decode memory must be in 1..1048576 MB, got " + mb);
            }
            this.decodeMemoryMb = mb;
            return this;
        }

        /**
         * How video frames are sampled (default {@link io.clipkit.video.VideoOptions#defaults()}): each
         * video gets one record with its overall labels and a timeline of segments.
         */
        public Builder video(io.clipkit.video.VideoOptions options) {
            this.videoOptions = Objects.requireNonNull(options, "video options");
            return this;
        }

        /**
         * The video decoder (default: the one on the classpath, {@code clip-video}); null records
         * video files as unsupported.
         */
        public Builder videoSampler(io.clipkit.video.VideoSampler sampler) {
            this.videoSampler = sampler;
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
            if (stream != null && output != null) {
                throw new IllegalArgumentException("records go to an output file or a stream, not both");
            }
            ImagePreprocessor pre = preprocessor != null ? preprocessor : model.preprocessor();
            String key = preprocessingKey != null ? preprocessingKey : PreprocessingKey.of(model, pre.size(), exifRotate, pre.fast());
            return new Tagger(new TagSettings(model, pre, key, labels,
                    templates != null ? templates : model.info().spec().templates(), topK, minScore, recursive,
                    List.copyOf(includes), List.copyOf(excludes), output, xmp, batchSize, threads, force, index,
                    decodeTimeout, encoderCalls, decodeMemoryMb, videoSampler, videoOptions), stream);
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
