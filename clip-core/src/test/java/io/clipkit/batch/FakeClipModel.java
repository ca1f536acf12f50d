package io.clipkit.batch;

import io.clipkit.DType;
import io.clipkit.Activation;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * A stand-in {@link io.clipkit.ClipModel} for pipeline tests (discovery, resume, outputs, index,
 * XMP): an 8-dimensional "embedding" computed from a 4x4 thumbnail, texts hashed to vectors, and
 * counters of every call. It checks no numbers of real CLIP; those are the model tests' job.
 */
public class FakeClipModel implements io.clipkit.ClipModel {
    public static final int DIM = 8;
    public static final int SIZE = 4;

    public final AtomicLong encodeCalls = new AtomicLong();
    public final AtomicLong encodedImages = new AtomicLong();
    public final AtomicLong textCalls = new AtomicLong();
    public final FakePreprocessor preprocessor = new FakePreprocessor(this);
    /** Sleep per encoder call, to make runs slow enough to kill. */
    public volatile long encodeDelayMillis;
    /** The dtype its info reports (it computes the same whatever this says). */
    public volatile DType dtype = DType.FP32;
    private final String sha;

    public FakeClipModel() {
        this("f".repeat(64));
    }

    public FakeClipModel(String sha) {
        this.sha = sha;
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("fake", "vit", DIM, SIZE, 8, 1, List.of(), 1, 1, 8, 1, 1, 77, 49408,
                Activation.QUICK_GELU, "state-dict", sha, "cpu", dtype,
                templates == null ? io.clipkit.ModelSpec.openai(SIZE, 77, 49408, logitScale())
                        : io.clipkit.ModelSpec.openai(SIZE, 77, 49408, logitScale()).withTemplates(templates),
                io.clipkit.text.BpeTokenizer.BUNDLED_SHA256);
    }

    /** The model's default prompt templates; null: the default. */
    volatile List<String> templates;

    @Override
    public ClipTokenizer tokenizer() {
        return io.clipkit.testing.FakeClipModel.small().tokenizer();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    @Override
    public float logitScale() {
        return 100f;
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        encodeCalls.incrementAndGet();
        if (encodeDelayMillis > 0) {
            try {
                Thread.sleep(encodeDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        float[][] out = new float[chw.size()][];
        for (int i = 0; i < chw.size(); i++) {
            float[] x = chw.get(i);
            float[] v = new float[DIM];
            // Channel means and a few spatial contrasts: different images get different vectors.
            int plane = SIZE * SIZE;
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < plane; k++) {
                    v[c] += x[c * plane + k] / plane;
                    v[3 + c] += (k < plane / 2 ? 1 : -1) * x[c * plane + k] / plane;
                }
            }
            v[6] = x[0] - x[plane - 1];
            v[7] = 0.5f;
            out[i] = normalize ? io.clipkit.util.Vectors.normalized(v) : v;
        }
        encodedImages.addAndGet(chw.size());
        return out;
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        textCalls.incrementAndGet();
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            Random r = new Random(texts.get(i).hashCode());
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = (float) r.nextGaussian();
            }
            out[i] = normalize ? io.clipkit.util.Vectors.normalized(v) : v;
        }
        return out;
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        textCalls.incrementAndGet();
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            Random r = new Random(java.util.Arrays.hashCode(tokens[i]));
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = (float) r.nextGaussian();
            }
            out[i] = normalize ? io.clipkit.util.Vectors.normalized(v) : v;
        }
        return out;
    }

    @Override
    public void close() {}

    /** Decodes with ImageIO into a 4x4 thumbnail; counts calls; an optional hook runs first. */
    public static final class FakePreprocessor implements ImagePreprocessor {
        public final AtomicLong calls = new AtomicLong();
        /** Largest number of decoded images not yet encoded seen at any call. */
        public final AtomicLong maxOutstanding = new AtomicLong();
        public volatile Consumer<Path> hook = p -> {};
        private final FakeClipModel model;

        FakePreprocessor(FakeClipModel model) {
            this.model = model;
        }

        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public float[] preprocess(Path image) throws IOException {
            long c = calls.incrementAndGet();
            maxOutstanding.accumulateAndGet(c - model.encodedImages.get(), Math::max);
            hook.accept(image);
            BufferedImage img = ImageIO.read(image.toFile());
            if (img == null) {
                throw new ImageDecodeException(image, "no decoder for this file");
            }
            return preprocess(img);
        }

        @Override
        public float[] preprocess(BufferedImage image) {
            BufferedImage small = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = small.createGraphics();
            g.drawImage(image, 0, 0, SIZE, SIZE, null);
            g.dispose();
            float[] chw = new float[3 * SIZE * SIZE];
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int rgb = small.getRGB(x, y);
                    for (int ch = 0; ch < 3; ch++) {
                        chw[ch * SIZE * SIZE + y * SIZE + x] = ((rgb >> (16 - 8 * ch)) & 0xFF) / 255f;
                    }
                }
            }
            return chw;
        }

        @Override
        public BufferedImage crop(Path image) {
            throw new UnsupportedOperationException();
        }
    }
}
