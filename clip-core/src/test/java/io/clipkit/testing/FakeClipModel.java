package io.clipkit.testing;

import io.clipkit.DType;
import io.clipkit.Activation;
import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic stand-in for a {@link ClipModel}, for tests of logic above the encoders
 * (ranking, softmax, caching, threading). Words are token ids; a text embedding is a pseudo-random
 * vector seeded by its tokens; an image embedding is seeded by the file's bytes. Unreadable or empty
 * files fail like bad images.
 */
public final class FakeClipModel implements ClipModel {
    private final String name;
    private final String sha;
    private final int dim;
    private final int context;
    private final float logitScale;
    /** Number of encodeTokens calls and the rows they held (to observe batching and caching). */
    public final AtomicInteger textCalls = new AtomicInteger();
    public final List<Integer> textBatchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The family's scoring; null: CLIP's softmax at {@link #logitScale()}. */
    public volatile io.clipkit.ModelSpec.Scoring scoring;
    /** The model's default prompt templates; null: {@link io.clipkit.PromptTemplates#defaults()}. */
    public volatile List<String> templates;

    public FakeClipModel(String name, String sha, int dim, int context, float logitScale) {
        this.name = name;
        this.sha = sha;
        this.dim = dim;
        this.context = context;
        this.logitScale = logitScale;
    }

    /** A small model: 16 dims, context 12, logit scale 100; no checkpoint hash (cached per instance). */
    public static FakeClipModel small() {
        return new FakeClipModel("fake", "", 16, 12, 100f);
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo(name, "vit", dim, 8, 8, 1, List.of(), 1, 4, 8, 1, 1, context, 49408,
                Activation.QUICK_GELU, "fake", sha, "cpu", DType.FP32,
                spec(), io.clipkit.text.BpeTokenizer.BUNDLED_SHA256);
    }

    private io.clipkit.ModelSpec spec() {
        io.clipkit.ModelSpec s = io.clipkit.ModelSpec.openai(8, context, 49408, logitScale());
        s = scoring == null ? s : new io.clipkit.ModelSpec(s.family(), s.text(), s.image(), scoring);
        return templates == null ? s : s.withTemplates(templates);
    }

    @Override
    public ClipTokenizer tokenizer() {
        return new ClipTokenizer() {
            @Override
            public int[] encode(String text) {
                String[] words = text.strip().split("\\s+");
                int[] ids = new int[words.length + 2];
                ids[0] = START_OF_TEXT;
                for (int i = 0; i < words.length; i++) {
                    ids[i + 1] = Math.floorMod(words[i].hashCode(), 49000) + 1;
                }
                ids[ids.length - 1] = END_OF_TEXT;
                return ids;
            }

            @Override
            public int[] encodeForModel(String text, int contextLength, boolean truncate) {
                int[] ids = encode(text);
                if (ids.length > contextLength) {
                    if (!truncate) {
                        throw new IllegalArgumentException("text is " + ids.length + " tokens, context " + contextLength);
                    }
                    ids = Arrays.copyOf(ids, contextLength);
                    ids[contextLength - 1] = END_OF_TEXT;
                }
                return Arrays.copyOf(ids, contextLength);
            }

            @Override
            public int[] encodeForModel(String text, int contextLength, java.util.function.Consumer<String> onTruncate) {
                if (encode(text).length > contextLength) {
                    onTruncate.accept("text is " + encode(text).length + " tokens, context " + contextLength);
                }
                return encodeForModel(text, contextLength, true);
            }

            @Override
            public String decode(int[] ids) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** A stand-in pipeline: the file's bytes as floats; missing or empty files fail like bad images. */
    @Override
    public ImagePreprocessor preprocessor() {
        return new ImagePreprocessor() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public float[] preprocess(Path image) throws ImageDecodeException {
                byte[] b;
                try {
                    b = Files.readAllBytes(image);
                } catch (java.io.IOException e) {
                    throw new ImageDecodeException(image, e instanceof java.nio.file.NoSuchFileException ? "no such file" : "cannot read", e);
                }
                if (b.length == 0) {
                    throw new ImageDecodeException(image, "empty file");
                }
                float[] f = new float[b.length];
                for (int i = 0; i < b.length; i++) {
                    f[i] = b[i];
                }
                return f;
            }

            @Override
            public float[] preprocess(java.awt.image.BufferedImage image) {
                throw new UnsupportedOperationException();
            }

            @Override
            public java.awt.image.BufferedImage crop(Path image) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Override
    public float logitScale() {
        return logitScale;
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws ImageDecodeException {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            Path p = images.get(i);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(p);
            } catch (java.io.IOException e) {
                throw new ImageDecodeException(p, "cannot read: " + e.getMessage(), e);
            }
            if (bytes.length == 0) {
                throw new ImageDecodeException(p, "empty file");
            }
            out[i] = normalize(vector(Arrays.hashCode(bytes)));
        }
        return out;
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        float[][] out = new float[chw.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] v = vector(Arrays.hashCode(chw.get(i)));
            out[i] = normalize ? normalize(v) : v;
        }
        return out;
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        int[][] t = new int[texts.size()][];
        for (int i = 0; i < t.length; i++) {
            t[i] = tokenizer().encodeForModel(texts.get(i), context, false);
        }
        return encodeTokens(t, normalize);
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        textCalls.incrementAndGet();
        textBatchSizes.add(tokens.length);
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].length != context) {
                throw new IllegalArgumentException("token row of " + tokens[i].length + ", context " + context);
            }
            float[] v = vector(Arrays.hashCode(tokens[i]));
            // Unnormalized vectors of varied length, so that normalizing before averaging matters.
            float scale = 1 + Math.floorMod(Arrays.hashCode(tokens[i]), 7);
            for (int d = 0; d < v.length; d++) {
                v[d] *= scale;
            }
            out[i] = normalize ? normalize(v) : v;
        }
        return out;
    }

    /** The deterministic raw vector for a seed (tests build image embeddings with it). */
    public float[] vector(long seed) {
        Random r = new Random(seed);
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) r.nextGaussian();
        }
        return v;
    }

    public static float[] normalize(float[] v) {
        return io.clipkit.util.Vectors.normalized(v);
    }

    @Override
    public void close() {}
}
