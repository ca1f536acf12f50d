package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.clipkit.registry.ModelRegistry;
import io.clipkit.testing.FakeClipModel;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Registry and download messages (issue 9, items 13 and 14): each failure gets its own sentence. */
class RegistryMessagesTest {
    static final byte[] MODEL = "tiny model bytes for the registry test".getBytes();
    @TempDir Path cache;
    HttpServer server;
    String base;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile byte[] served = MODEL;
    volatile CountDownLatch slow;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine(b -> b.loader((file, options) -> FakeClipModel.small()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            requests.add(p);
            byte[] body = p.endsWith("tiny.pt") ? served : null;
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                CountDownLatch l = slow;
                if (l != null) {
                    try {
                        l.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        registry("tiny", base + "/x/tiny.pt");
    }

    void registry(String name, String url) throws Exception {
        Files.writeString(cache.resolve("registry.json"), "{\"models\": [{\"name\": \"" + name + "\", \"url\": \"" + url
                + "\", \"sha256\": \"" + sha(MODEL) + "\", \"activation\": \"quick-gelu\", \"size\": " + MODEL.length + "}]}");
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ModelRegistry.BASE_URL_PROPERTY);
        server.stop(0);
    }

    @Test
    void aBrokenUserRegistryDoesNotBlockAModelPath() throws IOException {
        Files.writeString(cache.resolve("registry.json"), "{broken");
        Path model = Files.writeString(cache.resolve("m.pt"), "stand-in");
        Path image = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Run r = run("classify", image.toString(), "--labels", "a,b", "--model", model.toString(), "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        // a path wins over registry names, so the registry is not even read (nor complained about)
        assertFalse(r.err().contains("registry.json"), "a model path needs no registry: " + r.err());
        // A registry name still needs the file: the error names it.
        Run byName = run("classify", image.toString(), "--labels", "a,b", "--model", "ViT-B-32", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, byName.code(), byName.err());
        assertTrue(byName.err().contains("registry.json: not valid JSON"), byName.err());
    }

    @Test
    void aMirrorUrlWithoutSchemeGetsASentence() {
        System.setProperty(ModelRegistry.BASE_URL_PROPERTY, "192.168.0.1:8080");
        Run r = run("models", "list", "--cache-dir", cache.toString());
        assertEquals(2, r.code(), r.err());
        assertFalse(r.err().contains("Illegal character"), r.err());
        assertTrue(r.err().contains("CLIPKIT_REGISTRY_URL") && r.err().contains("http://192.168.0.1:8080"), r.err());
    }

    @Test
    void aChecksumMismatchEndsWithoutOfflineAdvice() throws Exception {
        served = "another file entirely".getBytes();
        Path image = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Run r = run("classify", image.toString(), "--labels", "a,b", "--model", "tiny", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), r.err());
        assertTrue(r.err().contains("checksum mismatch") && r.err().contains("sent a different file"), r.err());
        assertFalse(r.err().contains("offline"), r.err());
    }

    @Test
    void noLockFilesAreLeftAfterPulls() throws Exception {
        registry("tiny", base + "/x/missing/tiny.bin");
        Run failed = run("models", "pull", "tiny", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, failed.code(), failed.err());
        registry("tiny", base + "/x/tiny.pt");
        Run ok = run("models", "pull", "tiny", "--cache-dir", cache.toString());
        assertEquals(0, ok.code(), ok.err());
        try (Stream<Path> s = Files.walk(cache)) {
            List<Path> locks = s.filter(p -> p.toString().endsWith(".lock")).toList();
            assertTrue(locks.isEmpty(), "left behind: " + locks);
        }
    }

    @Test
    void aSecondConcurrentPullDoesNotClaimADownload() throws Exception {
        slow = new CountDownLatch(1);
        Run[] runs = new Run[2];
        Thread first = new Thread(() -> runs[0] = run("models", "pull", "tiny", "--cache-dir", cache.toString()));
        first.start();
        while (requests.isEmpty()) {
            Thread.sleep(10); // the first pull holds the lock and waits for the server
        }
        Thread second = new Thread(() -> runs[1] = run("models", "pull", "tiny", "--cache-dir", cache.toString()));
        second.start();
        // The second finds no file and waits for the lock; let the first finish then.
        while (second.getState() != Thread.State.WAITING && second.getState() != Thread.State.TIMED_WAITING
                && second.isAlive()) {
            Thread.sleep(10);
        }
        slow.countDown();
        first.join();
        second.join();
        assertEquals(0, runs[0].code(), runs[0].err());
        assertEquals(0, runs[1].code(), runs[1].err());
        assertEquals(1, requests.size(), "one transfer: " + requests);
        long claims = Stream.of(runs).filter(r -> r.out().contains("downloaded and verified")).count();
        assertEquals(1, claims, runs[0].out() + runs[1].out());
    }
}
