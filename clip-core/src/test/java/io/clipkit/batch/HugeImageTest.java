package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.ImagePreprocessor;
import io.clipkit.TagListener;
import io.clipkit.XmpMode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the default budget, a 100+ Mpx image is refused by name before decoding instead of being
 * decoded alone into a machine-sized heap; decoding JPEGs reduced makes a huge JPEG fit.
 */
class HugeImageTest {
    @TempDir Path tmp;

    /** A JPEG that is only SOI and a baseline frame header: enough for the size, not for pixels. */
    static byte[] jpegHeaderOnly(int w, int h) {
        return new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, (byte) (h >> 8), (byte) h,
            (byte) (w >> 8), (byte) w, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, (byte) 0xFF, (byte) 0xD9};
    }

    private Path corpus() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        Files.write(dir.resolve("big.png"), HostileCorpusTest.pngHeaderOnly(12000, 12000));
        Files.write(dir.resolve("big.jpg"), jpegHeaderOnly(12000, 12000));
        Images.write(dir.resolve("small.png"), 20, 20, 1);
        return dir;
    }

    private static TagSettings settings(FakeClipModel model, ImagePreprocessor pre, Path out) {
        return new TagSettings(model, pre, "size=4", List.of("a", "b"), List.of("a photo of a {}."),
                2, 0f, false, List.of(), List.of(), out, XmpMode.NONE, 4, 2, false, null, Duration.ofSeconds(30), 1,
                DecodeStage.DEFAULT_MEMORY_MB);
    }

    @Test
    void hugeImagesAreRefusedByTheDefaultBudget() throws IOException {
        Path dir = corpus();
        FakeClipModel model = new FakeClipModel();
        Path out = tmp.resolve("o.jsonl");
        new TagEngine(settings(model, model.preprocessor, out), null).run(List.of(dir), new TagListener() {});
        Map<String, JsonNode> r = TagEngineTest.byName(TagEngineTest.records(out));
        assertEquals("ok", r.get("small.png").get("status").asText());
        String png = r.get("big.png").get("error").asText();
        assertTrue(png.contains("12000x12000") && png.contains("needs about 1,098 MB") && png.contains("decode memory budget"), png);
        assertFalse(png.contains("fast decoding"), "a PNG cannot be decoded reduced: " + png);
        String jpg = r.get("big.jpg").get("error").asText();
        assertTrue(jpg.contains("needs about 823 MB") && jpg.contains("fast decoding"), jpg);
        assertEquals(1, model.preprocessor.calls.get(), "neither huge image was handed to the decoder");
    }

    @Test
    void fastDecodingMakesAHugeJpegFit() throws IOException {
        Path dir = corpus();
        FakeClipModel model = new FakeClipModel();
        ImagePreprocessor inner = model.preprocessor;
        ImagePreprocessor fast = new ImagePreprocessor() {
            @Override
            public int size() {
                return inner.size();
            }

            @Override
            public float[] preprocess(Path image) throws IOException {
                return inner.preprocess(image);
            }

            @Override
            public float[] preprocess(BufferedImage image) {
                return inner.preprocess(image);
            }

            @Override
            public BufferedImage crop(Path image) throws IOException {
                return inner.crop(image);
            }

            @Override
            public boolean fast() {
                return true;
            }
        };
        Path out = tmp.resolve("o.jsonl");
        new TagEngine(settings(model, fast, out), null).run(List.of(dir), new TagListener() {});
        Map<String, JsonNode> r = TagEngineTest.byName(TagEngineTest.records(out));
        assertTrue(r.get("big.png").get("error").asText().contains("decode memory budget"));
        // 1/8 of each side: 1500x1500 decoded pixels, ~13 MB; handed to the decoder (which then
        // finds no pixel data in this header-only file).
        assertFalse(r.get("big.jpg").path("error").asText().contains("needs about"), r.get("big.jpg").toString());
        assertEquals(2, model.preprocessor.calls.get(), "the small PNG and the huge JPEG were decoded");
    }
}
