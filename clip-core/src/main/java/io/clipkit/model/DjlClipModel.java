package io.clipkit.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import io.clipkit.registry.ClipHome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import io.clipkit.util.Trace;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A CLIP model on DJL's PyTorch engine. The weights live in one capped model-level manager; each
 * call works in its own sub-manager (closed when the call returns), so concurrent callers share
 * only read-only weights.
 */
final class DjlClipModel implements ClipModel {
    /** The weights in the engine (one capped manager) and the two towers that read them. */
    record Towers(NDManager manager, ImageEncoder image, TextTransformer text) {}

    private final ModelInfo info;
    private final ModelOptions options;
    private final Path checkpoint;
    private final Future<Towers> loading; // done unless the weights load in the background
    private volatile Towers towers;
    private final float logitScale;
    private final DataType computeType;
    private final AtomicBoolean closed = new AtomicBoolean();
    // Calls hold the read lock, close() the write lock: weights are never freed under a running call.
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile ClipTokenizer tokenizer;
    private final Future<ClipTokenizer> preloadedTokenizer; // loaded during the model load, or null
    private volatile ImagePreprocessor preprocessor;

    DjlClipModel(ModelInfo info, ModelOptions options, Path checkpoint, Future<Towers> loading, float logitScale,
            DataType computeType, Future<ClipTokenizer> preloadedTokenizer) {
        this.info = info;
        this.options = options;
        this.checkpoint = checkpoint;
        this.loading = loading;
        this.logitScale = logitScale;
        this.computeType = computeType;
        this.preloadedTokenizer = preloadedTokenizer;
    }

    /** The towers of an open model, waiting for the weights if they are still loading; their failure, each time asked. */
    private Towers towers() {
        if (closed.get()) {
            throw new IllegalStateException("model " + info.name() + " is closed");
        }
        return awaitTowers();
    }

    private Towers awaitTowers() {
        Towers t = towers;
        if (t != null) {
            return t;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    t = loading.get();
                    towers = t;
                    Trace.mark("load: model ready");
                    return t;
                } catch (InterruptedException e) {
                    interrupted = true; // the weights are the model: a call cannot go on without them
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    String where = checkpoint == null ? info.name() : checkpoint.toString();
                    throw new ClipException("loading the weights of " + where + " failed: "
                            + (c.getMessage() != null ? c.getMessage() : c.toString()), c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public ClipTokenizer tokenizer() {
        ClipTokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    t = preloadedTokenizer != null ? preloaded() : loadTokenizer(options, checkpoint);
                    tokenizer = t;
                }
            }
        }
        return t;
    }

    /** The model's tokenizer: the vocabulary given in the options, else one beside the checkpoint, else the bundled one. */
    static ClipTokenizer loadTokenizer(ModelOptions options, Path checkpoint) {
        try {
            ClipTokenizer t = ClipHome.tokenizer(options.vocabulary().orElse(null), checkpoint);
            Trace.mark("tokenizer loaded");
            return t;
        } catch (IOException e) {
            throw new ClipException(e.getMessage(), e);
        }
    }

    private ClipTokenizer preloaded() {
        try {
            return preloadedTokenizer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipException("interrupted while loading the tokenizer", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new ClipException("loading the tokenizer failed: " + c, c);
        }
    }

    @Override
    public ImagePreprocessor preprocessor() {
        ImagePreprocessor p = preprocessor;
        if (p == null) {
            synchronized (this) {
                p = preprocessor;
                if (p == null) {
                    p = ImagePreprocessor.builder().spec(info.spec().image()).build();
                    preprocessor = p;
                }
            }
        }
        return p;
    }

    @Override
    public float logitScale() {
        return logitScale;
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws IOException {
        ImagePreprocessor p = preprocessor();
        List<float[][]> parts = new ArrayList<>();
        for (int from = 0; from < images.size(); from += options.batchSize()) {
            List<float[]> batch = new ArrayList<>();
            for (Path file : images.subList(from, Math.min(images.size(), from + options.batchSize()))) {
                batch.add(p.preprocess(file));
            }
            parts.add(encodePreprocessed(batch, true));
        }
        return join(parts, images.size());
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        int r = info.imageResolution();
        int n = 3 * r * r;
        for (int i = 0; i < chw.size(); i++) {
            if (chw.get(i) == null || chw.get(i).length != n) {
                throw new IllegalArgumentException("image " + i + " has " + (chw.get(i) == null ? "no" : chw.get(i).length)
                        + " values; this model takes 3x" + r + "x" + r + " = " + n);
            }
        }
        List<float[][]> parts = new ArrayList<>();
        for (int from = 0; from < chw.size(); from += options.batchSize()) {
            List<float[]> batch = chw.subList(from, Math.min(chw.size(), from + options.batchSize()));
            float[] flat = new float[batch.size() * n];
            for (int i = 0; i < batch.size(); i++) {
                System.arraycopy(batch.get(i), 0, flat, i * n, n);
            }
            parts.add(run(m -> towers().image().forward(
                    m.create(flat, new Shape(batch.size(), 3, r, r)).toType(computeType, false)), batch.size(), normalize));
        }
        io.clipkit.engine.Engines.releaseFreedNativeMemory(); // see there: the activations' pages, kept by malloc
        return join(parts, chw.size());
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        ClipTokenizer t = tokenizer();
        int[][] rows = new int[texts.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = t.encodeForModel(texts.get(i), info.contextLength(), false);
            checkVocabulary(info, rows[i], texts.get(i));
        }
        return encodeTokens(rows, normalize);
    }

    /** Names the text and the mismatch, rather than the encoder's index check on a token row. */
    static void checkVocabulary(ModelInfo info, int[] ids, String text) {
        for (int id : ids) {
            if (id >= info.vocabSize()) {
                throw new ClipException("text \"" + (text.length() <= 60 ? text : text.substring(0, 57) + "...")
                        + "\" has token id " + id + ", but model " + info.name() + " has only " + info.vocabSize()
                        + " token embeddings: its checkpoint and the vocabulary file do not belong together "
                        + "(CLIP's bpe_simple_vocab_16e6.txt.gz needs 49408)");
            }
        }
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        TextTransformer text = towers().text();
        int[] eot = text.endPositions(tokens);
        // Batches of similar lengths: each batch is computed only up to its longest row.
        Integer[] order = new Integer[tokens.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> eot[i]));
        float[][] out = new float[tokens.length][];
        for (int from = 0; from < tokens.length; from += options.batchSize()) {
            int n = Math.min(tokens.length, from + options.batchSize()) - from;
            int[][] batch = new int[n][];
            int[] batchEot = new int[n];
            for (int i = 0; i < n; i++) {
                batch[i] = tokens[order[from + i]];
                batchEot[i] = eot[order[from + i]];
            }
            float[][] rows = run(m -> text.forward(m, batch, batchEot, computeType), n, normalize);
            for (int i = 0; i < n; i++) {
                out[order[from + i]] = rows[i];
            }
        }
        return out;
    }

    private interface Forward {
        NDArray apply(NDManager m);
    }

    private float[][] run(Forward f, int n, boolean normalize) {
        if (n == 0) {
            return new float[0][];
        }
        lifecycle.readLock().lock();
        try {
            if (closed.get()) {
                throw new IllegalStateException("model " + info.name() + " is closed");
            }
            try (NDManager m = towers().manager().newSubManager()) {
                NDArray out = f.apply(m).toType(DataType.FLOAT32, false);
                float[] flat = out.toFloatArray();
                int d = flat.length / n;
                float[][] rows = new float[n][d];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(flat, i * d, rows[i], 0, d);
                    if (normalize) {
                        normalizeInPlace(rows[i]);
                    }
                }
                return rows;
            } catch (IllegalArgumentException | IllegalStateException | ClipException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ClipException("inference failed on " + info.name() + ": " + e.getMessage(), e);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    static void normalizeInPlace(float[] v) {
        io.clipkit.util.Vectors.normalizeInPlace(v);
    }

    private static float[][] join(List<float[][]> parts, int n) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        float[][] all = new float[n][];
        int i = 0;
        for (float[][] p : parts) {
            for (float[] row : p) {
                all[i++] = row;
            }
        }
        return all;
    }

    /** Arrays attached to the model's own manager (the weights); tests use it to check for leaks. */
    int managedArrays() {
        return towers().manager().getManagedArrays().size();
    }

    /** Bytes of the native arrays the model's manager holds (the weights, in whatever form). */
    long weightBytes() {
        long bytes = 0;
        for (ai.djl.ndarray.NDResource r : towers().manager().getManagedArrays()) {
            if (r instanceof NDArray a) {
                bytes += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }

    Device device() {
        return towers().manager().getDevice();
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed.compareAndSet(false, true)) {
                Towers t;
                try {
                    t = awaitTowers(); // weights still loading: they are freed once there
                } catch (ClipException e) {
                    t = null; // the loading task freed what it had made
                }
                if (t != null) {
                    t.manager().close();
                }
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "ClipModel[" + info.name() + ", " + info.architecture() + ", " + info.device() + "]";
    }
}
