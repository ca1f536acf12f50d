package io.clipkit.batch;

import io.clipkit.ClipException;
import io.clipkit.ImageDecodeException;
import io.clipkit.LabelScore;
import io.clipkit.ModelInfo;
import io.clipkit.TagResult;
import io.clipkit.TagSummary;
import io.clipkit.Tagger;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one tagging job. Three stages, each bounded:
 * <ol>
 *   <li>a discovery thread walks the inputs and submits each file to the decode pool, putting its
 *       future into a bounded queue (so at most {@code 2 * batch + 2 * threads} decoded images are
 *       ever held, whatever the size of the tree);
 *   <li>the decode pool stats the file, checks the resume log and the embedding index, sniffs the
 *       format, hashes and preprocesses it;
 *   <li>the calling thread takes the futures in order, encodes decoded images in batches, ranks,
 *       writes XMP if asked and appends the records, flushing after every batch.
 * </ol>
 * Internal: use {@link Tagger}.
 */
public final class TagEngine {
    private static final long FLUSH_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

    private final TagSettings s;
    private final AtomicLong preprocessCalls = new AtomicLong();

    /**
     * Default cap (MB) on the heap spent on decoding at once, whatever {@code -Xmx} allows: without it
     * a large heap let several big images decode together and the process grew with the heap.
     * {@code -Dclipkit.decodeMemoryMb=N} changes it.
     */
    static final int DEFAULT_DECODE_MEMORY_MB = 512;

    /** Heap to spend on decoding at once (MB). */
    private final int memoryBudgetMb;
    /** The most one image may take (MB), decoding alone: most of the heap, the rest is the pipeline's. */
    private final int soloLimitMb;
    private final java.util.concurrent.Semaphore memory;

    /**
     * Encoder calls run at once ({@code -Dclipkit.encoderCalls=N}, default 1). With a model loaded
     * with one intra-op thread, N = CPUs runs one single-threaded batch per core: no barrier between
     * threads in every operation, which on a small or shared machine costs more than it gains.
     */
    private final int encoderCalls = Math.max(1, Integer.getInteger("clipkit.encoderCalls", 1));

    public TagEngine(TagSettings settings) {
        this(settings, (int) Math.max(64, Runtime.getRuntime().maxMemory() * 6 / 10 / (1 << 20)),
                Integer.getInteger("clipkit.decodeMemoryMb", DEFAULT_DECODE_MEMORY_MB));
    }

    TagEngine(TagSettings settings, int memoryBudgetMb) {
        this(settings, memoryBudgetMb, memoryBudgetMb);
    }

    /**
     * @param heapShareMb the most one decode may take (it then runs alone)
     * @param capMb the budget of decodes running at once (at most {@code heapShareMb})
     */
    TagEngine(TagSettings settings, int heapShareMb, int capMb) {
        this.s = settings;
        this.soloLimitMb = heapShareMb;
        this.memoryBudgetMb = Math.max(1, Math.min(heapShareMb, capMb));
        this.memory = new java.util.concurrent.Semaphore(memoryBudgetMb, true);
    }

    /**
     * Heap a decode needs, estimated from the header: the decoded pixels (4 bytes, RGBA) and a
     * converted copy (4 more), in MB. Unknown sizes (TIFF) count as a quarter of the budget.
     */
    private int memoryNeedMb(long[] dims, long fileSize) {
        if (dims == null || dims[0] <= 0 || dims[1] <= 0) {
            return Math.max(1, memoryBudgetMb / 4);
        }
        long mb = dims[0] * dims[1] * 8 / (1 << 20);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, mb));
    }

    private enum ItemKind {
        RESUMED,
        RECORD,
        EMBEDDED,
        PIXELS
    }

    /** What the decode stage produced for one entry. */
    private record Item(Path path, ItemKind kind, TagResult.Status status, String reason, long size, String mtime,
            String absPath, byte[] hash, String format, float[] chw, float[] vector, boolean pathKnown) {
        static Item record(Path p, TagResult.Status st, String reason, long size, String mtime) {
            return new Item(p, ItemKind.RECORD, st, reason, size, mtime, null, null, null, null, null, false);
        }
    }

    /** An index failure inside a decode task: fatal for the run. */
    private static final class IndexFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        IndexFailure(IOException cause) {
            super(cause);
        }
    }

    /** Counts of the run. */
    private final class Counts {
        long ok;
        long failed;
        long skipped;
        long resumed;
        long resumedFailed;
        long encoded;
        long cacheHits;
    }

    public TagSummary run(List<Path> inputs, Tagger.Listener listener) throws IOException {
        long t0 = System.nanoTime();
        Discovery.checkInputs(inputs);
        ModelInfo info = s.model().info();
        Map<String, ResultLog.Prior> prior = s.output() != null && !s.force() ? ResultLog.readPrior(s.output()) : Map.of();
        Counts counts = new Counts();
        try (LabelRanker ranker = new LabelRanker(s.model(), s.labels(), s.templates(), s.topK(), s.minScore(),
                        listener::warning);
                EmbeddingCache cache = s.index() == null ? null
                        : EmbeddingCache.open(s.index(), info.checkpointSha256(), info.name(), ranker.dim(),
                                s.preprocessingKey());
                ResultLog log = s.output() == null ? null
                        : ResultLog.open(s.output(), s.force(), info.name(), info.checkpointSha256())) {
            long t1 = System.nanoTime();
            pipeline(inputs, listener, prior, ranker, cache, log, counts);
            return new TagSummary(counts.ok, counts.failed, counts.skipped, counts.resumed, counts.resumedFailed,
                    counts.encoded, counts.cacheHits, Duration.ofNanos(System.nanoTime() - t1), Duration.ofNanos(t1 - t0),
                    ranker.provenance());
        }
    }

    /** A queued entry: its path (for a timeout's record) and the decode result to come. */
    private record Pending(Path path, Future<Item> future) {}

    private static final Pending END = new Pending(Path.of(""), CompletableFuture.completedFuture(null));

    private void pipeline(List<Path> inputs, Tagger.Listener listener, Map<String, ResultLog.Prior> prior, LabelRanker ranker,
            EmbeddingCache cache, ResultLog log, Counts counts) throws IOException {
        int capacity = (encoderCalls + 1) * s.batchSize() + 2 * s.threads();
        BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(capacity);
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = new ThreadPoolExecutor(s.threads(), s.threads(), 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "clip-decode-" + threadNo.incrementAndGet());
                    t.setDaemon(true); // a decoder stuck in native code must not keep the JVM alive
                    return t;
                });
        AtomicLong discovered = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean discoveryDone = new java.util.concurrent.atomic.AtomicBoolean();
        Throwable[] discoveryFailure = new Throwable[1];
        java.util.Set<Path> own = new java.util.HashSet<>();
        if (s.output() != null) {
            own.add(s.output());
        }
        if (s.index() != null) {
            own.add(s.index());
        }
        Discovery discovery = new Discovery(s.recursive(), s.includes(), s.excludes(), own);
        Thread walker = new Thread(() -> {
            try {
                discovery.walk(inputs, c -> {
                    discovered.incrementAndGet();
                    Future<Item> f = c.kind() == Discovery.Kind.FILE ? pool.submit(() -> prepare(c.path(), prior, cache))
                            : CompletableFuture.completedFuture(Item.record(c.path(),
                                    c.kind() == Discovery.Kind.SKIPPED ? TagResult.Status.SKIPPED : TagResult.Status.ERROR,
                                    c.reason(), -1, ""));
                    queue.put(new Pending(c.path(), f));
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                synchronized (discoveryFailure) {
                    discoveryFailure[0] = e;
                }
            } finally {
                discoveryDone.set(true);
                try {
                    queue.put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "clip-discovery");
        walker.setDaemon(true);
        walker.start();

        Batch batch = new Batch(ranker, cache, log, listener, counts);
        long lastDiscovered = -1;
        boolean lastDone = false;
        try {
            while (true) {
                Pending f = queue.poll(250, TimeUnit.MILLISECONDS);
                long d = discovered.get();
                boolean done = discoveryDone.get();
                if (d != lastDiscovered || done != lastDone) {
                    listener.discovered(d, done);
                    lastDiscovered = d;
                    lastDone = done;
                }
                if (f == null) {
                    batch.flushIfIdle();
                    continue;
                }
                if (f == END) {
                    break;
                }
                batch.add(await(f, batch));
            }
            batch.flush();
            batch.finishAll();
            synchronized (discoveryFailure) {
                if (discoveryFailure[0] instanceof IOException e) {
                    throw e;
                } else if (discoveryFailure[0] != null) {
                    throw new ClipException("file discovery failed: " + discoveryFailure[0], discoveryFailure[0]);
                }
            }
            listener.discovered(discovered.get(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("tagging interrupted");
        } finally {
            walker.interrupt();
            pool.shutdownNow();
            batch.close();
        }
    }

    /** Waits for a decode, flushing the pending batch meanwhile so slow files do not hold records back. */
    private Item await(Pending pending, Batch batch) throws IOException, InterruptedException {
        Future<Item> f = pending.future();
        long deadline = System.nanoTime() + s.decodeTimeout().toNanos();
        while (true) {
            try {
                return f.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                batch.flushIfIdle();
                if (System.nanoTime() > deadline) {
                    f.cancel(true);
                    return Item.record(pending.path(), TagResult.Status.ERROR, "decoding took longer than "
                            + s.decodeTimeout().toSeconds() + " s; gave up on this file", -1, "");
                }
            } catch (CancellationException e) {
                return Item.record(pending.path(), TagResult.Status.ERROR, "decoding was cancelled", -1, "");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IndexFailure fi) {
                    throw (IOException) fi.getCause();
                }
                throw new ClipException("decode task failed unexpectedly: " + c, c);
            }
        }
    }

    /** The decode stage for one file. Never throws for a bad file: it returns an error item. */
    private Item prepare(Path p, Map<String, ResultLog.Prior> prior, EmbeddingCache cache) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            String why = Files.isSymbolicLink(p) ? "broken symbolic link (its target does not exist)"
                    : "file disappeared before it could be read (deleted or moved)";
            return Item.record(p, TagResult.Status.ERROR, why, -1, "");
        } catch (IOException e) {
            return Item.record(p, TagResult.Status.ERROR, Failures.describe(e), -1, "");
        }
        long size = a.size();
        String mtime = a.lastModifiedTime().toInstant().toString();
        if (a.isDirectory()) {
            return Item.record(p, TagResult.Status.SKIPPED, "is a folder, not an image", -1, mtime);
        }
        if (!a.isRegularFile()) {
            return Item.record(p, TagResult.Status.SKIPPED, "not a regular file (a FIFO, socket or device)", -1, mtime);
        }
        ResultLog.Prior before = prior.get(p.toString());
        if (before != null && before.size() == size && before.mtime().equals(mtime)) {
            return new Item(p, ItemKind.RESUMED, before.status(), "", size, mtime, null, null, null, null, null, true);
        }
        if (size == 0) {
            return Item.record(p, TagResult.Status.ERROR, "empty file (0 bytes)", size, mtime);
        }
        // Files.isReadable asks access(2), which says yes to root for a 0000 file; opening below
        // is the real test and maps EACCES to the same reason.
        if (!Files.isReadable(p)) {
            return Item.record(p, TagResult.Status.ERROR, "permission denied", size, mtime);
        }
        String abs = p.toAbsolutePath().normalize().toString();
        try {
            if (cache != null) {
                float[] v = indexed(() -> cache.byPath(abs, size, mtime));
                if (v != null) {
                    return new Item(p, ItemKind.EMBEDDED, TagResult.Status.OK, "", size, mtime, abs, null, null, null, v, true);
                }
            }
            byte[] head = new byte[Sniffer.HEAD];
            int n;
            try (InputStream in = Files.newInputStream(p)) {
                n = in.readNBytes(head, 0, head.length);
            }
            String format = Sniffer.imageFormat(head, n);
            if (format == null) {
                return Item.record(p, TagResult.Status.ERROR, Sniffer.describeNonImage(head, n), size, mtime);
            }
            byte[] hash = null;
            if (cache != null) {
                hash = sha256(p);
                byte[] h = hash;
                float[] v = indexed(() -> cache.byHash(h));
                if (v != null) {
                    return new Item(p, ItemKind.EMBEDDED, TagResult.Status.OK, "", size, mtime, abs, hash, format, null, v, false);
                }
            }
            long[] dims = Sniffer.dimensions(p, format, head, n);
            int need = memoryNeedMb(dims, size);
            boolean overPixelLimit = dims != null && dims[0] * dims[1] > io.clipkit.ImagePreprocessor.DEFAULT_MAX_PIXELS;
            if (overPixelLimit) {
                // The pipeline's decompression-bomb guard refuses it from the header (unless the limit was
                // raised on purpose): let it say so, with the whole budget held so it runs alone.
                need = memoryBudgetMb;
            } else if (need > soloLimitMb) {
                return Item.record(p, TagResult.Status.ERROR, String.format(java.util.Locale.ROOT,
                        "image is %dx%d = %,d pixels: decoding it needs about %,d MB, more than this JVM can spare"
                                + " (%,d MB); run with a larger Java heap (-Xmx)",
                        dims[0], dims[1], dims[0] * dims[1], need, soloLimitMb), size, mtime);
            }
            // Bigger than the shared budget but within the heap: it takes the whole budget and decodes alone.
            need = Math.min(need, memoryBudgetMb);
            float[] chw;
            // Large images decode one at a time, small ones in parallel: a fair semaphore of megabytes.
            memory.acquire(need);
            try {
                preprocessCalls.incrementAndGet();
                chw = preprocess(p);
            } finally {
                memory.release(need);
            }
            return new Item(p, ItemKind.PIXELS, TagResult.Status.OK, "", size, mtime, abs, hash, format, chw, null, false);
        } catch (IndexFailure e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Item.record(p, TagResult.Status.ERROR, "decoding was cancelled", size, mtime);
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return Item.record(p, TagResult.Status.ERROR, Failures.describe(e), size, mtime);
        }
    }

    private interface IndexCall {
        float[] call() throws IOException;
    }

    /** Index I/O must not be mistaken for a bad file: it fails the run. */
    private static float[] indexed(IndexCall call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new IndexFailure(e);
        }
    }

    /**
     * A file name that is not valid in the platform charset (e.g. Latin-1 bytes on a UTF-8 system)
     * has no faithful String form, and decoders that take a String (OpenCV) cannot open it. Such a
     * file is decoded through a temporary symbolic link with a plain name; the link is made from the
     * Path, which keeps the raw bytes.
     */
    private float[] preprocess(Path p) throws IOException {
        if (!unrepresentable(p)) {
            return s.preprocessor().preprocess(p);
        }
        Path dir = Files.createTempDirectory("clipkit-name-");
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path link = dir.resolve("image" + (dot >= 0 ? name.substring(dot).replace('\uFFFD', '_') : ""));
        try {
            Files.createSymbolicLink(link, p.toAbsolutePath());
            return s.preprocessor().preprocess(link);
        } catch (ImageDecodeException e) {
            throw new ImageDecodeException(p, e.reason(), e);
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(dir);
        }
    }

    static boolean unrepresentable(Path p) {
        return p.toString().indexOf('\uFFFD') >= 0 && !Files.exists(Path.of(p.toString()));
    }

    static byte[] sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    /** Number of images handed to the preprocessor so far (for tests and the summary). */
    long preprocessCalls() {
        return preprocessCalls.get();
    }

    /** A batch handed to the encoder: its items in output order and the embeddings to come. */
    private record InFlight(List<Item> items, int images, Future<float[][]> vectors) {}

    /** The items waiting for the next encoder call, in output order. */
    private final class Batch {
        private final LabelRanker ranker;
        private final EmbeddingCache cache;
        private final ResultLog log;
        private final Tagger.Listener listener;
        private final Counts counts;
        private List<Item> pending = new ArrayList<>();
        private int pixels;
        private long lastFlush = System.nanoTime();
        /** Batches handed to the encoder, oldest first: their records are written in this order. */
        private final java.util.ArrayDeque<InFlight> inFlight = new java.util.ArrayDeque<>();
        private final ExecutorService encoder = encoderCalls == 1 ? null
                : java.util.concurrent.Executors.newFixedThreadPool(encoderCalls, r -> {
                    Thread t = new Thread(r, "clip-encode");
                    t.setDaemon(true);
                    return t;
                });

        Batch(LabelRanker ranker, EmbeddingCache cache, ResultLog log, Tagger.Listener listener, Counts counts) {
            this.ranker = ranker;
            this.cache = cache;
            this.log = log;
            this.listener = listener;
            this.counts = counts;
        }

        void add(Item it) throws IOException {
            pending.add(it);
            if (it.kind() == ItemKind.PIXELS) {
                pixels++;
            }
            if (pixels >= s.batchSize() || pending.size() >= 4 * s.batchSize()) {
                flush();
            }
        }

        void flushIfIdle() throws IOException {
            if ((!pending.isEmpty() || !inFlight.isEmpty()) && System.nanoTime() - lastFlush > FLUSH_IDLE_NANOS) {
                flush();
                finishAll();
            }
        }

        /** Hands the pending items to the encoder; writes the oldest batches once too many are in flight. */
        void flush() throws IOException {
            lastFlush = System.nanoTime();
            if (pending.isEmpty()) {
                return;
            }
            List<float[]> chws = new ArrayList<>(pixels);
            for (Item it : pending) {
                if (it.kind() == ItemKind.PIXELS) {
                    chws.add(it.chw());
                }
            }
            Future<float[][]> vectors;
            if (chws.isEmpty()) {
                vectors = CompletableFuture.completedFuture(new float[0][]);
            } else if (encoder == null) {
                vectors = CompletableFuture.completedFuture(s.model().encodePreprocessed(chws, true));
            } else {
                vectors = encoder.submit(() -> s.model().encodePreprocessed(chws, true));
            }
            inFlight.add(new InFlight(pending, chws.size(), vectors));
            pending = new ArrayList<>();
            pixels = 0;
            while (inFlight.size() >= encoderCalls) {
                finish(inFlight.poll());
            }
        }

        void finishAll() throws IOException {
            while (!inFlight.isEmpty()) {
                finish(inFlight.poll());
            }
        }

        void close() {
            if (encoder != null) {
                encoder.shutdownNow();
            }
        }

        private float[][] await(Future<float[][]> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("tagging interrupted");
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

        /** Ranks an encoded batch, indexes it, writes XMP and the records, and flushes. */
        private void finish(InFlight b) throws IOException {
            List<Item> pending = b.items();
            float[][] vectors = await(b.vectors());
            if (vectors.length != b.images()) {
                throw new ClipException("image encoder returned " + vectors.length + " embeddings for " + b.images() + " images");
            }
            counts.encoded += b.images();
            List<EmbeddingCache.Entry> entries = new ArrayList<>();
            List<Item> ready = new ArrayList<>(pending.size());
            int vi = 0;
            for (Item it : pending) {
                if (it.kind() == ItemKind.PIXELS) {
                    float[] v = vectors[vi++];
                    it = new Item(it.path(), ItemKind.EMBEDDED, it.status(), "", it.size(), it.mtime(), it.absPath(), it.hash(),
                            it.format(), null, v, false);
                    if (cache != null) {
                        entries.add(new EmbeddingCache.Entry(it.absPath(), it.size(), it.mtime(), it.hash(), v));
                    }
                } else if (it.kind() == ItemKind.EMBEDDED) {
                    counts.cacheHits++;
                    if (!it.pathKnown() && cache != null) {
                        entries.add(new EmbeddingCache.Entry(it.absPath(), it.size(), it.mtime(), it.hash(), null));
                    }
                }
                ready.add(it);
            }
            if (cache != null) {
                cache.putAll(entries);
            }
            List<EmbeddingCache.Entry> afterXmp = new ArrayList<>();
            List<float[]> toRank = new ArrayList<>();
            for (Item it : ready) {
                if (it.kind() == ItemKind.EMBEDDED) {
                    toRank.add(it.vector());
                }
            }
            List<List<LabelScore>> ranked = ranker.rank(toRank);
            int ri = 0;
            for (Item it : ready) {
                switch (it.kind()) {
                    case RESUMED -> {
                        counts.resumed++;
                        if (it.status() == TagResult.Status.ERROR) {
                            counts.resumedFailed++;
                        }
                        listener.resumed(it.path());
                    }
                    case RECORD -> emit(new TagResult(it.path(), it.status(), it.size(), it.mtime(), List.of(), it.reason(), ""));
                    case EMBEDDED -> emit(tagged(it, ranked.get(ri++), afterXmp));
                    default -> throw new IllegalStateException(it.kind().toString());
                }
            }
            if (cache != null) {
                cache.putAll(afterXmp);
            }
            if (log != null) {
                log.flush();
            }
        }

        private TagResult tagged(Item it, List<LabelScore> labels, List<EmbeddingCache.Entry> afterXmp) {
            long size = it.size();
            String mtime = it.mtime();
            String note = "";
            if (s.xmp() != Tagger.Xmp.NONE && !labels.isEmpty()) {
                List<String> keywords = labels.stream().map(LabelScore::label).toList();
                try {
                    if (s.xmp() == Tagger.Xmp.EMBED && "jpeg".equals(it.format() != null ? it.format() : sniff(it.path()))) {
                        if (XmpKeywords.embedInJpeg(it.path(), keywords)) {
                            // The file changed on purpose: record its new size and time so a rerun resumes it,
                            // and index the new key (its pixels, hence its embedding, are unchanged).
                            BasicFileAttributes a = Files.readAttributes(it.path(), BasicFileAttributes.class);
                            size = a.size();
                            mtime = a.lastModifiedTime().toInstant().toString();
                            if (it.hash() != null || it.pathKnown()) {
                                byte[] h = it.hash() != null ? it.hash() : sha256(it.path());
                                afterXmp.add(new EmbeddingCache.Entry(it.absPath(), size, mtime, h, it.vector()));
                            }
                        }
                    } else {
                        XmpKeywords.writeSidecar(it.path(), keywords);
                        if (s.xmp() == Tagger.Xmp.EMBED) {
                            note = "not a JPEG: keywords written to the sidecar " + XmpKeywords.sidecar(it.path()).getFileName();
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    return new TagResult(it.path(), TagResult.Status.ERROR, size, mtime, labels,
                            "XMP not written: " + Failures.describe(e), note);
                }
            }
            if (unrepresentable(it.path())) {
                note = (note.isEmpty() ? "" : note + "; ") + "file name is not valid " + System.getProperty("sun.jnu.encoding")
                        + ": shown with replacement characters";
            }
            return new TagResult(it.path(), TagResult.Status.OK, size, mtime, labels, "", note);
        }

        private String sniff(Path p) throws IOException {
            byte[] head = new byte[Sniffer.HEAD];
            try (InputStream in = Files.newInputStream(p)) {
                int n = in.readNBytes(head, 0, head.length);
                return Sniffer.imageFormat(head, n);
            }
        }

        private void emit(TagResult r) throws IOException {
            switch (r.status()) {
                case OK -> counts.ok++;
                case ERROR -> counts.failed++;
                case SKIPPED -> counts.skipped++;
                default -> throw new IllegalStateException();
            }
            if (log != null) {
                log.write(r);
            }
            listener.result(r);
        }
    }

}
