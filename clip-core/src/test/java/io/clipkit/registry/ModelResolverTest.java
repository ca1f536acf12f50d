package io.clipkit.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.Activation;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelResolverTest {
    @TempDir Path cache;
    @TempDir Path elsewhere;

    static final byte[] MODEL = "not really a checkpoint, but bytes to download".getBytes();
    static final byte[] VOCAB = "vocabulary bytes".getBytes();

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private ModelResolver resolver(ModelRegistry reg, List<String> notices) {
        return new ModelResolver(cache, reg, new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(2), 2),
                Downloader.SILENT, notices::add);
    }

    @Test
    void registryNameIsPulledOnceWithANotice() throws Exception {
        byte[] vocab = Files.readAllBytes(io.clipkit.testing.TestFiles.vocabulary());
        try (LocalServer s = new LocalServer((ex, n) ->
                LocalServer.serve(ex, ex.getRequestURI().getPath().endsWith(".gz") ? vocab : MODEL))) {
            Files.writeString(cache.resolve("registry.json"), "{\"models\": [{\"name\": \"tiny\", \"url\": \""
                    + s.url("/m/tiny.pt") + "\", \"sha256\": \"" + sha(MODEL) + "\", \"activation\": \"gelu\", \"size\": "
                    + MODEL.length + "}]}");
            // The vocabulary comes from the (overridden) built-in location.
            System.setProperty(ModelRegistry.BASE_URL_PROPERTY, s.base());
            ModelRegistry reg;
            try {
                reg = ModelRegistry.load(cache);
            } finally {
                System.clearProperty(ModelRegistry.BASE_URL_PROPERTY);
            }
            ModelRegistry.Vocabulary v = reg.vocabulary();
            assertEquals("/openai/CLIP/main/clip/bpe_simple_vocab_16e6.txt.gz", v.url().getPath());
            List<String> notices = new ArrayList<>();
            ModelResolver r = resolver(reg, notices);
            ModelResolver.Resolved m = r.resolve("tiny", null);
            assertEquals("tiny", m.name());
            assertEquals(cache.resolve("models/tiny/tiny.pt"), m.checkpoint(), "one cache folder per registry name");
            assertArrayEquals(MODEL, Files.readAllBytes(m.checkpoint()));
            assertEquals(Optional.of(Activation.GELU), m.activation());
            assertEquals(1, notices.size());
            assertTrue(notices.get(0).contains("tiny") && notices.get(0).contains(MODEL.length + " B"), notices.get(0));
            assertEquals(List.of("/m/tiny.pt"), s.paths, "only the model: the vocabulary is bundled");
            assertNull(m.vocabulary(), "no vocabulary file: the bundled one is used");
            r.resolve("tiny", null);
            assertEquals(1, notices.size(), "second use: no download, no notice");
            assertEquals(1, s.requests());
        }
    }

    @Test
    void offlineErrorSaysWhatToDownloadAndWhere() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ModelRegistry reg = ModelRegistry.builtIn("http://127.0.0.1:" + port);
        IOException e = assertThrows(IOException.class, () -> resolver(reg, new ArrayList<>()).resolve(null, null));
        String m = e.getMessage();
        assertTrue(m.startsWith("ViT-B-32 is not in the cache and could not be downloaded"), m);
        assertTrue(m.contains("/clip/models/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt"), m);
        assertTrue(m.contains(cache.resolve("models/ViT-B-32").toString()), m);
        assertTrue(m.contains("354 MB") && m.contains("checkpoint file you have"), m);
        assertFalse(m.contains("--"), "core messages name no command-line flags: " + m);
    }

    @Test
    void checkpointPathUsesTheVocabularyBesideIt() throws Exception {
        Path ckpt = Files.write(elsewhere.resolve("my.pt"), MODEL);
        Path vocab = Files.write(elsewhere.resolve("bpe_simple_vocab_16e6.txt.gz"), VOCAB);
        ModelResolver.Resolved m = resolver(ModelRegistry.builtIn(null), new ArrayList<>()).resolve(ckpt.toString(), null);
        assertEquals(ckpt, m.checkpoint());
        assertEquals(vocab, m.vocabulary());
        assertEquals("my.pt", m.name());
        assertTrue(m.activation().isEmpty());
    }

    @Test
    void folderWithOneCheckpoint() throws Exception {
        Path ckpt = Files.write(elsewhere.resolve("model.safetensors"), MODEL);
        Files.write(elsewhere.resolve("notes.txt"), VOCAB);
        Files.write(cache.resolve("bpe_simple_vocab_16e6.txt.gz"), VOCAB);
        ModelResolver.Resolved m = resolver(ModelRegistry.builtIn(null), new ArrayList<>()).resolve(elsewhere.toString(), null);
        assertEquals(ckpt, m.checkpoint());
        assertNull(m.vocabulary(), "none beside it: the bundled one (the cache is not searched)");
        Path explicit = Files.write(elsewhere.resolve("v.gz"), VOCAB);
        assertEquals(explicit, resolver(ModelRegistry.builtIn(null), new ArrayList<>())
                .resolve(elsewhere.toString(), explicit).vocabulary());
    }

    @Test
    void folderWithSeveralCheckpointsIsAmbiguous() throws Exception {
        Files.write(elsewhere.resolve("a.pt"), MODEL);
        Files.write(elsewhere.resolve("b.pt"), MODEL);
        // the one folder policy (ModelFolder) for the resolver and the loader alike
        IOException e = assertThrows(IOException.class,
                () -> resolver(ModelRegistry.builtIn(null), new ArrayList<>()).resolve(elsewhere.toString(), null));
        assertTrue(e.getMessage().contains("2 checkpoints (a.pt, b.pt)") && e.getMessage().contains("pass one of the files"),
                e.getMessage());
    }

    @Test
    void missingExplicitVocabularyIsNamed() throws Exception {
        Path ckpt = Files.write(elsewhere.resolve("my.pt"), MODEL);
        Path missing = elsewhere.resolve("nope.gz");
        IOException e = assertThrows(IOException.class,
                () -> resolver(ModelRegistry.builtIn(null), new ArrayList<>()).resolve(ckpt.toString(), missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void unknownNamesAndMissingFiles() {
        ModelResolver r = resolver(ModelRegistry.builtIn(null), new ArrayList<>());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> r.resolve("ViT-H-14", null));
        assertTrue(a.getMessage().contains("unknown model 'ViT-H-14'") && a.getMessage().contains("ViT-B-32"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> r.resolve(elsewhere.resolve("nope.pt").toString(), null));
        assertTrue(b.getMessage().contains("does not exist"), b.getMessage());
    }
}
