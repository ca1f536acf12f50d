package io.clipkit.train;

import io.clipkit.ClipException;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.image.Augmentation;
import io.clipkit.util.IoReasons;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The pairs as an endless stream of positions: position {@code p} is pair {@code p mod N} of epoch
 * {@code p / N}, in file order or in that epoch's seeded permutation. A batch is the next
 * {@code batchSize} readable pairs from a position; unreadable images are skipped and remembered
 * (a known-bad image is not decoded again), and every random choice (crop, flip, jitter,
 * caption) is a function of the seed and the position. So a batch depends only on where it
 * starts, and a resumed run needs only the position and the skipped set.
 */
final class BatchStream {
    /** A batch: images (CHW each, concatenated), token rows, and the position after it. */
    record Batch(float[] pixels, int[][] tokens, long end) {}

    private final List<Pairs.Pair> pairs;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final Augmentation augmentation; // null: the model's own preprocessing
    private final ImagePreprocessor plain;
    private final ClipTokenizer tokenizer;
    private final int contextLength;
    private final int maxSkipped;
    private final ExecutorService workers;
    private final Consumer<String> notices;
    private final Set<String> skipped = Collections.synchronizedSet(new LinkedHashSet<>());
    private long permutationEpoch = -1;
    private int[] permutation;

    BatchStream(List<Pairs.Pair> pairs, int batchSize, long seed, boolean shuffle, Augmentation augmentation,
            ImagePreprocessor plain, ClipTokenizer tokenizer, int contextLength, int maxSkipped,
            ExecutorService workers, Consumer<String> notices) {
        this.pairs = pairs;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.augmentation = augmentation;
        this.plain = plain;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
        this.maxSkipped = maxSkipped;
        this.workers = workers;
        this.notices = notices;
    }

    int size() {
        return pairs.size();
    }

    /** Image paths skipped so far, in the order found. */
    List<String> skipped() {
        synchronized (skipped) {
            return new ArrayList<>(skipped);
        }
    }

    void restoreSkipped(List<String> paths) {
        skipped.addAll(paths);
    }

    /** The pair at a stream position. */
    synchronized int pairAt(long position) {
        int n = pairs.size();
        if (!shuffle) {
            return (int) (position % n);
        }
        long epoch = position / n;
        if (epoch != permutationEpoch) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(Rng.mix(seed, Rng.SHUFFLE, epoch));
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = r.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            permutation = p;
            permutationEpoch = epoch;
        }
        return permutation[(int) (position % n)];
    }

    private record Sample(float[] pixels, int[] tokens) {}

    /** The batch starting at {@code position}. */
    Batch batch(long position) throws IOException {
        List<Sample> got = new ArrayList<>(batchSize);
        long next = position;
        while (got.size() < batchSize) {
            int want = batchSize - got.size();
            List<Long> positions = new ArrayList<>();
            List<Future<Sample>> futures = new ArrayList<>();
            for (int i = 0; i < want; i++) {
                long p = next++;
                positions.add(p);
                futures.add(workers.submit(() -> sample(p)));
            }
            for (int i = 0; i < futures.size(); i++) {
                Sample s = join(futures.get(i));
                if (s != null) {
                    got.add(s);
                }
            }
            if (skipped.size() > maxSkipped) {
                throw new ClipException(skipped.size() + " images could not be read (more than maxSkippedImages = "
                        + maxSkipped + "); the first: " + skipped.iterator().next());
            }
            if (skipped.size() >= pairs.size()) {
                throw new ClipException("none of the " + pairs.size() + " images could be read");
            }
        }
        int n = got.get(0).pixels().length;
        float[] pixels = new float[batchSize * n];
        int[][] tokens = new int[batchSize][];
        for (int i = 0; i < batchSize; i++) {
            System.arraycopy(got.get(i).pixels(), 0, pixels, i * n, n);
            tokens[i] = got.get(i).tokens();
        }
        return new Batch(pixels, tokens, next);
    }

    /** One pair's input, or null if its image is unreadable (then recorded as skipped). */
    private Sample sample(long position) {
        Pairs.Pair pair = pairs.get(pairAt(position));
        String key = pair.image().toString();
        if (skipped.contains(key)) {
            return null;
        }
        List<String> captions = pair.captions();
        String caption = captions.size() == 1 ? captions.get(0)
                : captions.get(new SplittableRandom(Rng.mix(seed, Rng.CAPTION, position)).nextInt(captions.size()));
        int[] tokens = tokenizer.encodeForModel(caption, contextLength, true);
        float[] pixels;
        try {
            pixels = augmentation != null
                    ? augmentation.apply(pair.image(), Rng.mix(seed, Rng.AUGMENT, position))
                    : plain.preprocess(pair.image());
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof IOException io ? IoReasons.reason(io) : String.valueOf(e.getMessage());
            if (skipped.add(key)) {
                notices.accept("skipped " + pair.where() + ": " + reason);
            }
            return null;
        }
        return new Sample(pixels, tokens);
    }

    private static Sample join(Future<Sample> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipException("interrupted while reading images", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw new ClipException("reading images failed: " + c, c);
        }
    }
}
