package io.clipkit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.engine.Engines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Zero-shot image classification with a {@link ClipModel}: each label becomes prompts from the
 * templates; its embedding is the mean of the L2-normalized prompt embeddings, normalized again.
 * Images are scored as one matrix product on the model's device, as the model's family spec says
 * ({@link ModelSpec.Scoring}): CLIP's softmax over the labels of {@code logitScale * cosine}, or
 * SigLIP's independent {@code sigmoid(logitScale * cosine + logitBias)} per label.
 *
 * <p>Label embeddings are computed when the classifier is built and cached per (checkpoint, labels,
 * templates) for the whole JVM, so building another classifier for the same labels is cheap.
 * A classifier is immutable and thread-safe: one instance serves any number of threads. Close it
 * to free its native memory manager (the model stays open).
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").load();
 *      ZeroShotClassifier c = ZeroShotClassifier.builder()
 *              .model(model).labels("cat", "dog", "car").ensemble().topK(2).build()) {
 *     Classification r = c.classify(Path.of("photo.jpg"));
 *     r.best().ifPresent(b -> System.out.println(b.label() + " " + b.probability()));
 * }
 * }</pre>
 */
public final class ZeroShotClassifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ZeroShotClassifier.class.getName());

    private final ClipModel model;
    private final List<String> labels;
    private final List<String> templates;
    private final int topK;
    private final float minScore;
    private final ModelSpec.Scoring scoring;
    private final int dim;
    /** Label embeddings, row-major [labels x dim]; never modified. */
    private final float[] labelMatrix;
    private final Provenance provenance;
    private final NDManager manager;
    private final int imageBatch;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ZeroShotClassifier(Builder b) {
        this.model = b.model;
        this.labels = b.labels;
        // no templates given: the model's own (OpenAI's models: "a photo of a {}.")
        this.templates = b.templates != null ? b.templates : model.info().spec().templates();
        this.topK = b.topK;
        this.minScore = b.minScore;
        this.scoring = model.info().spec().scoring();
        float[][] emb = LabelEmbeddingCache.get(
                LabelEmbeddingCache.key(model, labels, templates),
                () -> embedLabels(model, labels, templates, b.batchSize, b.warnings));
        this.dim = emb[0].length;
        this.labelMatrix = new float[labels.size() * dim];
        for (int i = 0; i < emb.length; i++) {
            System.arraycopy(emb[i], 0, labelMatrix, i * dim, dim);
        }
        ModelInfo info = model.info();
        this.provenance = Provenance.of(info, templates);
        this.manager = Engines.pytorch().newBaseManager(Device.fromName(info.device()));
        this.imageBatch = b.batchSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The labels, in the order given. */
    public List<String> labels() {
        return labels;
    }

    /** The prompt templates. */
    public List<String> templates() {
        return templates;
    }

    public Provenance provenance() {
        return provenance;
    }

    /** A copy of the label embeddings ({@code [labels][dim]}, L2-normalized), in label order. */
    public float[][] labelEmbeddings() {
        float[][] out = new float[labels.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(labelMatrix, i * dim, (i + 1) * dim);
        }
        return out;
    }

    /**
     * Classifies one image file.
     *
     * @throws IOException naming the file and the reason when it cannot be read or decoded
     */
    public Classification classify(Path image) throws IOException {
        Classification c = classify(List.of(image)).get(0);
        if (c.error().isPresent()) {
            throw new ImageDecodeException(image, c.error().get());
        }
        return c;
    }

    /**
     * Classifies image files: decoded on a background thread a batch ahead, encoded in batches by
     * the model, ranked here. Gives one result per image, in order: an image that cannot be read
     * or decoded gets a result with its {@link Classification#error()} and the others are still
     * classified.
     *
     * @throws IOException only when interrupted
     * @throws IllegalStateException if this classifier is closed
     */
    public List<Classification> classify(List<Path> images) throws IOException {
        List<Path> copy = List.copyOf(images);
        checkOpen();
        if (copy.isEmpty()) {
            return List.of();
        }
        List<Classification> out = new ArrayList<>(copy.size());
        try (io.clipkit.batch.ClassifyStages stages = io.clipkit.batch.ClassifyStages.start(model.preprocessor(), copy,
                imageBatch)) {
            stages.run(model, this, out::add);
        }
        return out;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this classifier is closed");
        }
    }

    /** Classifies precomputed image embeddings (they are L2-normalized here); results carry no image path. */
    public List<Classification> classifyEmbeddings(float[][] imageEmbeddings) {
        return rank(null, imageEmbeddings);
    }

    /** Classifies precomputed image embeddings of the given images (same order and count). */
    public List<Classification> classifyEmbeddings(List<Path> images, float[][] imageEmbeddings) {
        if (images.size() != imageEmbeddings.length) {
            throw new IllegalArgumentException(
                    images.size() + " image paths but " + imageEmbeddings.length + " embeddings");
        }
        return rank(List.copyOf(images), imageEmbeddings);
    }

    /**
     * The raw scores for precomputed image embeddings: {@code [images][labels]} probabilities in
     * label order (no ranking, no filters). {@code cosines}, if not null, receives the cosines.
     */
    public float[][] probabilities(float[][] imageEmbeddings, float[][] cosines) {
        Scores s = score(imageEmbeddings);
        int n = imageEmbeddings.length;
        int l = labels.size();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(s.prob, i * l, (i + 1) * l);
            if (cosines != null) {
                cosines[i] = Arrays.copyOfRange(s.cos, i * l, (i + 1) * l);
            }
        }
        return out;
    }

    private record Scores(float[] prob, float[] cos) {}

    /** One matrix product [N x d] x [d x L] and the family's scoring, in a per-call native scope. */
    private Scores score(float[][] imageEmbeddings) {
        checkOpen();
        int n = imageEmbeddings.length;
        float[] flat = new float[n * dim];
        for (int i = 0; i < n; i++) {
            float[] e = imageEmbeddings[i];
            if (e == null || e.length != dim) {
                throw new IllegalArgumentException("image embedding " + i + " has "
                        + (e == null ? "no values" : e.length + " values") + "; the model's embeddings have " + dim);
            }
            double norm = io.clipkit.util.Vectors.norm(e);
            if (!(norm > 0) || Double.isInfinite(norm)) {
                throw new IllegalArgumentException("image embedding " + i + " is all zeros or not finite");
            }
            System.arraycopy(e, 0, flat, i * dim, dim);
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray img = m.create(flat, new Shape(n, dim));
            img = img.div(img.norm(new int[] {1}, true));
            NDArray lab = m.create(labelMatrix, new Shape(labels.size(), dim));
            NDArray cos = img.matMul(lab.transpose());
            NDArray logits = cos.mul(scoring.logitScale());
            NDArray prob = switch (scoring.kind()) {
                case SOFTMAX -> logits.softmax(1);
                case SIGMOID -> ai.djl.nn.Activation.sigmoid(logits.add(scoring.logitBias()));
            };
            return new Scores(prob.toFloatArray(), cos.toFloatArray());
        }
    }

    private List<Classification> rank(List<Path> images, float[][] imageEmbeddings) {
        int n = imageEmbeddings.length;
        if (n == 0) {
            return List.of();
        }
        Scores s = score(imageEmbeddings);
        int l = labels.size();
        int k = Math.min(topK, l);
        List<Classification> out = new ArrayList<>(n);
        long[] keys = new long[l];
        long[] best = new long[k];
        for (int i = 0; i < n; i++) {
            int base = i * l;
            // (probability, label index) pairs as longs: probabilities are >= 0, so their float bits
            // order like the values; ties go to the label given first.
            for (int j = 0; j < l; j++) {
                keys[j] = ((long) Float.floatToIntBits(s.prob[base + j]) << 32) | (l - 1 - j);
            }
            int found;
            if (k * 8 < l) {
                found = selectTop(keys, best);   // a few of many labels: no full sort
            } else {
                Arrays.sort(keys);
                for (int r = 0; r < k; r++) {
                    best[r] = keys[l - 1 - r];
                }
                found = k;
            }
            List<LabelScore> ranked = new ArrayList<>(found);
            for (int r = 0; r < found; r++) {
                int j = l - 1 - (int) (best[r] & 0xFFFFFFFFL);
                float p = s.prob[base + j];
                if (p < minScore) {
                    break;
                }
                ranked.add(new LabelScore(labels.get(j), p, s.cos[base + j]));
            }
            Optional<Path> img = images == null ? Optional.empty() : Optional.of(images.get(i));
            out.add(new Classification(img, ranked, provenance));
        }
        return out;
    }

    /** The largest {@code best.length} keys, in descending order, into {@code best}; returns how many. */
    static int selectTop(long[] keys, long[] best) {
        int k = best.length;
        int size = 0;
        for (long key : keys) {
            if (size == k && key <= best[k - 1]) {
                continue;
            }
            int pos = size == k ? k - 1 : size++;
            while (pos > 0 && best[pos - 1] < key) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = key;
        }
        return size;
    }

    /**
     * When the encoder refuses a prompt's ids because the checkpoint has a smaller token table than
     * the vocabulary file (a mismatched pair), say what does not match instead of its index error.
     */
    static void checkVocabulary(ModelInfo info, int[] ids, String what, IllegalArgumentException cause) {
        int vocab = info.vocabSize();
        for (int id : ids) {
            if (vocab > 0 && id >= vocab) {
                throw new ClipException(what + " has token id " + id + ", but model " + info.name() + " has only "
                        + vocab + " token embeddings: its checkpoint and the vocabulary file do not belong together "
                        + "(CLIP's bpe_simple_vocab_16e6.txt.gz needs 49408)", cause);
            }
        }
    }

    /** Mean of the normalized prompt embeddings per label, normalized again. */
    static float[][] embedLabels(ClipModel model, List<String> labels, List<String> templates,
                                 int batchSize, Consumer<String> warnings) {
        ClipTokenizer tok = model.tokenizer();
        int ctx = model.info().contextLength();
        int t = templates.size();
        int[][] tokens = new int[labels.size() * t][];
        String[] prompts = new String[tokens.length];
        for (int i = 0; i < labels.size(); i++) {
            int[] truncated = {0};
            String[] first = {null};
            for (int j = 0; j < t; j++) {
                String prompt = PromptTemplates.apply(templates.get(j), labels.get(i));
                tokens[i * t + j] = tok.encodeForModel(prompt, ctx, why -> {
                    truncated[0]++;
                    if (first[0] == null) {
                        first[0] = "'" + prompt + "' (" + why + ")";
                    }
                });
                prompts[i * t + j] = prompt;
            }
            if (truncated[0] > 0) {
                warnings.accept((truncated[0] == 1 ? "prompt " + first[0] + " is"
                        : truncated[0] + " prompts of label '" + labels.get(i) + "', e.g. " + first[0] + ", are")
                        + " longer than the model's " + ctx + "-token context; truncated");
            }
        }
        float[][] out = new float[labels.size()][];
        double[][] sum = new double[labels.size()][];
        for (int from = 0; from < tokens.length; from += batchSize) {
            int to = Math.min(tokens.length, from + batchSize);
            float[][] emb;
            try {
                emb = model.encodeTokens(Arrays.copyOfRange(tokens, from, to), true);
            } catch (IllegalArgumentException e) {
                for (int r = from; r < to; r++) {
                    checkVocabulary(model.info(), tokens[r], "prompt '" + prompts[r] + "'", e);
                }
                throw e;
            }
            if (emb.length != to - from) {
                throw new ClipException("text encoder returned " + emb.length + " embeddings for " + (to - from) + " prompts");
            }
            for (int r = 0; r < emb.length; r++) {
                int label = (from + r) / t;
                float[] e = emb[r];
                double norm = io.clipkit.util.Vectors.norm(e);
                if (sum[label] == null) {
                    sum[label] = new double[e.length];
                } else if (sum[label].length != e.length) {
                    throw new ClipException("text embeddings of different sizes: " + sum[label].length + " and " + e.length);
                }
                for (int d = 0; d < e.length; d++) {
                    sum[label][d] += e[d] / norm;
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = io.clipkit.util.Vectors.normalizedToFloat(sum[i]);
            if (out[i] == null) {
                throw new ClipException("label '" + labels.get(i) + "' has a zero text embedding");
            }
        }
        return out;
    }

    /** Native arrays still held (0 between calls; tests check that nothing leaks). */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /** Frees the native memory; later calls fail with "this classifier is closed". Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            manager.close();
        }
    }

    /** Validating builder: each setter checks its value at once and names what is wrong. */
    public static final class Builder {
        private ClipModel model;
        private List<String> labels;
        private List<String> templates; // null: the model's (ModelSpec.templates)
        private int topK = Integer.MAX_VALUE;
        private float minScore = 0f;
        private int batchSize = 64;
        private Consumer<String> warnings = msg -> LOG.log(System.Logger.Level.WARNING, msg);

        private Builder() {}

        public Builder model(ClipModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The labels (not empty; no empty or duplicate label). */
        public Builder labels(List<String> labels) {
            this.labels = Labels.check(labels);
            return this;
        }

        public Builder labels(String... labels) {
            return labels(Arrays.asList(labels));
        }

        /**
         * Prompt templates, each with a {@code {}}; default the model's own
         * ({@code model.info().spec().templates()}: {@value PromptTemplates#DEFAULT} for OpenAI's models).
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

        /** Keep at most this many labels per image (default: all). */
        public Builder topK(int topK) {
            this.topK = Checks.topK(topK);
            return this;
        }

        /** Drop labels whose probability is below this (0..1; default 0). */
        public Builder minScore(float minScore) {
            this.minScore = Checks.minScore(minScore);
            return this;
        }

        /** Prompts per text-encoder call when embedding the labels, and images per image-encoder call (default 64). */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /** Where warnings go (prompts truncated to the context); default: {@link System.Logger}. */
        public Builder warnings(Consumer<String> warnings) {
            this.warnings = Objects.requireNonNull(warnings, "warnings");
            return this;
        }

        /** Embeds the labels (or takes them from the cache) and returns the classifier. */
        public ZeroShotClassifier build() {
            if (model == null) {
                throw new IllegalArgumentException("no model given");
            }
            if (labels == null) {
                throw new IllegalArgumentException("no labels given");
            }
            return new ZeroShotClassifier(this);
        }
    }
}
