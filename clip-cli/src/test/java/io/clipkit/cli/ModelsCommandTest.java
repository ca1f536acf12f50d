package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.clipkit.registry.ModelRegistry;
import io.clipkit.testing.FakeClipModel;
import io.clipkit.testing.TestFiles;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {
    io.clipkit.ClipModel.Loader loader = io.clipkit.model.ModelLoader::load;
    @TempDir Path cache;
    HttpServer server;
    final List<String> requests = new ArrayList<>();
    static final byte[] MODEL = "tiny model bytes for the registry test".getBytes();
    byte[] vocab;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(b -> b.loader(loader));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @BeforeEach
    void setUp() throws Exception {
        vocab = Files.readAllBytes(TestFiles.vocabulary());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            requests.add(p);
            byte[] body = p.endsWith(".gz") ? vocab : p.endsWith("tiny.pt") ? MODEL : null;
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        System.setProperty(ModelRegistry.BASE_URL_PROPERTY, base);
        Files.writeString(cache.resolve("registry.json"), "{\"models\": [{\"name\": \"tiny\", \"url\": \"" + base
                + "/x/tiny.pt\", \"sha256\": \"" + sha(MODEL) + "\", \"activation\": \"quick-gelu\", \"size\": " + MODEL.length
                + ", \"resolution\": 8}]}");
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(ModelRegistry.BASE_URL_PROPERTY);
        server.stop(0);
        loader = io.clipkit.model.ModelLoader::load;
    }

    @Test
    void listShowsRegistryAndCacheState() throws Exception {
        Files.createDirectories(cache.resolve("models/RN50"));
        Files.write(cache.resolve("models/RN50/RN50.pt.part"), new byte[1000]);
        Run r = run("models", "list", "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("cache: " + cache), r.out);
        String vit = r.out.lines().filter(l -> l.startsWith("ViT-B-32 ")).findFirst().orElseThrow();
        assertTrue(vit.contains("354 MB") && vit.contains("224px") && vit.contains("quick-gelu") && vit.endsWith("no"), vit);
        String rn50 = r.out.lines().filter(l -> l.startsWith("RN50 ")).findFirst().orElseThrow();
        assertTrue(rn50.contains("partial (0%)"), rn50);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("tiny*")), r.out);
        assertEquals(10 + 5, r.out.lines().filter(l -> l.matches("^\\S+\\s+.*(yes|no|partial.*)$")).count(), r.out);
    }

    @Test
    void pullVerifyRmRoundTrip() throws Exception {
        Run pull = run("models", "pull", "tiny", "--cache-dir", cache.toString());
        assertEquals(0, pull.code, pull.err);
        assertTrue(pull.out.contains("tiny: downloaded and verified"), pull.out);
        assertTrue(pull.err.contains("tiny.pt: downloading"), "plain progress lines off a terminal: " + pull.err);
        assertArrayEquals(MODEL, Files.readAllBytes(cache.resolve("models/tiny/tiny.pt")));
        assertEquals(List.of("/x/tiny.pt"), requests, "only the model: the vocabulary is bundled in clip-core");

        Run again = run("models", "pull", "tiny", "--cache-dir", cache.toString());
        assertTrue(again.out.contains("already cached, verified"), again.out);
        assertEquals(1, requests.size());

        assertTrue(run("models", "list", "--cache-dir", cache.toString()).out.lines()
                .anyMatch(l -> l.startsWith("tiny*") && l.endsWith("yes")));

        Run ok = run("models", "verify", "--cache-dir", cache.toString());
        assertEquals(0, ok.code, ok.err);
        assertTrue(ok.out.contains("tiny: ok"), ok.out);

        Files.write(cache.resolve("models/tiny/tiny.pt"), "tampered".getBytes());
        Run bad = run("models", "verify", "tiny", "--cache-dir", cache.toString());
        assertEquals(1, bad.code);
        assertTrue(bad.err.contains("SHA-256 mismatch") && bad.err.contains(sha(MODEL))
                && bad.err.contains(sha("tampered".getBytes())), bad.err);

        // Regression: pulling over a tampered file re-downloads it and said "already cached".
        Run repull = run("models", "pull", "tiny", "--cache-dir", cache.toString());
        assertEquals(0, repull.code, repull.err);
        assertTrue(repull.out.contains("tiny: downloaded and verified"), repull.out);
        assertArrayEquals(MODEL, Files.readAllBytes(cache.resolve("models/tiny/tiny.pt")));

        Run rm = run("models", "rm", "tiny", "--cache-dir", cache.toString());
        assertEquals(0, rm.code, rm.err);
        assertFalse(Files.exists(cache.resolve("models/tiny/tiny.pt")));
        Run rm2 = run("models", "rm", "tiny", "--cache-dir", cache.toString());
        assertEquals(1, rm2.code);
        assertTrue(rm2.err.contains("not cached"), rm2.err);
    }

    @Test
    void pullFailuresAreClear() {
        Run unknown = run("models", "pull", "nope", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, unknown.code);
        assertTrue(unknown.err.contains("unknown model 'nope'") && unknown.err.contains("ViT-B-32"), unknown.err);
        Run notFound = run("models", "pull", "RN50", "--cache-dir", cache.toString());   // the mirror has no RN50
        assertEquals(ClipCommand.EXIT_MODEL, notFound.code);
        assertTrue(notFound.err.contains("HTTP 404") && notFound.err.contains("RN50.pt"), notFound.err);
        assertFalse(notFound.err.contains("\tat "), "no stack trace without -v");
    }

    @Test
    void infoOfAnUncachedRegistryModelShowsTheEntry() {
        Run r = run("models", "info", "ViT-B-32", "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af"), r.out);
        assertTrue(r.out.contains("cached:            no"), r.out);
        assertTrue(requests.isEmpty(), "info does not download");
    }

    @Test
    void infoOfACheckpointPrintsWhatLoadingInferred() throws Exception {
        Path ckpt = Files.write(cache.resolve("my.pt"), MODEL);
        Files.write(cache.resolve("bpe_simple_vocab_16e6.txt.gz"), vocab);
        loader = (p, o) -> new FakeClipModel(o.name(), "12".repeat(32), 16, 12, 100f);
        Run r = run("models", "info", ckpt.toString(), "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("name:              my.pt"), r.out);
        assertTrue(r.out.contains("embed dim:         16") && r.out.contains("context 12"), r.out);
        assertTrue(r.out.contains("kernel:            libtorch"), r.out);
    }

    /** Regression: inspecting a checkpoint failed when no vocabulary was beside it or in the cache. */
    @Test
    void infoOfACheckpointNeedsNoVocabulary() {
        Path ckpt = TestFiles.fixture("models/vit-p32-r64/model.pt");
        Run r = run("models", "info", ckpt.toString(), "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("architecture:      vit") && r.out.contains("vocab 400"), r.out);
        assertTrue(requests.isEmpty(), "nothing is downloaded");
    }

    @Test
    void infoOfANonCheckpointNamesTheFile() throws Exception {
        Path txt = Files.writeString(cache.resolve("notes.pt"), "hello, not a model");
        Run r = run("models", "info", txt.toString(), "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code, r.out);
        assertTrue(r.err.startsWith("clip models info: " + txt + ": not a checkpoint"), r.err);
    }

    @Test
    void infoOfAHubFolderShowsWhatWasFoundAndWhereSettingsCameFrom() {
        Path folder = TestFiles.fixture("hub/hf-bin-gelu-bilinear");
        Run r = run("models", "info", folder.toString(), "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("layout:            transformers CLIPModel folder"), r.out);
        assertTrue(r.out.contains("weights:           pytorch_model.bin"), r.out);
        assertTrue(r.out.contains("tokenizer:         vocab.json + merges.txt"), r.out);
        assertTrue(r.out.contains("activation:        gelu") && r.out.contains("inferred from config.json text_config.hidden_act"), r.out);
        assertTrue(r.out.contains("interpolation=bilinear") && r.out.contains("crop=floor") && r.out.contains("rgb=first"), r.out);
        assertTrue(r.out.contains("preprocessing:     from preprocessor_config.json"), r.out);
        Run given = run("models", "info", folder.toString(), "--activation", "quick-gelu", "--cache-dir", cache.toString());
        assertTrue(given.out.contains("activation from:   given (--activation)"), given.out);
        Run plain = run("models", "info", TestFiles.fixture("models/vit-p32-r64/model.pt").toString(), "--cache-dir", cache.toString());
        assertTrue(plain.out.contains("activation from:   defaulted"), plain.out);
        assertTrue(requests.isEmpty(), "nothing is downloaded");
    }

    @Test
    void infoOfARealFixtureCheckpoint() {
        Path ckpt = TestFiles.fixture("models/vit-p32-r64/model.pt");
        Run r = run("models", "info", ckpt.toString(), "--vocab", TestFiles.vocabulary().toString(), "--cache-dir", cache.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("architecture:      vit") && r.out.contains("embed dim:         32")
                && r.out.contains("image resolution:  64") && r.out.contains("patch 32") && r.out.contains("format:            torchscript"), r.out);
    }

    @Test
    void plainProgressLinesShowBytesRateAndEta() {
        DownloadProgress p = new DownloadProgress(new PrintWriter(new StringWriter()), false);
        p.started("http://h/x/ViT-B-32.pt", 354_000_000L, 0);
        String line = p.line(177_000_000L, System.nanoTime() + 10_000_000_000L);
        assertTrue(line.startsWith("ViT-B-32.pt: 177 MB of 354 MB (50%), "), line);
        assertTrue(line.matches(".*MB/s, ETA \\d+ s"), line);
    }
}
