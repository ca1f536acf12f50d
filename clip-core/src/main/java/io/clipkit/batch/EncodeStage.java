package io.clipkit.batch;

import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The encode stage, and the one batching point for images: items arrive in output order, those
 * with pixels are encoded {@code batchSize} at a time (up to {@code calls} encoder calls at once,
 * each on the model's own intra-op threads), and every batch goes to the sink in arrival order with
 * its embeddings. The first batches are smaller ({@code batchSize / 8}, then doubling up to it): a
 * full first batch kept the encoder idle until {@code batchSize} images were decoded, about a second
 * of a short run's wall time for 32 camera JPEGs, while the encoder's cost per image barely changes
 * from 4 images a batch up. Items without pixels pass through in place, so output order is kept. Used by
 * one thread. Internal; the tagger and the classifier both use it.
 *
 * @param <T> the caller's item
 */
public final class EncodeStage<T> implements AutoCloseable {
    private static final long FLUSH_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

    /** Receives each batch, in order: {@code vectors[i]} is item i's embedding, null for an item without pixels. */
    public interface Sink<T> {
        void accept(List<T> items, float[][] vectors) throws IOException;
    }

    private record InFlight<T>(List<T> items, boolean[] hasPixels, int images, Future<float[][]> vectors) {}

    private final ClipModel model;
    private final int batchSize;
    private final int calls;
    private final Sink<T> sink;
    private final ExecutorService encoder;
    /** Images in the batch being filled before it goes (grows to {@code batchSize}). */
    private int target;
    private List<T> pending = new ArrayList<>();
    private List<float[]> pixels = new ArrayList<>();
    private List<Boolean> hasPixels = new ArrayList<>();
    private long lastFlush = System.nanoTime();
    /** Batches handed to the encoder, oldest first: they reach the sink in this order. */
    private final ArrayDeque<InFlight<T>> inFlight = new ArrayDeque<>();

    public EncodeStage(ClipModel model, int batchSize, int calls, Sink<T> sink) {
        if (batchSize < 1 || calls < 1) {
            throw new IllegalArgumentException("batch size and encoder calls must be >= 1, got " + batchSize + ", " + calls);
        }
        this.model = model;
        this.batchSize = batchSize;
        this.calls = calls;
        this.sink = sink;
        this.target = Math.max(1, batchSize / 8);
        this.encoder = calls == 1 ? null : Executors.newFixedThreadPool(calls, r -> {
            Thread t = new Thread(r, "clip-encode");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues an item; {@code chw} null passes it through without encoding. */
    public void add(T item, float[] chw) throws IOException {
        pending.add(item);
        hasPixels.add(chw != null);
        if (chw != null) {
            pixels.add(chw);
        }
        if (pixels.size() >= target || pending.size() >= 4 * batchSize) {
            flush();
        }
    }

    /** When nothing arrived for a second, writes what is pending (slow files must not hold records back). */
    public void flushIfIdle() throws IOException {
        if ((!pending.isEmpty() || !inFlight.isEmpty()) && System.nanoTime() - lastFlush > FLUSH_IDLE_NANOS) {
            flush();
            finishAll();
        }
    }

    /** Hands the pending items to the encoder; finishes the oldest batches once too many are in flight. */
    public void flush() throws IOException {
        lastFlush = System.nanoTime();
        if (pending.isEmpty()) {
            return;
        }
        List<float[]> chws = pixels;
        Future<float[][]> vectors;
        if (chws.isEmpty()) {
            vectors = CompletableFuture.completedFuture(new float[0][]);
        } else if (encoder == null) {
            vectors = CompletableFuture.completedFuture(model.encodePreprocessed(chws, true));
        } else {
            vectors = encoder.submit(() -> model.encodePreprocessed(chws, true));
        }
        boolean[] has = new boolean[hasPixels.size()];
        for (int i = 0; i < has.length; i++) {
            has[i] = hasPixels.get(i);
        }
        inFlight.add(new InFlight<>(pending, has, chws.size(), vectors));
        if (!chws.isEmpty()) {
            target = Math.min(batchSize, target * 2);
        }
        pending = new ArrayList<>();
        pixels = new ArrayList<>();
        hasPixels = new ArrayList<>();
        while (inFlight.size() >= calls) {
            finish(inFlight.poll());
        }
    }

    /**
     * Flushes and waits for every batch in flight. The last batch goes as two calls: as one it ran
     * on one core while the other idled (each call computes on its own share of the cores). Two
     * whatever the number of encoder calls, so that batch compositions, and with them the last bits
     * of every embedding, do not depend on the machine's core count.
     */
    public void finishAll() throws IOException {
        int parts = pixels.size() >= 4 ? 2 : 1;
        if (parts > 1) {
            List<T> items = pending;
            List<float[]> chws = pixels;
            List<Boolean> has = hasPixels;
            pending = new ArrayList<>();
            pixels = new ArrayList<>();
            hasPixels = new ArrayList<>();
            int per = (chws.size() + parts - 1) / parts;
            int next = 0;
            for (int i = 0; i < items.size(); i++) {
                pending.add(items.get(i));
                hasPixels.add(has.get(i));
                if (has.get(i)) {
                    pixels.add(chws.get(next++));
                }
                if (pixels.size() == per && next < chws.size()) {
                    flush(); // in order: the parts reach the sink as the one batch would have
                }
            }
        }
        flush();
        while (!inFlight.isEmpty()) {
            finish(inFlight.poll());
        }
    }

    private void finish(InFlight<T> b) throws IOException {
        float[][] got = await(b.vectors());
        if (got.length != b.images()) {
            throw new ClipException("image encoder returned " + got.length + " embeddings for " + b.images() + " images");
        }
        float[][] aligned = new float[b.items().size()][];
        int vi = 0;
        for (int i = 0; i < aligned.length; i++) {
            if (b.hasPixels()[i]) {
                aligned[i] = got[vi++];
            }
        }
        sink.accept(b.items(), aligned);
    }

    private static float[][] await(Future<float[][]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while encoding images");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw new ClipException("image encoder failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        if (encoder != null) {
            encoder.shutdownNow();
        }
    }
}
