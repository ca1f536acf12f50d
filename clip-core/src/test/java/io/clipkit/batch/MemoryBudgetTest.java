package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.TagListener;
import io.clipkit.XmpMode;
import io.clipkit.image.Sniffer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Header dimensions without decoding, and the decode memory budget they feed. */
class MemoryBudgetTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpg", "gif", "bmp"})
    void dimensionsComeFromTheHeader(String ext) throws IOException {
        Path f = Images.write(tmp.resolve("a." + ext), 123, 45, 1);
        byte[] head = new byte[Sniffer.HEAD];
        int n;
        try (InputStream in = Files.newInputStream(f)) {
            n = in.readNBytes(head, 0, head.length);
        }
        String format = Sniffer.imageFormat(head, n);
        assertArrayEquals(new long[] {123, 45}, Sniffer.dimensions(f, format, head, n));
    }

    @Test
    void webpAndTiffHeaders() throws IOException {
        Path webp = io.clipkit.testing.TestFiles.fixture("images/src/webp_lossy.webp");
        byte[] b = Files.readAllBytes(webp);
        long[] d = Sniffer.dimensions(webp, "webp", b, Math.min(b.length, Sniffer.HEAD));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(
                io.clipkit.testing.TestFiles.fixture("images/src/png_rgb.png").toFile());
        assertArrayEquals(new long[] {240, 160}, d, "webp dims (PIL says 240x160)");
        assertTrue(img != null);
        assertNull(Sniffer.dimensions(webp, "tiff", b, 32), "TIFF: unknown");
    }

    @Test
    void imageTooBigForTheBudgetIsRefusedBeforeDecoding() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("p"));
        Files.write(dir.resolve("big.png"), HostileCorpusTest.pngHeaderOnly(3000, 3000));
        Images.write(dir.resolve("small.png"), 20, 20, 1);
        FakeClipModel model = new FakeClipModel();
        Path out = tmp.resolve("o.jsonl");
        TagSettings s = new TagSettings(model, model.preprocessor, "size=4", List.of("a", "b"), List.of("a photo of a {}."),
                2, 0f, false, List.of(), List.of(), out, XmpMode.NONE, 4, 2, false, null, Duration.ofSeconds(30), 1, 16);
        new TagEngine(s, null, 16).run(List.of(dir), new TagListener() {});
        Map<String, JsonNode> r = TagEngineTest.byName(TagEngineTest.records(out));
        assertEquals("ok", r.get("small.png").get("status").asText());
        String e = r.get("big.png").get("error").asText();
        assertTrue(e.contains("3000x3000") && e.contains("needs about 68 MB"), e);
        assertEquals(1, model.preprocessor.calls.get(), "the big one was never handed to the decoder");
    }
    @Test
    void imageOverTheSharedBudgetButWithinTheHeapDecodesAlone() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("q"));
        Files.write(dir.resolve("big.png"), HostileCorpusTest.pngHeaderOnly(3000, 3000));
        Images.write(dir.resolve("small.png"), 20, 20, 1);
        FakeClipModel model = new FakeClipModel();
        Path out = tmp.resolve("o.jsonl");
        TagSettings s = new TagSettings(model, model.preprocessor, "size=4", List.of("a", "b"), List.of("a photo of a {}."),
                2, 0f, false, List.of(), List.of(), out, XmpMode.NONE, 4, 2, false, null, Duration.ofSeconds(30), 1, 16);
        new TagEngine(s, null, 100).run(List.of(dir), new TagListener() {});
        Map<String, JsonNode> r = TagEngineTest.byName(TagEngineTest.records(out));
        assertEquals("ok", r.get("small.png").get("status").asText());
        String e = r.get("big.png").get("error").asText();
        assertTrue(!e.contains("needs about"), "68 MB fits the 100 MB heap share, over the 16 MB budget: decoded alone, " + e);
        assertEquals(2, model.preprocessor.calls.get(), "both were handed to the decoder");
    }
}
