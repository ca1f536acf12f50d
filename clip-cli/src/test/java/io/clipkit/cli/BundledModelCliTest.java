package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.testing.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The bundled model on the command line, with an empty cache and no way to get ViT-B-32 (downloads
 * off through the builder seam, or a registry entry whose download fails at once): {@code classify}
 * without {@code --model} falls back and says so; {@code tag}, {@code index}, {@code serve} and an
 * explicit {@code --model ViT-B-32} never do, and their error names the bundled model. Needs the
 * clipkit-mini artifact's files (fails under CI=true without them, else skips).
 */
class BundledModelCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path cache;
    @TempDir Path work;
    Path image;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void setUp() {
        TestFiles.require(BundledModelCliTest.class.getResource("/io/clipkit/models/clipkit-mini/files.sha256") != null,
                "the bundled model clipkit-mini (run models/recipes/clipkit-mini/package.sh RUN_DIR)");
        image = TestFiles.fixture("hub/openclip-safetensors-squash/images/rgba.png");
    }

    Run run(UnaryOperator<ClipModel.Builder> models, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine(models);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Downloads off: the default model cannot be had from an empty cache. */
    Run offline(String... args) {
        return run(b -> b.allowDownload(false), args);
    }

    @Test
    void classifyWithoutAModelFallsBackAndSaysSo() throws Exception {
        Run r = offline("classify", image.toString(), "--labels", "cat,dog", "--json", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line on stderr: " + r.err());
        assertEquals("clip: ViT-B-32 is not in the cache and could not be had (downloads are off); using the bundled model "
                + "clipkit-mini instead (small and less accurate). To use ViT-B-32, run 'clip models pull ViT-B-32' once "
                + "with network access", lines.get(0));
        JsonNode j = JSON.readTree(r.out());
        assertEquals("clipkit-mini", j.get("model").asText());
        assertEquals("ViT-B-32", j.get("fallback_for").asText());
        JsonNode config = JSON.readTree(BundledModelCliTest.class.getResourceAsStream("/io/clipkit/models/clipkit-mini/open_clip_config.json"));
        assertEquals(config.path("clipkit").path("templates"), j.get("templates"), "the model's own templates");
        // explicit templates still win
        r = offline("classify", image.toString(), "--labels", "cat,dog", "--json", "--cache-dir", cache.toString(),
                "--template", "a drawing of a {}.");
        assertEquals("[\"a drawing of a {}.\"]", JSON.readTree(r.out()).get("templates").toString());
    }

    @Test
    void aFailedDownloadFallsBackToo() throws Exception {
        // ViT-B-32 from a port nothing listens on: the download fails at once, as without network
        Files.writeString(cache.resolve("registry.json"), "{\"models\": [{\"name\": \"ViT-B-32\", \"url\": "
                + "\"http://127.0.0.1:9/ViT-B-32.pt\", \"sha256\": \"" + "ab".repeat(32) + "\", \"activation\": \"quick-gelu\"}]}");
        Run r = run(b -> b.downloader(new io.clipkit.registry.Downloader(java.time.Duration.ofSeconds(2),
                java.time.Duration.ofSeconds(2), 1)), "classify", image.toString(), "--labels", "cat,dog", "--json",
                "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("could not be had (the download failed: ") && r.err().contains("using the bundled model clipkit-mini"),
                r.err());
        assertEquals("ViT-B-32", JSON.readTree(r.out()).get("fallback_for").asText());
    }

    @Test
    void anExplicitModelAndTheOtherCommandsNeverFallBack() {
        String advice = "or use the bundled model instead: --model clipkit-mini (small and less accurate)";
        Run r = offline("classify", image.toString(), "--labels", "cat,dog", "--model", "ViT-B-32", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), r.err());
        assertTrue(r.err().contains("ViT-B-32 is not in the cache") && r.err().contains(advice), r.err());
        assertEquals("", r.out());

        Path out = work.resolve("tags.jsonl");
        r = offline("tag", image.getParent().toString(), "--labels", "cat,dog", "-o", out.toString(), "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), r.err());
        assertTrue(r.err().startsWith("clip tag: ViT-B-32 is not in the cache") && r.err().contains(advice), r.err());
        assertFalse(Files.exists(out));

        r = offline("index", image.getParent().toString(), "--index", work.resolve("ix.sqlite").toString(), "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), r.err());
        assertTrue(r.err().contains(advice), r.err());

        r = offline("serve", "--port", "0", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), r.err());
        assertTrue(r.err().startsWith("clip serve: ViT-B-32 is not in the cache") && r.err().contains(advice), r.err());
    }

    @Test
    void theModelsCommandsKnowItIsBundled() {
        Run r = run(b -> b, "models", "list", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("clipkit-mini ")).findFirst().orElseThrow();
        assertTrue(line.endsWith("  bundled") && line.contains("64px"), line);

        r = run(b -> b, "models", "info", "--model", "clipkit-mini", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("bundled:           io.clipkit:clipkit-mini (extracted to " + cache.resolve("bundled")), r.out());
        assertTrue(r.out().contains("templates from:    from open_clip_config.json clipkit.templates"), r.out());

        r = run(b -> b, "models", "pull", "clipkit-mini", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("clipkit-mini: bundled with clipkit (io.clipkit:clipkit-mini), nothing to download"), r.out());

        r = run(b -> b, "models", "rm", "clipkit-mini", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("clipkit-mini: removed the extracted copy"), r.out());
        assertFalse(Files.exists(cache.resolve("bundled").resolve(r.out().split(" ")[5])));
        r = run(b -> b, "models", "rm", "clipkit-mini", "--cache-dir", cache.toString());
        assertEquals(ClipCommand.EXIT_FAILURE, r.code());
        assertTrue(r.err().contains("clipkit-mini is bundled with clipkit (io.clipkit:clipkit-mini), not downloaded"), r.err());
    }
}
