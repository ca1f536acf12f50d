package io.clipkit.registry;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Downloads a file into place safely: into {@code <target>.part}, resuming a partial file with an
 * HTTP Range request (also after a dropped connection, up to a few attempts), verifying the SHA-256,
 * then renaming atomically. A mismatch deletes the download. Concurrent downloads of the same target
 * (threads or processes) are serialized by a lock on {@code <target>.lock}, removed when the
 * download ends; the second finds the finished file and verifies it. A server that sends nothing for the read timeout fails the download.
 */
public final class Downloader {
    /** Receives progress; called from HTTP threads. */
    public interface Listener {
        /** A transfer starts: total size if known (else -1), and how many bytes were already there. */
        default void started(String what, long total, long resumedFrom) {}

        /** Bytes of the file present so far (including a resumed part). */
        default void progress(long bytes) {}

        /** The transfer ended (successfully or not). */
        default void finished() {}

        /** A one-line note (retrying, verifying). */
        default void message(String line) {}
    }

    public static final Listener SILENT = new Listener() {};

    private static final Map<Path, ReentrantLock> IN_JVM_LOCKS = new ConcurrentHashMap<>();

    // Built on first download: creating an HttpClient initializes TLS (~0.2 s), which a command
    // that finds its model in the cache should not pay.
    private volatile HttpClient client;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int attempts;

    /** Connect timeout 20 s, read (stall) timeout 60 s, 4 attempts. */
    public Downloader() {
        this(Duration.ofSeconds(20), Duration.ofSeconds(60), 4);
    }

    /**
     * @param connectTimeout time allowed to connect
     * @param readTimeout longest time without receiving a byte (headers or body)
     * @param attempts tries per download; a retry resumes where the last one stopped, and happens
     *     only after a try that made progress
     */
    public Downloader(Duration connectTimeout, Duration readTimeout, int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
        this.connectTimeout = Objects.requireNonNull(connectTimeout);
        this.readTimeout = Objects.requireNonNull(readTimeout);
        this.attempts = attempts;
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .connectTimeout(connectTimeout)
                            .followRedirects(HttpClient.Redirect.NORMAL)
                            .build();
                    client = c;
                }
            }
        }
        return c;
    }

    /**
     * Makes {@code target} a verified copy of {@code url}: returns at once if it already exists with
     * the right hash, else downloads it.
     *
     * @param expectedSize bytes if known, else -1 (used for progress and to discard an oversized part)
     * @throws IOException naming the URL and what went wrong (HTTP status, timeout, checksum)
     */
    public Path fetch(URI url, String sha256, long expectedSize, Path target, Listener listener) throws IOException {
        return fetch(url, Checksum.sha256(sha256, "the registry"), expectedSize, target, listener);
    }

    /**
     * What a download must match: a SHA-256, or the git blob SHA-1 that the Hugging Face hub states
     * as the {@code ETag} of files it does not keep in LFS (small JSON and text files).
     *
     * @param algorithm {@code sha256} or {@code git-sha1}
     * @param hex lower-case hex digest
     * @param source where the value came from, for messages ("the registry", "the X-Linked-Etag of URL")
     */
    public record Checksum(String algorithm, String hex, String source) {
        public Checksum {
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(source, "source");
            hex = Objects.requireNonNull(hex, "hex").toLowerCase(java.util.Locale.ROOT);
        }

        public static Checksum sha256(String hex, String source) {
            return new Checksum("sha256", hex, source);
        }

        /** The file's digest in this checksum's algorithm. */
        public String of(Path file) throws IOException {
            return algorithm.equals("git-sha1") ? gitBlobSha1(file) : Downloader.sha256(file);
        }

        String label() {
            return algorithm.equals("git-sha1") ? "git blob SHA-1" : "SHA-256";
        }
    }

    /**
     * The checksum a Hugging Face-style server states for {@code url}, from a HEAD request that does
     * not follow redirects (as huggingface_hub asks): {@code X-Linked-Etag} (the SHA-256 of an LFS
     * file), else an {@code ETag} of 40 hex digits (git blob SHA-1 of a small file).
     *
     * @throws IOException if the server states neither (naming the URL), or the request fails
     */
    public Checksum statedChecksum(URI url) throws IOException {
        HttpClient head = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest req = HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("User-Agent", "clipkit").timeout(readTimeout).build();
        HttpResponse<Void> r;
        try {
            r = head.send(req, HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("checksum request to " + url + " interrupted", e);
        } catch (IOException e) {
            throw new IOException("cannot ask " + url.getHost() + " for the checksum of " + url + ": "
                    + io.clipkit.util.IoReasons.reason(e), e);
        }
        if (r.statusCode() == 404) {
            throw new HttpStatusException(url + ": HTTP 404 (not found at this revision)");
        }
        if (r.statusCode() >= 400) {
            throw new HttpStatusException(url + ": HTTP " + r.statusCode() + " asking for its checksum");
        }
        String linked = etag(r.headers().firstValue("X-Linked-Etag").orElse(null));
        if (linked != null && linked.matches("[0-9a-fA-F]{64}")) {
            return Checksum.sha256(linked, "the X-Linked-Etag of " + url);
        }
        String tag = etag(r.headers().firstValue("ETag").orElse(null));
        if (tag != null && tag.matches("[0-9a-fA-F]{64}")) {
            return Checksum.sha256(tag, "the ETag of " + url);
        }
        if (tag != null && tag.matches("[0-9a-fA-F]{40}")) {
            return new Checksum("git-sha1", tag, "the ETag of " + url);
        }
        throw new IOException(url + ": the server states no checksum (no X-Linked-Etag or ETag); "
                + "give the file's sha256 in the registry entry");
    }

    private static String etag(String v) {
        if (v == null) {
            return null;
        }
        String t = v.strip();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            t = t.substring(1, t.length() - 1);
        }
        return t;
    }

    /** git's object id of a file: SHA-1 of {@code "blob <size>\0"} followed by the content. */
    static String gitBlobSha1(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(("blob " + Files.size(file) + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** As {@link #fetch(URI, String, long, Path, Listener)}, verified against {@code expected}. */
    public Path fetch(URI url, Checksum expected, long expectedSize, Path target, Listener listener) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        ReentrantLock jvmLock = IN_JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
        jvmLock.lock();
        try {
            while (true) {
                try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock lock = lc.lock();
                    try {
                        if (lc.size() > 0) {
                            // Retired by the holder we waited for (see below): lock the file now at the
                            // path. A retired file still there was left by a process killed between
                            // marking and removing it; its holder is gone, so it is removed here.
                            if (Files.exists(lockFile) && Files.size(lockFile) > 0) {
                                Files.deleteIfExists(lockFile);
                            }
                            continue;
                        }
                        try {
                            return fetchLocked(url, expected, expectedSize, target, listener);
                        } finally {
                            // No lock file is left behind, after success or failure. A process already
                            // waiting on this file would still get it once released, so the file is
                            // first marked retired (one byte; a lock file in use is empty), then removed.
                            retire(lc, lockFile);
                        }
                    } finally {
                        lock.release();
                    }
                }
            }
        } finally {
            jvmLock.unlock();
        }
    }

    /** Marks a held lock file retired and removes it; if marking fails (disk full) it stays, empty and harmless. */
    private static void retire(FileChannel lc, Path lockFile) {
        try {
            lc.write(ByteBuffer.wrap(new byte[] {'x'}), 0);
            Files.deleteIfExists(lockFile);
        } catch (IOException e) {
            // Not removed unmarked: a process waiting on it would then take it for a live lock.
        }
    }

    private Path fetchLocked(URI url, Checksum expected, long expectedSize, Path target, Listener listener) throws IOException {
        {
            if (Files.isRegularFile(target)) {
                String have = expected.of(target);
                if (have.equals(expected.hex())) {
                    return target;
                }
                listener.message(target + " does not match its " + expected.label() + " (" + have + "); downloading it again");
            }
            Path part = target.resolveSibling(target.getFileName() + ".part");
            download(url, expectedSize, part, listener);
            String got = expected.of(part);
            if (!got.equals(expected.hex())) {
                Files.deleteIfExists(part);
                throw new ChecksumMismatchException("checksum mismatch for " + url + ": expected " + expected.label() + " " + expected.hex()
                        + " (from " + expected.source() + ") but the download has " + got + "; the download was deleted");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        }
    }

    private void download(URI url, long expectedSize, Path part, Listener listener) throws IOException {
        if (expectedSize > 0 && Files.exists(part) && Files.size(part) > expectedSize) {
            Files.delete(part);
        }
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            long before = Files.exists(part) ? Files.size(part) : 0;
            try {
                transfer(url, part, listener);
                return;
            } catch (IOException e) {
                last = e;
                long after = Files.exists(part) ? Files.size(part) : 0;
                if (e instanceof HttpStatusException || after <= before || attempt == attempts) {
                    throw e;
                }
                listener.message("download interrupted after " + after + " bytes (" + e.getMessage() + "); resuming");
            }
        }
        throw last;
    }

    /** The download completed, but its SHA-256 is not the expected one (the file was deleted). */
    public static final class ChecksumMismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatchException(String message) {
            super(message);
        }
    }

    /** An HTTP status that retrying will not fix. */
    static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;

        HttpStatusException(String message) {
            super(message);
        }
    }

    /** One request; returns when the part file holds the whole body. */
    private void transfer(URI url, Path part, Listener listener) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).GET().header("User-Agent", "clipkit");
        if (have > 0) {
            rb.header("Range", "bytes=" + have + "-");
        }
        FileSink sink = new FileSink(part, have, listener);
        CompletableFuture<HttpResponse<Void>> future = client().sendAsync(rb.build(), info -> sink.open(info, url));
        try {
            while (true) {
                try {
                    future.get(Math.min(250, readTimeout.toMillis()), TimeUnit.MILLISECONDS);
                    sink.close();
                    if (sink.rangeNotSatisfiable) {
                        // The part is already whole (the checksum will tell).
                        return;
                    }
                    long size = Files.size(part);
                    if (sink.total > 0 && size != sink.total) {
                        throw new IOException("connection to " + url + " ended after " + size + " of " + sink.total + " bytes");
                    }
                    return;
                } catch (TimeoutException stillRunning) {
                    long idle = System.nanoTime() - sink.lastActivity;
                    if (idle > readTimeout.toNanos()) {
                        sink.abort();
                        future.cancel(true);
                        throw new IOException("timed out: no data from " + url + " for "
                                + (readTimeout.toMillis() < 1000 ? readTimeout.toMillis() + " ms" : readTimeout.toSeconds() + " s")
                                + (sink.received > 0 ? " after " + sink.received + " bytes" : ""));
                    }
                }
            }
        } catch (ExecutionException e) {
            sink.close();
            Throwable c = e.getCause();
            if (c instanceof java.io.UncheckedIOException u) {
                c = u.getCause();
            }
            if (c instanceof HttpStatusException h) {
                throw h;
            }
            if (c instanceof HttpConnectTimeoutException) {
                throw new IOException("cannot connect to " + url.getHost() + ": no answer within "
                        + connectTimeout.toSeconds() + " s (offline?)", c);
            }
            if (c instanceof ConnectException) {
                throw new IOException("cannot connect to " + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "")
                        + " (offline, or the server is down)", c);
            }
            if (c instanceof IOException io) {
                String m = io.getMessage();
                throw new IOException("download of " + url + " failed: " + (m == null ? io.getClass().getSimpleName() : m), io);
            }
            throw new IOException("download of " + url + " failed: " + c, c);
        } catch (InterruptedException e) {
            sink.abort();
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("download of " + url + " interrupted", e);
        } catch (CancellationException e) {
            sink.abort();
            throw new IOException("download of " + url + " cancelled", e);
        } finally {
            listener.finished();
        }
    }

    /** Writes the body into the part file as it arrives, recording when bytes last came. */
    private static final class FileSink implements HttpResponse.BodySubscriber<Void> {
        private final Path part;
        private final long have;
        private final Listener listener;
        private final CompletableFuture<Void> body = new CompletableFuture<>();
        private FileChannel channel;
        private Flow.Subscription subscription;
        private boolean aborted;
        volatile long lastActivity = System.nanoTime();
        volatile long received;
        volatile long total = -1;
        volatile boolean rangeNotSatisfiable;
        private long position;

        FileSink(Path part, long have, Listener listener) {
            this.part = part;
            this.have = have;
            this.listener = listener;
        }

        /** Picks the subscriber for the response: this one for 200/206, a discarding one otherwise. */
        synchronized HttpResponse.BodySubscriber<Void> open(HttpResponse.ResponseInfo info, URI url) {
            lastActivity = System.nanoTime();
            int status = info.statusCode();
            try {
                if (status == 416 && have > 0) {
                    rangeNotSatisfiable = true;
                    return HttpResponse.BodySubscribers.discarding();
                }
                long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (status == 206) {
                    String cr = info.headers().firstValue("Content-Range").orElse("");
                    if (!cr.startsWith("bytes " + have + "-")) {
                        throw new HttpStatusException("server at " + url + " answered a resume from byte " + have
                                + " with Content-Range '" + cr + "'");
                    }
                    channel = FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
                    position = have;
                    total = length >= 0 ? have + length : -1;
                    listener.started(url.toString(), total, have);
                } else if (status == 200) {
                    channel = FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                    position = 0;
                    total = length;
                    listener.started(url.toString(), total, 0);
                } else {
                    throw new HttpStatusException("HTTP " + status + (status == 404 ? " (not found)" : "")
                            + " from " + url);
                }
                return this;
            } catch (HttpStatusException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(new IOException("cannot write " + part + ": " + e.getMessage(), e));
            }
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (aborted) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> items) {
            if (aborted) {
                return;
            }
            try {
                for (ByteBuffer b : items) {
                    while (b.hasRemaining()) {
                        int n = channel.write(b, position);
                        position += n;
                        received += n;
                    }
                }
                lastActivity = System.nanoTime();
                listener.progress(position);
                subscription.request(1);
            } catch (IOException e) {
                aborted = true;
                subscription.cancel();
                body.completeExceptionally(new IOException("cannot write " + part + ": " + e.getMessage(), e));
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(null);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> getBody() {
            return body;
        }

        /** Stops writing (stall, interrupt); the part keeps what was written. */
        synchronized void abort() {
            aborted = true;
            if (subscription != null) {
                subscription.cancel();
            }
            closeChannel();
        }

        synchronized void close() {
            closeChannel();
        }

        private void closeChannel() {
            if (channel != null) {
                try {
                    channel.force(false);
                    channel.close();
                } catch (IOException ignored) {
                    // Nothing more to do: the size and checksum checks catch a bad part.
                }
                channel = null;
            }
        }
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        return io.clipkit.util.Hashes.sha256Hex(file);
    }
}
