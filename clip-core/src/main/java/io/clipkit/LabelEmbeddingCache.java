package io.clipkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Label embeddings per (model, labels, templates), shared by all classifiers in the JVM, so that a
 * photo app building a classifier per request encodes its prompts once. Bounded (LRU); concurrent
 * requests for the same key wait for one computation instead of repeating it.
 */
final class LabelEmbeddingCache {
    static final int MAX_ENTRIES = 32;

    /** Model identity: the checkpoint hash plus what changes its numbers; else the instance itself. */
    record Key(Object model, List<String> labels, List<String> templates) {}

    private record Identity(ClipModel model) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.model == model;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(model);
        }
    }

    private static final Map<Key, CompletableFuture<float[][]>> CACHE =
            new LinkedHashMap<>(64, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, CompletableFuture<float[][]>> e) {
                    return size() > MAX_ENTRIES;
                }
            };

    private LabelEmbeddingCache() {}

    static Key key(ClipModel model, List<String> labels, List<String> templates) {
        ModelInfo i = model.info();
        String sha = i.checkpointSha256();
        Object m = sha == null || sha.isBlank()
                ? new Identity(model)
                : sha + "|" + i.activation() + "|" + i.dtype() + "|" + i.device();
        return new Key(m, labels, templates);
    }

    /** Returns the cached embeddings (shared: callers must not modify them), computing them once. */
    static float[][] get(Key key, Supplier<float[][]> compute) {
        CompletableFuture<float[][]> mine = new CompletableFuture<>();
        CompletableFuture<float[][]> f;
        synchronized (CACHE) {
            f = CACHE.putIfAbsent(key, mine);
        }
        if (f == null) {
            try {
                mine.complete(compute.get());
            } catch (RuntimeException | Error e) {
                synchronized (CACHE) {
                    CACHE.remove(key, mine);
                }
                mine.completeExceptionally(e);
                throw e;
            }
            return mine.join();
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Number of cached entries (tests). */
    static int size() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }

    static void clear() {
        synchronized (CACHE) {
            CACHE.clear();
        }
    }
}
