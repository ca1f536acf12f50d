package io.clipkit.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import io.clipkit.Activation;
import io.clipkit.ClipModel;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Hashes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry entries for hub folders: every file pulled into {@code <cache>/models/<name>/},
 * resumable, verified against the registry's SHA-256 or the hub's stated checksum (X-Linked-Etag
 * of LFS files, git blob SHA-1 ETag of small files), against a local server that behaves like the
 * hub; one cache folder per registry name; cached weights checked on load.
 */
class HubPullTest {
    @TempDir Path cache;

    static final String REV = "0123456789abcdef0123456789abcdef01234567";
    static final Path FOLDER = TestFiles.fixture("hub").resolve("openclip-bin-bilinear");

    /** A hub-like server: HEAD answers 302 + X-Linked-Etag for LFS files and 200 + ETag (git SHA-1) for small ones. */
    static final class Hub {
        final Map<String, byte[]> files = new LinkedHashMap<>();
        final Map<String, String> statedSha256 = new LinkedHashMap<>(); // LFS files
        final List<String> missing = new ArrayList<>();

        void handle(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            byte[] data = files.get(name);
            if (data == null || missing.contains(name)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (ex.getRequestMethod().equals("HEAD")) {
                if (statedSha256.containsKey(name)) {
                    ex.getResponseHeaders().add("X-Linked-Etag", "\"" + statedSha256.get(name) + "\"");
                    ex.getResponseHeaders().add("Location", "/cdn/" + name);
                    ex.sendResponseHeaders(302, -1);
                } else {
                    ex.getResponseHeaders().add("ETag", "W/\"" + gitSha1(data) + "\"");
                    ex.sendResponseHeaders(200, -1);
                }
                return;
            }
            LocalServer.serve(ex, data);
        }
    }

    static String gitSha1(byte[] data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + data.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Hub hubWithFolder() throws IOException {
        Hub h = new Hub();
        h.files.put("open_clip_config.json", Files.readAllBytes(FOLDER.resolve("open_clip_config.json")));
        byte[] w = Files.readAllBytes(FOLDER.resolve("open_clip_pytorch_model.bin"));
        h.files.put("open_clip_pytorch_model.bin", w);
        h.statedSha256.put("open_clip_pytorch_model.bin", Hashes.sha256Hex(w));
        return h;
    }

    private static ModelRegistry.Entry entry(LocalServer s, String name, String weightsSha) {
        List<ModelRegistry.FileRef> files = List.of(
                new ModelRegistry.FileRef("open_clip_config.json", url(s, "open_clip_config.json"), "", -1),
                new ModelRegistry.FileRef("open_clip_pytorch_model.bin", url(s, "open_clip_pytorch_model.bin"), weightsSha, -1));
        ModelRegistry.FileRef w = files.get(1);
        return new ModelRegistry.Entry(name, w.file(), w.url(), w.sha256(), -1, false, 40, Activation.QUICK_GELU, false, files);
    }

    private static URI url(LocalServer s, String file) {
        return s.url("/laion/tiny/resolve/" + REV + "/" + file);
    }

    private ModelResolver resolver(ModelRegistry.Entry... entries) {
        return new ModelResolver(cache, ModelRegistry.of(List.of(entries)),
                new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(5), 3), Downloader.SILENT, n -> { });
    }

    @Test
    void pullsEveryFileIntoTheNamesFolderVerifiedByTheHubsChecksums() throws Exception {
        Hub h = hubWithFolder();
        try (LocalServer s = new LocalServer((ex, n) -> h.handle(ex))) {
            ModelRegistry.Entry e = entry(s, "tiny-openclip", "");
            ModelResolver r = resolver(e);
            assertFalse(r.isCached(e));
            Path model = r.pull(e);
            assertEquals(cache.resolve("models/tiny-openclip"), model);
            for (String f : h.files.keySet()) {
                assertArrayEquals(h.files.get(f), Files.readAllBytes(model.resolve(f)), f);
            }
            assertEquals(h.statedSha256.get("open_clip_pytorch_model.bin"), r.expectedSha256(e), "recorded at download");
            assertTrue(r.isCached(e));
            int before = s.requests();
            r.pull(e); // everything verified locally against the records: no request at all
            assertEquals(before, s.requests());

            // the folder alone loads, and a cached registry model is checked against its hash
            try (ClipModel m = ClipModel.builder().model("tiny-openclip").cacheDir(cache)
                    .registry(ModelRegistry.of(List.of(e))).allowDownload(false).load()) {
                assertEquals("open_clip", m.info().spec().family());
                assertEquals(r.expectedSha256(e), m.info().checkpointSha256());
            }
            // removing: the weights (as clip models rm does), then everything else of the folder
            Files.delete(r.cachedPath(e));
            assertTrue(r.removeCompanions(e));
            assertFalse(Files.exists(model), "the name's folder is gone");
        }
    }

    @Test
    void resumesAPartialFile() throws Exception {
        Hub h = hubWithFolder();
        try (LocalServer s = new LocalServer((ex, n) -> h.handle(ex))) {
            ModelRegistry.Entry e = entry(s, "tiny-openclip", "");
            byte[] w = h.files.get("open_clip_pytorch_model.bin");
            Path part = cache.resolve("models/tiny-openclip/open_clip_pytorch_model.bin.part");
            Files.createDirectories(part.getParent());
            Files.write(part, java.util.Arrays.copyOf(w, w.length / 2));
            resolver(e).pull(e);
            assertTrue(s.ranges.contains("bytes=" + (w.length / 2) + "-"), "resumed with a Range request: " + s.ranges);
            assertArrayEquals(w, Files.readAllBytes(cache.resolve("models/tiny-openclip/open_clip_pytorch_model.bin")));
        }
    }

    @Test
    void aMismatchWithTheHubsChecksumIsRefusedAndDeleted() throws Exception {
        Hub h = hubWithFolder();
        h.statedSha256.put("open_clip_pytorch_model.bin", "ab".repeat(32));
        try (LocalServer s = new LocalServer((ex, n) -> h.handle(ex))) {
            ModelRegistry.Entry e = entry(s, "tiny-openclip", "");
            IOException x = assertThrows(IOException.class, () -> resolver(e).pull(e));
            assertTrue(x.getMessage().contains("checksum mismatch") && x.getMessage().contains("ab".repeat(32))
                    && x.getMessage().contains("X-Linked-Etag"), x.getMessage());
            assertFalse(Files.exists(cache.resolve("models/tiny-openclip/open_clip_pytorch_model.bin")));
            assertFalse(Files.exists(cache.resolve("models/tiny-openclip/open_clip_pytorch_model.bin.part")));
        }
        // the registry's own SHA-256 wins over the server's word
        Hub good = hubWithFolder();
        try (LocalServer s = new LocalServer((ex, n) -> good.handle(ex))) {
            ModelRegistry.Entry e = entry(s, "tiny-openclip", "cd".repeat(32));
            IOException x = assertThrows(IOException.class, () -> resolver(e).pull(e));
            assertTrue(x.getMessage().contains("from the registry"), x.getMessage());
        }
    }

    @Test
    void aMissingFileNamesItsUrl() throws Exception {
        Hub h = hubWithFolder();
        h.missing.add("open_clip_config.json");
        try (LocalServer s = new LocalServer((ex, n) -> h.handle(ex))) {
            ModelRegistry.Entry e = entry(s, "tiny-openclip", "");
            IOException x = assertThrows(IOException.class, () -> resolver(e).resolve("tiny-openclip", null, true));
            assertTrue(x.getMessage().contains("open_clip_config.json") && x.getMessage().contains("404"), x.getMessage());
            assertTrue(x.getMessage().contains(cache.resolve("models/tiny-openclip").toString()), x.getMessage());
        }
    }

    @Test
    void twoNamesWithTheSameFileNameDoNotShareACacheFile() throws Exception {
        Hub a = hubWithFolder();
        Hub b = hubWithFolder();
        byte[] other = Files.readAllBytes(TestFiles.fixture("hub").resolve("openclip-safetensors-squash/open_clip_model.safetensors"));
        b.files.put("open_clip_pytorch_model.bin", other);
        b.statedSha256.put("open_clip_pytorch_model.bin", Hashes.sha256Hex(other));
        try (LocalServer sa = new LocalServer((ex, n) -> a.handle(ex)); LocalServer sb = new LocalServer((ex, n) -> b.handle(ex))) {
            ModelRegistry.Entry ea = entry(sa, "first", "");
            ModelRegistry.Entry eb = entry(sb, "second", "");
            ModelResolver r = resolver(ea, eb);
            r.pull(ea);
            r.pull(eb);
            assertNotEquals(r.cachedPath(ea), r.cachedPath(eb));
            assertArrayEquals(a.files.get("open_clip_pytorch_model.bin"), Files.readAllBytes(r.cachedPath(ea)));
            assertArrayEquals(other, Files.readAllBytes(r.cachedPath(eb)));
        }
    }

    @Test
    void anOldFlatCacheFileMovesIntoItsNamesFolderOnlyIfItIsThatModel() throws Exception {
        byte[] data = "weights of tiny".getBytes(StandardCharsets.UTF_8);
        URI u = URI.create("http://127.0.0.1:9/unused/tiny.pt");
        ModelRegistry.Entry mine = new ModelRegistry.Entry("tiny", "tiny.pt", u, Hashes.sha256Hex(data), data.length, true, 64,
                Activation.QUICK_GELU, false);
        ModelRegistry.Entry other = new ModelRegistry.Entry("other", "tiny.pt", u, "ef".repeat(32), data.length, true, 64,
                Activation.QUICK_GELU, false);
        Path old = Files.createDirectories(cache.resolve("models")).resolve("tiny.pt");
        Files.write(old, data);
        ModelResolver r = resolver(mine, other);
        assertFalse(r.isCached(other), "another entry's file is not taken");
        assertTrue(Files.exists(old));
        assertTrue(r.isCached(mine));
        assertFalse(Files.exists(old));
        assertArrayEquals(data, Files.readAllBytes(cache.resolve("models/tiny/tiny.pt")));
    }

    @Test
    void aDamagedCachedModelIsRefusedNamingBothHashes() throws Exception {
        Hub h = hubWithFolder();
        try (LocalServer s = new LocalServer((ex, n) -> h.handle(ex))) {
            String sha = h.statedSha256.get("open_clip_pytorch_model.bin");
            ModelRegistry.Entry e = entry(s, "tiny-openclip", sha);
            ModelResolver r = resolver(e);
            r.pull(e);
            // damage a weight value (the file still parses) after the download
            Path w = r.cachedPath(e);
            byte[] b = Files.readAllBytes(w);
            Files.write(w, damageOneWeight(b));
            String now = Hashes.sha256Hex(w);
            IOException x = assertThrows(IOException.class, () -> ClipModel.builder().model("tiny-openclip").cacheDir(cache)
                    .registry(ModelRegistry.of(List.of(e))).allowDownload(false).load());
            assertTrue(x.getMessage().contains(sha) && x.getMessage().contains(now), x.getMessage());
            assertTrue(x.getMessage().contains("downloaded again"), x.getMessage());
        }
    }

    /** Flips a bit in the last stored tensor's data (a torch.save zip keeps the data uncompressed). */
    private static byte[] damageOneWeight(byte[] zip) {
        byte[] out = zip.clone();
        // the central directory is at the end: damage a byte well before it, inside the stored data
        out[out.length / 2] ^= 0x01;
        return out;
    }
}
