package io.clipkit.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Dynamic batching: items submitted from any number of request threads are queued, and one worker
 * thread hands them to the encoder together: as many as are waiting, up to {@code maxBatch}, waiting
 * at most {@code maxWait} after the first item of a batch arrived for more to come. Under load the
 * queue is already full when the worker returns from the encoder, so batches fill without waiting;
 * a lone request waits at most {@code maxWait}.
 *
 * <p>The encoder runs on one thread at a time, which is what a CPU engine with intra-op threads
 * wants. A failing batch fails all its items (their inputs were checked before they were queued, so
 * that is an engine failure, not one request's bad input).
 */
final class Batcher<I, O> implements AutoCloseable {
    private record Pending<I, O>(I item, long enqueuedNanos, CompletableFuture<O> result) {}

    private static final Pending<Object, Object> STOP = new Pending<>(null, 0, null);

    private final BlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
    private final Function<List<I>, List<O>> encoder;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final IntConsumer batchSizes;
    private final Thread worker;
    private boolean closed;

    /**
     * @param name worker thread name
     * @param encoder encodes a batch; returns one output per input, in order
     * @param batchSizes told the size of every batch run (metrics)
     */
    Batcher(String name, Function<List<I>, List<O>> encoder, int maxBatch, long maxWaitNanos, IntConsumer batchSizes) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        if (maxWaitNanos < 0) {
            throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWaitNanos + " ns");
        }
        this.encoder = encoder;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.batchSizes = batchSizes;
        this.worker = new Thread(this::run, name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues one item; the future completes when its batch has been encoded. */
    CompletableFuture<O> submit(I item) {
        CompletableFuture<O> f = new CompletableFuture<>();
        synchronized (this) {
            // Checked and queued under the lock close() takes: nothing lands behind the stop marker.
            if (closed) {
                f.completeExceptionally(new IllegalStateException("the server is shutting down"));
                return f;
            }
            queue.add(new Pending<>(item, System.nanoTime(), f));
        }
        return f;
    }

    /** Queues several items (one request's texts); they may be split across batches. */
    List<CompletableFuture<O>> submitAll(List<I> items) {
        List<CompletableFuture<O>> out = new ArrayList<>(items.size());
        for (I item : items) {
            out.add(submit(item));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private void run() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        boolean stopping = false;
        while (!stopping) {
            try {
                Pending<I, O> first = queue.take();
                if (first == (Object) STOP) {
                    break;
                }
                batch.add(first);
                long deadline = first.enqueuedNanos() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Pending<I, O> next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (next == (Object) STOP) {
                        stopping = true;
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                stopping = true;
            }
            if (!batch.isEmpty()) {
                encode(batch);
                batch.clear();
            }
        }
        // Whatever is still queued at close was submitted before it: encode it too (draining).
        List<Pending<I, O>> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.removeIf(p -> p == (Object) STOP);
        for (int from = 0; from < rest.size(); from += maxBatch) {
            encode(rest.subList(from, Math.min(rest.size(), from + maxBatch)));
        }
    }

    private void encode(List<Pending<I, O>> batch) {
        List<I> items = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) {
            items.add(p.item());
        }
        batchSizes.accept(items.size());
        try {
            List<O> out = encoder.apply(items);
            if (out.size() != items.size()) {
                throw new IllegalStateException("encoder returned " + out.size() + " results for " + items.size() + " inputs");
            }
            for (int i = 0; i < out.size(); i++) {
                batch.get(i).result().complete(out.get(i));
            }
        } catch (RuntimeException | Error e) {
            for (Pending<I, O> p : batch) {
                p.result().completeExceptionally(e);
            }
        }
    }

    /** Stops taking items, encodes the ones already queued, and waits for the worker to finish. */
    @Override
    @SuppressWarnings("unchecked")
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add((Pending<I, O>) (Object) STOP);
        }
        try {
            worker.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
