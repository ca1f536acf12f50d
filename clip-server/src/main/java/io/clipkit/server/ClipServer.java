package io.clipkit.server;

import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP service over one loaded {@link ClipModel}: image and text embeddings, zero-shot
 * classification, metrics and a web page, with requests from all clients batched together per
 * encoder. Binds to loopback unless told otherwise. The model stays the caller's: close the server
 * first, then the model.
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").load();
 *      ClipServer server = ClipServer.builder().model(model).port(8080).maxBatch(16).start()) {
 *     System.out.println("listening on " + server.uri());
 *     server.join();                      // until close() is called, e.g. from a signal handler
 * }
 * }</pre>
 */
public final class ClipServer implements AutoCloseable {
    /** Everything a running server was built with (checked by the builder). */
    record Config(ClipModel model, String host, int port, String token, int maxBatch, Duration maxWait,
            long maxBodyBytes, long maxPixels, boolean exifRotate, Duration decodeTimeout, int decodeThreads,
            Duration encodeTimeout, Duration drainTimeout, boolean fast, io.clipkit.EmbeddingIndex index) {}

    private final Config config;
    private final Server jetty;
    private final ServerConnector connector;
    private final Batcher<float[], float[]> images;
    private final Batcher<int[], float[]> texts;
    private final ExecutorService decoders;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object closeLock = new Object();
    private boolean closed;

    private ClipServer(Config c) throws IOException {
        this.config = c;
        ClipModel model = c.model();
        Metrics metrics = new Metrics();
        this.images = new Batcher<>("clip-batch-image",
                batch -> Arrays.asList(model.encodePreprocessed(batch, true)),
                c.maxBatch(), c.maxWait().toNanos(), n -> metrics.batch("image", n));
        this.texts = new Batcher<>("clip-batch-text",
                batch -> Arrays.asList(model.encodeTokens(batch.toArray(new int[0][]), true)),
                c.maxBatch(), c.maxWait().toNanos(), n -> metrics.batch("text", n));
        AtomicInteger n = new AtomicInteger();
        this.decoders = new ThreadPoolExecutor(c.decodeThreads(), c.decodeThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "clip-decode-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ImagePreprocessor pre = c.exifRotate() && c.maxPixels() == ImagePreprocessor.DEFAULT_MAX_PIXELS && !c.fast()
                ? model.preprocessor()
                : ImagePreprocessor.builder().spec(model.info().spec().image()).exifRotate(c.exifRotate())
                        .maxPixels(c.maxPixels()).fast(c.fast()).build(); // the model's own spec (size, mean/std), other limits
        Api api = new Api(c, pre, images, texts, decoders, metrics, new Web(), new SearchRoutes(c.index(), model));

        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("clip-http");
        pool.setDaemon(true);
        this.jetty = new Server(pool);
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setSendServerVersion(false); // no "Server: Jetty(x.y)" banner for scanners
        this.connector = new ServerConnector(jetty, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost(c.host());
        connector.setPort(c.port());
        jetty.addConnector(connector);
        // GracefulHandler: on stop, new requests get 503 while the ones in flight finish.
        jetty.setHandler(new GracefulHandler(api));
        jetty.setStopTimeout(c.drainTimeout().toMillis());
        jetty.setStopAtShutdown(false); // the caller decides (the CLI drains on SIGTERM itself)
        try {
            jetty.start();
        } catch (IOException e) {
            shutdownWorkers();
            throw new IOException("cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            shutdownWorkers();
            throw new IOException("cannot start the HTTP server: " + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port listened on (the chosen one when built with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String h = config.host();
        if (h.contains(":") && !h.startsWith("[")) {
            h = "[" + h + "]"; // an IPv6 literal
        }
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /** Blocks until the server has been closed. */
    public void join() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops accepting connections, lets the requests in flight finish (up to the drain timeout),
     * encodes what is still queued, and frees the threads. Idempotent.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            System.getLogger(ClipServer.class.getName()).log(System.Logger.Level.WARNING, "stopping the HTTP server", e);
        } finally {
            shutdownWorkers();
            stopped.countDown();
        }
    }

    private void shutdownWorkers() {
        images.close();
        texts.close();
        decoders.shutdownNow();
    }

    /** Validating builder: each setter checks its value at once and names what is wrong. */
    public static final class Builder {
        private ClipModel model;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String token;
        private int maxBatch = 16;
        private Duration maxWait = Duration.ofMillis(10);
        private long maxBodyBytes = 32L << 20;
        private long maxPixels = ImagePreprocessor.DEFAULT_MAX_PIXELS;
        private boolean exifRotate = true;
        private boolean fast;
        private io.clipkit.EmbeddingIndex index;
        private Duration decodeTimeout = Duration.ofSeconds(10);
        private int decodeThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private Duration encodeTimeout = Duration.ofSeconds(120);
        private Duration drainTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /** The model to serve (required); it stays open when the server closes. */
        public Builder model(ClipModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Interface to bind; default {@code 127.0.0.1} (loopback only). */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host is empty: give an address such as 127.0.0.1 or 0.0.0.0");
            }
            this.host = host.strip();
            return this;
        }

        /** TCP port, 0..65535 (0: any free port, see {@link ClipServer#port()}); default 8080. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Requires {@code Authorization: Bearer TOKEN} on the API and metrics routes; null: none. */
        public Builder token(String token) {
            if (token != null && (token.isBlank() || !token.chars().allMatch(ch -> ch > 32 && ch < 127))) {
                throw new IllegalArgumentException("token must be non-empty printable ASCII without spaces");
            }
            this.token = token;
            return this;
        }

        /** Most inputs per encoder call, 1..256; default 16. */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1 || maxBatch > 256) {
                throw new IllegalArgumentException("maxBatch must be in 1..256, got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** Longest a request waits for others to join its batch, 0..10 s; default 10 ms. */
        public Builder maxWait(Duration maxWait) {
            if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("maxWait must be in 0..10 s, got " + maxWait.toMillis() + " ms");
            }
            this.maxWait = maxWait;
            return this;
        }

        /** Largest request body; larger ones get 413 unread. Default 32 MiB. */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("maxBodyBytes must be in 1.." + (Integer.MAX_VALUE - 64) + ", got " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Refuse images with more pixels (decompression-bomb guard); default PIL's limit. */
        public Builder maxPixels(long maxPixels) {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
            this.maxPixels = maxPixels;
            return this;
        }

        /**
         * The embedding index {@code /v1/search} answers from (made by {@code clip index} or
         * {@code clip tag} with the same model; the caller opens and closes it). Default none:
         * the search routes answer 404 saying so.
         */
        public Builder index(io.clipkit.EmbeddingIndex index) {
            this.index = java.util.Objects.requireNonNull(index, "index");
            return this;
        }

        /** Decode JPEG uploads reduced ({@link ImagePreprocessor.Builder#fast}); default false (bit-exact). */
        public Builder fast(boolean fast) {
            this.fast = fast;
            return this;
        }

        /** Rotate uploads by their EXIF orientation (default true, as the CLI). */
        public Builder exifRotate(boolean exifRotate) {
            this.exifRotate = exifRotate;
            return this;
        }

        /** Longest one image may take to decode and resize; default 10 s. */
        public Builder decodeTimeout(Duration decodeTimeout) {
            if (decodeTimeout.isNegative() || decodeTimeout.isZero()) {
                throw new IllegalArgumentException("decodeTimeout must be positive, got " + decodeTimeout.toMillis() + " ms");
            }
            this.decodeTimeout = decodeTimeout;
            return this;
        }

        /** Threads decoding uploads in parallel, 1..256; default the CPU count (at least 2). */
        public Builder decodeThreads(int decodeThreads) {
            if (decodeThreads < 1 || decodeThreads > 256) {
                throw new IllegalArgumentException("decodeThreads must be in 1..256, got " + decodeThreads);
            }
            this.decodeThreads = decodeThreads;
            return this;
        }

        /** Longest a request waits for its batch to be encoded before 503; default 120 s. */
        public Builder encodeTimeout(Duration encodeTimeout) {
            if (encodeTimeout.isNegative() || encodeTimeout.isZero()) {
                throw new IllegalArgumentException("encodeTimeout must be positive, got " + encodeTimeout.toMillis() + " ms");
            }
            this.encodeTimeout = encodeTimeout;
            return this;
        }

        /** How long {@link ClipServer#close()} lets requests in flight finish; default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must be >= 0, got " + drainTimeout.toMillis() + " ms");
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @throws IOException if the address cannot be bound (in use, not local)
         */
        public ClipServer start() throws IOException {
            if (model == null) {
                throw new IllegalArgumentException("no model given");
            }
            return new ClipServer(new Config(model, host, port, token, maxBatch, maxWait, maxBodyBytes, maxPixels,
                    exifRotate, decodeTimeout, decodeThreads, encodeTimeout, drainTimeout, fast, index));
        }
    }
}
