package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.LabelScore;
import io.clipkit.TagSummary;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.Tagger;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile corpus of issue 5, generated at test time and tagged end to end with a real fixture
 * checkpoint and the real image pipeline: every file ends in exactly one record, an error with a
 * specific reason or a correct result; nothing crashes or hangs.
 */
class HostileCorpusTest {
    static TinyRealModel model;
    static Path dir;
    static Map<String, JsonNode> records;
    static TagSummary summary;
    @TempDir static Path tmp;

    @BeforeAll
    static void tagCorpus() throws Exception {
        model = new TinyRealModel();
        dir = Files.createDirectories(tmp.resolve("corpus"));
        build(dir);
        Path out = tmp.resolve("out.jsonl");
        summary = Tagger.builder(model).labels(List.of("cat", "dog", "car", "tree")).output(out).recursive(true)
                .include("*").exclude("*.xmp").batchSize(4).threads(2).decodeTimeout(Duration.ofSeconds(60))
                .build().run(List.of(dir));
        records = TagEngineTest.byName(TagEngineTest.records(out));
        // The outcome table, for the test report.
        new java.util.TreeMap<>(records).forEach((k, v) -> System.out.printf("%-22s %-7s %s%n", k, v.get("status").asText(),
                v.path("error").asText("")));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static void build(Path d) throws Exception {
        Files.createFile(d.resolve("zero.jpg"));
        Files.writeString(d.resolve("text.jpg"), "Dear diary, today I took no photos.\n");
        Files.writeString(d.resolve("page.jpg"), "<!DOCTYPE html>\n<html><head><title>404</title></head></html>\n");
        byte[] jpeg = jpeg(gradient(96, 64), false);
        byte[] png = png(gradient(96, 64));
        Files.write(d.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(d.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
        byte[] badCrc = png.clone();
        int idat = indexOf(badCrc, "IDAT".getBytes());
        int len = ByteBuffer.wrap(badCrc, idat - 4, 4).getInt();
        badCrc[idat + 4 + len] ^= 0x5A; // first CRC byte of the IDAT chunk
        Files.write(d.resolve("bad-crc.png"), badCrc);
        Files.write(d.resolve("corrupt-huffman.jpg"), corruptScan(jpeg));
        Files.write(d.resolve("absurd-scans.jpg"), absurdScans(jpeg(gradient(16, 16), true), 20_000));
        Files.write(d.resolve("bomb.png"), pngHeaderOnly(100_000, 100_000));
        Files.write(d.resolve("tall-1x10000.png"), png(gradient(1, 10_000)));
        Files.write(d.resolve("wide-10000x1.png"), png(gradient(10_000, 1)));
        Path src = TestFiles.fixture("images/src");
        byte[] cmyk = Files.readAllBytes(src.resolve("jpeg_cmyk.jpg"));
        Files.write(d.resolve("cmyk.jpg"), cmyk);
        Files.write(d.resolve("ycck.jpg"), asYcck(cmyk));
        for (String f : List.of("png_rgb16.png", "png_gray16.png", "png_l.png", "png_p.png", "png_rgba.png")) {
            Files.copy(src.resolve(f), d.resolve(f));
        }
        for (int o = 2; o <= 8; o++) {
            Files.copy(src.resolve("jpeg_exif_" + o + ".jpg"), d.resolve("exif-" + o + ".jpg"));
        }
        writeSequence(d.resolve("animated.gif"), "gif", 3);
        writeSequence(d.resolve("multipage.tif"), "tiff", 3);
        Files.createDirectories(d.resolve("x.jpg"));
        Files.write(d.resolve("x.jpg/inside.png"), png(gradient(20, 20)));
        Files.createSymbolicLink(d.resolve("loop"), d);
        Process p = new ProcessBuilder("/bin/sh", "-c", "cp x.jpg/inside.png \"$(printf 'latin1-\\351\\340.png')\"")
                .directory(d.toFile()).start();
        assertEquals(0, p.waitFor());
    }

    static JsonNode rec(String name) {
        JsonNode n = records.get(name);
        assertTrue(n != null, "no record for " + name + " in " + records.keySet());
        return n;
    }

    static void assertError(String name, String... anyOf) {
        JsonNode n = rec(name);
        assertEquals("error", n.get("status").asText(), n.toString());
        String e = n.get("error").asText();
        for (String s : anyOf) {
            if (e.toLowerCase().contains(s.toLowerCase())) {
                return;
            }
        }
        throw new AssertionError(name + ": reason '" + e + "' mentions none of " + List.of(anyOf));
    }

    static void assertOk(String name) {
        JsonNode n = rec(name);
        assertEquals("ok", n.get("status").asText(), n.toString());
        assertEquals(4, n.get("labels").size(), n.toString());
    }

    @Test
    void notImagesAreNamedAsSuch() {
        assertError("zero.jpg", "empty file");
        assertError("text.jpg", "text");
        assertError("page.jpg", "HTML");
    }

    @Test
    void damagedFilesGetSpecificReasons() {
        assertError("truncated.jpg", "truncated", "corrupt");
        assertError("truncated.png", "truncated", "corrupt");
        assertError("bad-crc.png", "crc", "corrupt");
    }

    @Test
    void corruptEntropyDataAndAbsurdScanCountsEndWithoutHanging() {
        for (String f : List.of("corrupt-huffman.jpg", "absurd-scans.jpg")) {
            JsonNode n = rec(f);
            if (n.get("status").asText().equals("ok")) {
                assertEquals(4, n.get("labels").size());
            } else {
                assertFalse(n.get("error").asText().isBlank(), n.toString());
            }
        }
    }

    @Test
    void decompressionBombIsRefusedBeforeDecoding() {
        assertError("bomb.png", "pixels");
    }

    @Test
    void extremeAspectRatiosAndColourModelsAreTagged() {
        for (String f : List.of("tall-1x10000.png", "wide-10000x1.png", "cmyk.jpg", "ycck.jpg", "png_rgb16.png",
                "png_gray16.png", "png_l.png", "png_p.png", "png_rgba.png", "animated.gif", "multipage.tif")) {
            assertOk(f);
        }
    }

    @Test
    void exifOrientationsTwoToEightAreTaggedAsTheRotatedImage() throws IOException {
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(model).labels(List.of("cat", "dog", "car", "tree"))
                .build()) {
            for (int o = 2; o <= 8; o++) {
                assertOk("exif-" + o + ".jpg");
                // The record holds the scores of the pipeline's (EXIF-rotated) image, as classify gives them.
                Path f = dir.resolve("exif-" + o + ".jpg");
                float[] direct = model.delegate().encodePreprocessed(List.of(model.preprocessor().preprocess(f)), true)[0];
                List<LabelScore> want = c.classifyEmbeddings(new float[][] {direct}).get(0).labels();
                JsonNode got = rec("exif-" + o + ".jpg").get("labels");
                for (int i = 0; i < want.size(); i++) {
                    assertEquals(want.get(i).label(), got.get(i).get("label").asText());
                    assertEquals(want.get(i).cosine(), got.get(i).get("cosine").asDouble(), 1e-5);
                }
            }
        }
    }

    @Test
    void foldersLoopsAndOddNamesAreHandled() {
        assertOk("inside.png");
        assertEquals("skipped", rec("loop").get("status").asText());
        assertTrue(rec("loop").get("error").asText().contains("loop"));
        JsonNode latin = records.entrySet().stream().filter(e -> e.getKey().startsWith("latin1-")).findFirst()
                .orElseThrow().getValue();
        assertEquals("ok", latin.get("status").asText(), latin.toString());
    }

    @Test
    void everyFileHasExactlyOneRecordAndTheSummaryAddsUp() {
        // 29 files and the loop entry; byName() already failed on any duplicate.
        assertEquals(summary.ok() + summary.failed() + summary.skipped(), records.size());
        assertEquals(30, records.size(), records.keySet().toString());
    }

    @Test
    void theInMemoryDecodeStageGivesTagsOutcomeForEveryFile() throws IOException {
        // What a Spark job or an upload handler runs on bytes: the same reason for each bad file,
        // the same model input (bit for bit) for each good one.
        io.clipkit.ImagePreprocessor pre = model.preprocessor();
        int compared = 0;
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                JsonNode r = records.get(f.getFileName().toString());
                if (r == null || f.getParent().getFileName().toString().equals("x.jpg")) {
                    continue; // under the folder named like an image, or the latin-1 name: covered above
                }
                byte[] bytes = Files.readAllBytes(f);
                if (r.get("status").asText().equals("error")) {
                    io.clipkit.ImageDecodeException e = org.junit.jupiter.api.Assertions.assertThrows(
                            io.clipkit.ImageDecodeException.class, () -> ByteTriage.preprocess(pre, bytes, f.toString()), f.toString());
                    assertEquals(r.get("error").asText(), e.reason(), f.toString());
                } else {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(pre.preprocess(f), ByteTriage.preprocess(pre, bytes, f.toString()),
                            f.toString());
                }
                compared++;
            }
        }
        assertTrue(compared >= 25, "compared " + compared);
    }

    // ---------------------------------------------------------------- generators

    static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 255 / Math.max(1, w - 1)) << 16) | ((y * 255 / Math.max(1, h - 1)) << 8) | 128);
            }
        }
        return img;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static byte[] jpeg(BufferedImage img, boolean progressive) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            ImageWriteParam p = w.getDefaultWriteParam();
            if (progressive) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    static int indexOf(byte[] b, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= b.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    /** Overwrites the middle of the entropy-coded data with bytes that are not markers. */
    static byte[] corruptScan(byte[] jpeg) {
        byte[] b = jpeg.clone();
        int sos = indexOf(b, new byte[] {(byte) 0xFF, (byte) 0xDA});
        int start = sos + 2 + (((b[sos + 2] & 0xFF) << 8) | (b[sos + 3] & 0xFF));
        java.util.Random r = new java.util.Random(42);
        for (int i = start + (b.length - start) / 3; i < start + 2 * (b.length - start) / 3; i++) {
            b[i] = (byte) r.nextInt(0xFF); // never 0xFF
        }
        return b;
    }

    /** Repeats the last scan of a progressive JPEG {@code times} times before the EOI marker. */
    static byte[] absurdScans(byte[] jpeg, int times) throws IOException {
        int lastSos = -1;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                lastSos = i;
            }
        }
        int eoi = jpeg.length - 2;
        byte[] scan = java.util.Arrays.copyOfRange(jpeg, lastSos, eoi);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, eoi);
        for (int i = 0; i < times; i++) {
            out.write(scan);
        }
        out.write(new byte[] {(byte) 0xFF, (byte) 0xD9});
        return out.toByteArray();
    }

    /** A PNG whose IHDR declares {@code w x h} pixels, with a tiny IDAT: a decompression bomb's header. */
    static byte[] pngHeaderOnly(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Sets the Adobe APP14 transform flag to 2: the 4-component data is then read as YCCK. */
    static byte[] asYcck(byte[] cmyk) {
        byte[] b = cmyk.clone();
        int adobe = indexOf(b, "Adobe".getBytes());
        b[adobe + 11] = 2;
        return b;
    }

    static void writeSequence(Path file, String format, int frames) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        ImageWriter w = it.next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(ios);
            w.prepareWriteSequence(null);
            for (int i = 0; i < frames; i++) {
                BufferedImage img = gradient(32 + i, 24);
                if (format.equals("gif")) {
                    BufferedImage indexed = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
                    indexed.getGraphics().drawImage(img, 0, 0, null);
                    img = indexed;
                }
                w.writeToSequence(new IIOImage(img, null, null), null);
            }
            w.endWriteSequence();
        } finally {
            w.dispose();
        }
    }
}
