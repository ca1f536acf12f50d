package io.clipkit.batch;

import io.clipkit.ClipException;
import io.clipkit.ModelInfo;
import io.clipkit.TagListener;
import io.clipkit.TagResult;
import io.clipkit.TagSummary;
import io.clipkit.video.VideoClassifier;
import io.clipkit.video.VideoFrame;
import io.clipkit.video.VideoSample;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one tagging job through the stages, each bounded:
 * <ol>
 *   <li>discover ({@link Discovery}, one thread) walks the inputs and submits each work item to the
 *       decode pool, putting its future into a bounded queue (so at most
 *       {@code (calls + 1) * batch + 2 * threads} decoded images are held, whatever the tree);
 *   <li>triage ({@link Triage}) and decode ({@link DecodeStage}) run on the pool;
 *   <li>the calling thread takes the futures in order (giving up on a decode after the timeout)
 *       and feeds the encode stage ({@link EncodeStage}), whose batches go to rank and sink
 *       ({@link TagSink}).
 * </ol>
 * The output file and the index are locked for the run. Internal: use {@code Tagger}.
 */
public final class TagEngine {
    private final TagSettings s;
    private final Writer stream;
    private final int heapShareMb;

    /** @param stream where records go as JSON Lines when there is no output file (null: none) */
    public TagEngine(TagSettings settings, Writer stream) {
        // One image may not take more than the decode budget either: a 100+ Mpx image decoded alone
        // into most of a machine-sized heap left the process that large for the rest of the run.
        // Such images are refused by name instead (the budget, a builder setting, decides).
        this(settings, stream, Math.min(DecodeStage.heapShareMb(), settings.decodeMemoryMb()));
    }

    /** With the most one decode may take given (tests). */
    TagEngine(TagSettings settings, Writer stream, int heapShareMb) {
        this.s = settings;
        this.stream = stream;
        this.heapShareMb = heapShareMb;
    }

    public TagSummary run(List<Path> inputs, TagListener listener) throws IOException {
        long t0 = System.nanoTime();
        Discovery.checkInputs(inputs);
        ModelInfo info = s.model().info();
        RecordSettings settings = s.recordSettings();
        FileChannel indexLock = s.index() == null ? null : lockIndex(s.index());
        try (indexLock;
                ResultLog log = s.output() != null ? ResultLog.open(s.output(), s.force(), info.name(), settings)
                        : stream != null ? ResultLog.toStream(stream, info.name(), settings) : null;
                LabelRanker ranker = new LabelRanker(s.model(), s.labels(), s.templates(), s.topK(), s.minScore(),
                        listener::warning);
                EmbeddingCache index = s.index() == null ? null
                        : EmbeddingCache.open(s.index(), info.checkpointSha256(), info.name(), ranker.dim(),
                                s.preprocessingKey())) {
            Map<String, ResultLog.Prior> prior = log == null ? Map.of() : log.prior();
            java.util.function.Supplier<VideoClassifier> videos = s.videoSampler() == null ? null : new Once<>(
                    () -> new VideoClassifier(s.model(), ranker.classifier(), s.videoSampler(), s.videoOptions()));
            TagSink sink = new TagSink(ranker, index, log, s.xmp(), listener, videos);
            long t1 = System.nanoTime();
            pipeline(inputs, listener, new Triage(prior, settings, index, videos != null), sink, log);
            TagSink.Counts c = sink.counts;
            return new TagSummary(c.ok, c.failed, c.skipped, c.resumed, c.resumedFailed, c.encoded, c.cacheHits,
                    Duration.ofNanos(System.nanoTime() - t1), Duration.ofNanos(t1 - t0), ranker.provenance());
        }
    }

    /** A value made on first use (the video classifier embeds the labels: not before a video needs it). */
    private static final class Once<T> implements java.util.function.Supplier<T> {
        private final java.util.function.Supplier<T> make;
        private T value;

        Once(java.util.function.Supplier<T> make) {
            this.make = make;
        }

        @Override
        public synchronized T get() {
            if (value == null) {
                value = make.get();
            }
            return value;
        }
    }

    /** The index's lock file ({@code <index>.lock}, kept: deleting it would race another run's lock). */
    static Path lockFile(Path index) {
        return index.resolveSibling(index.getFileName() + ".lock");
    }

    private static FileChannel lockIndex(Path index) throws IOException {
        Path lockFile = lockFile(index);
        Path parent = lockFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            ResultLog.lock(ch, index);
            return ch; // closing the channel releases the lock
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A queued work item and the triage/decode result to come. */
    private record Pending(WorkItem work, Future<Item> future) {}

    private static final Pending END = new Pending(WorkItem.file(Path.of("")), CompletableFuture.completedFuture(null));

    private void pipeline(List<Path> inputs, TagListener listener, Triage triage, TagSink sink, ResultLog log)
            throws IOException {
        DecodeStage decode = new DecodeStage(s.preprocessor(), heapShareMb, s.decodeMemoryMb());
        int capacity = (s.encoderCalls() + 1) * s.batchSize() + 2 * s.threads();
        BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(capacity);
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = new ThreadPoolExecutor(s.threads(), s.threads(), 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "clip-decode-" + threadNo.incrementAndGet());
                    t.setDaemon(true); // a decoder stuck in native code must not keep the JVM alive
                    return t;
                });
        AtomicLong discovered = new AtomicLong();
        AtomicBoolean discoveryDone = new AtomicBoolean();
        AtomicReference<Throwable> discoveryFailure = new AtomicReference<>();
        Set<Path> own = new HashSet<>();
        if (s.output() != null) {
            own.add(s.output());
        }
        if (s.index() != null) {
            own.add(s.index());
            own.add(lockFile(s.index()));
        }
        Discovery discovery = new Discovery(s.recursive(), s.includes(), s.excludes(), own, s.videoSampler() != null);
        Thread walker = new Thread(() -> {
            try {
                discovery.walk(inputs, c -> {
                    discovered.incrementAndGet();
                    WorkItem w = WorkItem.file(c.path());
                    Future<Item> f = switch (c.kind()) {
                        case FILE -> pool.submit(() -> decoded(triage.triage(w), decode));
                        case SKIPPED -> CompletableFuture.completedFuture(triage.judged(w, TagResult.Status.SKIPPED, c.reason()));
                        case ERROR -> CompletableFuture.completedFuture(triage.judged(w, TagResult.Status.ERROR, c.reason()));
                    };
                    queue.put(new Pending(w, f));
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                discoveryFailure.set(e);
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

        long lastDiscovered = -1;
        boolean lastDone = false;
        try (EncodeStage<Item> encode = new EncodeStage<>(s.model(), s.batchSize(), s.encoderCalls(), sink)) {
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
                    encode.flushIfIdle();
                    continue;
                }
                if (f == END) {
                    break;
                }
                Item it = await(f, encode);
                encode.add(it, it.kind() == Item.Kind.PIXELS ? it.chw() : null);
            }
            encode.finishAll();
            Throwable failure = discoveryFailure.get();
            if (failure instanceof IOException e) {
                throw e;
            } else if (failure != null) {
                throw new ClipException("file discovery failed: " + failure, failure);
            }
            listener.discovered(discovered.get(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("tagging interrupted");
        } finally {
            walker.interrupt();
            pool.shutdownNow();
        }
    }

    /** The decode stage for what triage passed on; never throws for a bad file. */
    private Item decoded(Item it, DecodeStage decode) {
        if (it.kind() != Item.Kind.DECODE) {
            return it;
        }
        try {
            if (Item.VIDEO.equals(it.format())) {
                return it.withFrames(sampled(it, decode));
            }
            return it.withPixels(decode.decode(it.path(), it.dims(), it.format()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return it.failed("decoding was cancelled", true);
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return it.failed(Failures.describe(e), Failures.environmental(e));
        }
    }

    /**
     * Samples a video and embeds its frames here, on the decode thread, a batch at a time: its item
     * then carries 512-float vectors, not pixels, through the queue, and the pixels are dropped.
     */
    private Item.Frames sampled(Item it, DecodeStage decode) throws IOException, InterruptedException {
        VideoSample vs = decode.sampleVideo(s.videoSampler(), it.path(), s.videoOptions());
        if (vs.frames().isEmpty()) {
            throw new io.clipkit.ImageDecodeException(it.path(), "no decodable video frame");
        }
        float[][] vectors = VideoClassifier.embedFrames(s.model(), vs.frames(), s.batchSize());
        List<VideoFrame> times = new ArrayList<>(vs.frames().size());
        for (VideoFrame f : vs.frames()) {
            times.add(new VideoFrame(f.time(), f.sceneChange(), new float[0]));
        }
        return new Item.Frames(new VideoSample(vs.file(), times, vs.duration(), vs.width(), vs.height(), vs.rotation(),
                vs.codec(), vs.note()), vectors, false);
    }

    /** Waits for a decode, flushing the pending batch meanwhile so slow files do not hold records back. */
    private Item await(Pending pending, EncodeStage<Item> encode) throws IOException, InterruptedException {
        Future<Item> f = pending.future();
        long deadline = System.nanoTime() + s.decodeTimeout().toNanos();
        while (true) {
            try {
                return f.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                encode.flushIfIdle();
                if (System.nanoTime() > deadline) {
                    f.cancel(true);
                    return Item.record(pending.work(), TagResult.Status.ERROR, "decoding took longer than "
                            + s.decodeTimeout().toSeconds() + " s; gave up on this file", -1, "");
                }
            } catch (CancellationException e) {
                return Item.retryable(pending.work(), "decoding was cancelled", -1, "");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Triage.IndexFailure fi) {
                    throw fi.io();
                }
                throw new ClipException("decode task failed unexpectedly: " + c, c);
            }
        }
    }
}
