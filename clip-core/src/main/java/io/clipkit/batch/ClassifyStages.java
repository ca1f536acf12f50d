package io.clipkit.batch;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.util.Trace;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The classify pipeline: the tagger's decode, encode and rank stages over a list of image files,
 * without triage, resume or records. Images are decoded on a background thread up to one batch
 * ahead of the encoder (started at once, so the first batch decodes while the labels are
 * embedded); the {@link EncodeStage} batches them; the classifier ranks each batch. A bad image
 * gets a result with its error and the others are still classified; results come in input order.
 * Internal: used by {@link ZeroShotClassifier#classify(List)} and {@code clip classify}.
 *
 * <pre>{@code
 * try (ClassifyStages stages = ClassifyStages.start(model.preprocessor(), images, 32)) {
 *     stages.run(model, classifier, c -> System.out.println(ResultJson.classification(c)));
 * }
 * }</pre>
 */
public final class ClassifyStages implements AutoCloseable {
    private final List<Path> images;
    private final int batch;
    private final DecodeStage decode;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clipkit-images");
        t.setDaemon(true);
        return t;
    });
    private final ArrayDeque<Future<float[]>> ahead = new ArrayDeque<>();
    private int submitted;

    private ClassifyStages(ImagePreprocessor pre, List<Path> images, int batch) {
        this.images = List.copyOf(images);
        this.batch = batch;
        this.decode = DecodeStage.forHeap(pre, DecodeStage.DEFAULT_MEMORY_MB);
        fill();
    }

    /** Starts decoding {@code images} with {@code pre}, up to {@code batch} ahead. */
    public static ClassifyStages start(ImagePreprocessor pre, List<Path> images, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        return new ClassifyStages(pre, images, batch);
    }

    private void fill() {
        while (submitted < images.size() && ahead.size() < batch) {
            Path p = images.get(submitted++);
            ahead.add(worker.submit(() -> {
                if (Files.isDirectory(p)) {
                    throw new ImageDecodeException(p, "is a folder, not an image");
                }
                float[] px = decode.decode(p, null);
                Trace.mark("classify: preprocessed " + p);
                return px;
            }));
        }
    }

    private record Entry(Path image, String error) {}

    /** Classifies every image, handing each result to {@code sink} in input order. */
    public void run(ClipModel model, ZeroShotClassifier classifier, Consumer<Classification> sink) throws IOException {
        EncodeStage.Sink<Entry> rank = (items, vectors) -> {
            List<Path> names = new ArrayList<>();
            List<float[]> emb = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                if (vectors[i] != null) {
                    names.add(items.get(i).image());
                    emb.add(vectors[i]);
                }
            }
            Trace.mark("classify: images encoded");
            List<Classification> ranked = names.isEmpty() ? List.of()
                    : classifier.classifyEmbeddings(names, emb.toArray(new float[0][]));
            int r = 0;
            for (int i = 0; i < items.size(); i++) {
                Entry e = items.get(i);
                sink.accept(vectors[i] != null ? ranked.get(r++)
                        : Classification.failed(e.image(), e.error(), classifier.provenance()));
            }
        };
        try (EncodeStage<Entry> encode = new EncodeStage<>(model, batch, 1, rank)) {
            for (Path p : images) {
                float[] px = null;
                String error = null;
                try {
                    px = next();
                } catch (IOException e) {
                    if (e instanceof InterruptedIOException) {
                        throw e;
                    }
                    error = reason(e);
                }
                encode.add(new Entry(p, error), px);
            }
            encode.finishAll();
        }
    }

    /** The reason for a bad image, without its path. */
    public static String reason(IOException e) {
        if (e instanceof ImageDecodeException ide) {
            return ide.reason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return Failures.describe(e);
    }

    /** The next image's pixels, or the exception its decoding threw. */
    private float[] next() throws IOException {
        Future<float[]> f = ahead.remove();
        fill();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading images");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof OutOfMemoryError) {
                throw new IOException(Failures.describe(c), c);
            }
            if (c instanceof RuntimeException re) {
                throw new IOException(Failures.describe(re), re);
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
