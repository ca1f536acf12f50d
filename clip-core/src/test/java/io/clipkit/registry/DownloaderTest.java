package io.clipkit.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloaderTest {
    static final byte[] DATA = new byte[200_000];
    static final String SHA;

    static {
        new Random(1).nextBytes(DATA);
        try {
            SHA = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(DATA));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @TempDir Path dir;

    /** Short timeouts, for the tests of stalls and silent servers. */
    private static Downloader fast() {
        return new Downloader(Duration.ofSeconds(2), Duration.ofMillis(800), 3);
    }

    /**
     * For the tests that are not about timeouts: a loaded CI machine (or a busy test JVM) can leave a
     * local server silent for longer than 0.8 s, which made them fail as stalls.
     */
    private static Downloader patient() {
        return new Downloader(Duration.ofSeconds(10), Duration.ofSeconds(20), 3);
    }

    private void assertNoLeftovers(Path target) {
        assertFalse(Files.exists(target.resolveSibling(target.getFileName() + ".part")), "part file left");
    }

    @Test
    void downloadsVerifiesAndRenames() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> LocalServer.serve(ex, DATA))) {
            Path target = dir.resolve("m/model.pt");
            List<Long> progress = new ArrayList<>();
            Downloader.Listener l = new Downloader.Listener() {
                @Override
                public void progress(long bytes) {
                    progress.add(bytes);
                }
            };
            assertEquals(target, patient().fetch(s.url("/x/model.pt"), SHA, DATA.length, target, l));
            assertArrayEquals(DATA, Files.readAllBytes(target));
            assertNoLeftovers(target);
            assertEquals(DATA.length, progress.get(progress.size() - 1));
            assertEquals(List.of(""), s.ranges);
            // Already there and verified: no second request.
            patient().fetch(s.url("/x/model.pt"), SHA, DATA.length, target, Downloader.SILENT);
            assertEquals(1, s.requests());
        }
    }

    @Test
    void resumesWithRangeAfterADroppedConnection() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> {
            if (n == 1) {
                // Promise the whole file, send a third, then drop the connection.
                ex.sendResponseHeaders(200, DATA.length);
                OutputStream out = ex.getResponseBody();
                out.write(DATA, 0, DATA.length / 3);
                out.flush();
                throw new IOException("drop");   // the server closes the connection mid-body
            }
            LocalServer.serve(ex, DATA);
        })) {
            Path target = dir.resolve("model.pt");
            List<String> messages = new ArrayList<>();
            patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, new Downloader.Listener() {
                @Override
                public void message(String line) {
                    messages.add(line);
                }
            });
            assertArrayEquals(DATA, Files.readAllBytes(target));
            assertEquals(2, s.requests());
            assertTrue(s.ranges.get(1).matches("bytes=\\d+-"), s.ranges.toString());
            long from = Long.parseLong(s.ranges.get(1).replaceAll("\\D", ""));
            assertTrue(from > 0 && from <= DATA.length / 3, "resumed from " + from);
            assertTrue(messages.stream().anyMatch(m -> m.contains("resuming")), messages.toString());
            assertNoLeftovers(target);
        }
    }

    @Test
    void resumesAPartLeftByAnEarlierRun() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> LocalServer.serve(ex, DATA))) {
            Path target = dir.resolve("model.pt");
            Files.write(dir.resolve("model.pt.part"), java.util.Arrays.copyOf(DATA, 12345));
            patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT);
            assertEquals(List.of("bytes=12345-"), s.ranges);
            assertArrayEquals(DATA, Files.readAllBytes(target));
        }
    }

    @Test
    void serverIgnoringRangeRestartsFromScratch() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> {
            ex.sendResponseHeaders(200, DATA.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(DATA);
            }
        })) {
            Path target = dir.resolve("model.pt");
            Files.write(dir.resolve("model.pt.part"), new byte[] {9, 9, 9});
            patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT);
            assertArrayEquals(DATA, Files.readAllBytes(target));
        }
    }

    @Test
    void checksumMismatchDeletesTheDownloadAndNamesBothHashes() throws Exception {
        byte[] other = DATA.clone();
        other[100] ^= 1;
        try (LocalServer s = new LocalServer((ex, n) -> LocalServer.serve(ex, other))) {
            Path target = dir.resolve("model.pt");
            IOException e = assertThrows(IOException.class,
                    () -> patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT));
            String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(other));
            assertTrue(e.getMessage().contains(SHA) && e.getMessage().contains(actual), e.getMessage());
            assertFalse(Files.exists(target));
            assertNoLeftovers(target);
        }
    }

    @Test
    void notFoundIsAClearError() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> ex.sendResponseHeaders(404, -1))) {
            Path target = dir.resolve("model.pt");
            IOException e = assertThrows(IOException.class,
                    () -> patient().fetch(s.url("/missing.pt"), SHA, DATA.length, target, Downloader.SILENT));
            assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("/missing.pt"), e.getMessage());
            assertEquals(1, s.requests(), "a 404 is not retried");
            assertFalse(Files.exists(target));
        }
    }

    @Test
    void stalledBodyTimesOutWithinABoundedWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LocalServer s = new LocalServer((ex, n) -> {
            ex.sendResponseHeaders(200, DATA.length);
            ex.getResponseBody().write(DATA, 0, 1000);
            ex.getResponseBody().flush();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        })) {
            Path target = dir.resolve("model.pt");
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(IOException.class,
                    () -> fast().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT)));
            release.countDown();
            assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("/model.pt"), e.getMessage());
            assertFalse(Files.exists(target));
        }
    }

    @Test
    void serverThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // Accepts connections (the OS backlog) but never reads or answers.
            URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/model.pt");
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(IOException.class,
                    () -> fast().fetch(url, SHA, DATA.length, dir.resolve("model.pt"), Downloader.SILENT)));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void refusedConnectionSaysSo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/model.pt");
        IOException e = assertThrows(IOException.class,
                () -> fast().fetch(url, SHA, DATA.length, dir.resolve("model.pt"), Downloader.SILENT));
        assertTrue(e.getMessage().contains("cannot connect to 127.0.0.1"), e.getMessage());
    }

    @Test
    void concurrentPullsOfTheSameFileNeverCorruptIt() throws Exception {
        // A slow server: each request trickles the file in chunks, so the two pulls overlap.
        try (LocalServer s = new LocalServer((ex, n) -> {
            ex.sendResponseHeaders(200, DATA.length);
            try (OutputStream out = ex.getResponseBody()) {
                for (int off = 0; off < DATA.length; off += 20_000) {
                    out.write(DATA, off, Math.min(20_000, DATA.length - off));
                    out.flush();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        })) {
            Path target = dir.resolve("model.pt");
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Path>> fs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    fs.add(pool.submit(() -> patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT)));
                }
                for (Future<Path> f : fs) {
                    assertEquals(target, f.get(30, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            }
            assertArrayEquals(DATA, Files.readAllBytes(target));
            assertEquals(1, s.requests(), "the later pulls found the verified file");
            assertNoLeftovers(target);
        }
    }

    @Test
    void aCorruptCachedFileIsReplaced() throws Exception {
        try (LocalServer s = new LocalServer((ex, n) -> LocalServer.serve(ex, DATA))) {
            Path target = dir.resolve("model.pt");
            Files.write(target, new byte[] {1, 2, 3});
            patient().fetch(s.url("/model.pt"), SHA, DATA.length, target, Downloader.SILENT);
            assertArrayEquals(DATA, Files.readAllBytes(target));
        }
    }
}
