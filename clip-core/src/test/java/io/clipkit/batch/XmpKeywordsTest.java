package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Tagger;
import io.clipkit.XmpMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.bytesource.ByteSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XmpKeywordsTest {
    @TempDir Path tmp;

    static final String DARKTABLE_SIDECAR = """
            <?xml version="1.0" encoding="UTF-8"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about=""
                xmlns:xmp="http://ns.adobe.com/xap/1.0/"
                xmlns:dc="http://purl.org/dc/elements/1.1/"
                xmlns:darktable="http://darktable.sf.net/"
                xmp:Rating="3"
                darktable:xmp_version="5">
               <dc:subject>
                <rdf:Bag>
                 <rdf:li>holiday</rdf:li>
                 <rdf:li>beach</rdf:li>
                </rdf:Bag>
               </dc:subject>
               <darktable:history><rdf:Seq><rdf:li darktable:operation="exposure"/></rdf:Seq></darktable:history>
              </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            """;

    @Test
    void newSidecarHoldsTheKeywordsAsADcSubjectBag() throws IOException {
        Path img = Images.write(tmp.resolve("IMG_1.jpg"), 8, 8, 1);
        assertTrue(XmpKeywords.writeSidecar(img, List.of("cat", "dog")));
        Path sc = tmp.resolve("IMG_1.jpg.xmp");
        String xml = Files.readString(sc);
        assertEquals(List.of("cat", "dog"), XmpKeywords.keywords(xml));
        assertTrue(xml.contains("rdf:Bag"), xml);
        assertTrue(xml.contains("x:xmpmeta"), xml);
        assertFalse(XmpKeywords.writeSidecar(img, List.of("dog")), "nothing new: not rewritten");
    }

    @Test
    void existingSidecarIsMergedKeepingItsContent() throws IOException {
        Path img = Images.write(tmp.resolve("IMG_2.jpg"), 8, 8, 1);
        Path sc = tmp.resolve("IMG_2.jpg.xmp");
        Files.writeString(sc, DARKTABLE_SIDECAR);
        assertTrue(XmpKeywords.writeSidecar(img, List.of("beach", "sunset")));
        String xml = Files.readString(sc);
        assertEquals(List.of("holiday", "beach", "sunset"), XmpKeywords.keywords(xml));
        assertTrue(xml.contains("xmp:Rating=\"3\""), xml);
        assertTrue(xml.contains("darktable:operation=\"exposure\""), xml);
        assertTrue(xml.contains("XMP Core 4.4.0-Exiv2"), xml);
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "no temp file left behind");
        }
    }

    @Test
    void sidecarWithoutSubjectGetsOne() throws IOException {
        Path img = Images.write(tmp.resolve("a.png"), 8, 8, 1);
        Files.writeString(XmpKeywords.sidecar(img), "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\""
                + XmpKeywords.NS_RDF + "\"><rdf:Description rdf:about=\"\" xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\""
                + " tiff:Orientation=\"1\"/></rdf:RDF></x:xmpmeta>");
        XmpKeywords.writeSidecar(img, List.of("cat"));
        String xml = Files.readString(XmpKeywords.sidecar(img));
        assertEquals(List.of("cat"), XmpKeywords.keywords(xml));
        assertTrue(xml.contains("tiff:Orientation=\"1\""));
    }

    @Test
    void invalidSidecarIsAnErrorAndLeftAlone() throws IOException {
        Path img = Images.write(tmp.resolve("a.png"), 8, 8, 1);
        Path sc = XmpKeywords.sidecar(img);
        Files.writeString(sc, "<not xml");
        IOException e = assertThrows(IOException.class, () -> XmpKeywords.writeSidecar(img, List.of("cat")));
        assertTrue(e.getMessage().contains("left unchanged"));
        assertEquals("<not xml", Files.readString(sc));
        Files.writeString(sc, "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>");
        assertThrows(IOException.class, () -> XmpKeywords.writeSidecar(img, List.of("cat")));
    }

    @Test
    void embeddingInAJpegChangesOnlyTheXmpSegment() throws IOException {
        Path img = Images.write(tmp.resolve("photo.jpg"), 64, 48, 7);
        byte[] before = Files.readAllBytes(img);
        assertTrue(XmpKeywords.embedInJpeg(img, List.of("cat", "dog")));
        byte[] after = Files.readAllBytes(img);
        assertEquals(List.of("cat", "dog"), XmpKeywords.keywords(Imaging.getXmpXml(ByteSource.path(img))));
        assertEquals(withoutXmp(before), withoutXmp(after));
        assertTrue(Imaging.getImageInfo(after).getWidth() == 64);

        // Merging into the now existing XMP keeps its keywords, adds no duplicates.
        assertTrue(XmpKeywords.embedInJpeg(img, List.of("dog", "bird")));
        assertEquals(List.of("cat", "dog", "bird"), XmpKeywords.keywords(Imaging.getXmpXml(ByteSource.path(img))));
        assertEquals(withoutXmp(before), withoutXmp(Files.readAllBytes(img)));
        assertFalse(XmpKeywords.embedInJpeg(img, List.of("bird")));
    }

    @Test
    void taggerEmbedsInJpegsAndWritesSidecarsForOtherFormats() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("p"));
        Path jpg = Images.write(dir.resolve("a.jpg"), 32, 32, 1);
        Path png = Images.write(dir.resolve("b.png"), 32, 32, 2);
        byte[] jpgBefore = Files.readAllBytes(jpg);
        byte[] pngBefore = Files.readAllBytes(png);
        Path out = tmp.resolve("t.jsonl");
        FakeClipModel model = new FakeClipModel();
        Tagger.Builder b = Tagger.builder(model).labels(List.of("cat", "dog", "car")).topK(2).output(out)
                .xmp(XmpMode.EMBED).index(tmp.resolve("i.sqlite"));
        b.build().run(List.of(dir));
        assertArrayEquals(pngBefore, Files.readAllBytes(png));
        assertEquals(withoutXmp(jpgBefore), withoutXmp(Files.readAllBytes(jpg)));
        assertEquals(2, XmpKeywords.keywords(Imaging.getXmpXml(ByteSource.path(jpg))).size());
        assertEquals(2, XmpKeywords.keywords(Files.readString(dir.resolve("b.png.xmp"))).size());
        assertFalse(Files.exists(dir.resolve("a.jpg.xmp")));
        ObjectMapper om = new ObjectMapper();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = om.readTree(line);
            assertEquals("ok", n.get("status").asText());
            Path p = Path.of(n.get("path").asText());
            // The record has the size after embedding, so a rerun resumes instead of redoing.
            assertEquals(Files.size(p), n.get("size").asLong());
            if (p.equals(png)) {
                assertTrue(n.get("note").asText().contains("sidecar"));
            }
        }
        long pre = model.preprocessor.calls.get();
        assertEquals(2, b.build().run(List.of(dir)).resumed());
        // A new output re-tags from the index although the JPEG's bytes changed.
        b.output(tmp.resolve("t2.jsonl")).build().run(List.of(dir));
        assertEquals(pre, model.preprocessor.calls.get());
    }

    @Test
    void sidecarModeLeavesImagesUntouchedAndRespectsMinScore() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("p"));
        Images.write(dir.resolve("a.jpg"), 32, 32, 1);
        Images.write(dir.resolve("b.png"), 32, 32, 2);
        Map<String, String> before = Images.checksums(dir);
        FakeClipModel model = new FakeClipModel();
        Tagger.builder(model).labels(List.of("cat", "dog", "car")).topK(3).minScore(0.999999f).xmp(XmpMode.SIDECAR)
                .output(tmp.resolve("o.jsonl")).build().run(List.of(dir));
        Map<String, String> after = Images.checksums(dir);
        for (var e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()));
        }
        for (String line : Files.readAllLines(tmp.resolve("o.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            Path sc = XmpKeywords.sidecar(Path.of(n.get("path").asText()));
            List<String> want = new ArrayList<>();
            n.get("labels").forEach(l -> want.add(l.get("label").asText()));
            if (want.isEmpty()) {
                assertFalse(Files.exists(sc));
            } else {
                assertEquals(want, XmpKeywords.keywords(Files.readString(sc)));
            }
        }
    }

    /** All JPEG segments except APP1 XMP, plus the entropy-coded data, as one byte string. */
    static String withoutXmp(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 2;
        assertEquals(0xFF, jpeg[0] & 0xFF);
        assertEquals(0xD8, jpeg[1] & 0xFF);
        while (i < jpeg.length) {
            assertEquals(0xFF, jpeg[i] & 0xFF, "marker expected at " + i);
            int marker = jpeg[i + 1] & 0xFF;
            if (marker == 0xDA) {
                out.write(jpeg, i, jpeg.length - i); // SOS: the scan data to the end, byte for byte
                break;
            }
            int len = ((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF);
            boolean xmp = marker == 0xE1 && new String(jpeg, i + 4, Math.min(29, len - 2), StandardCharsets.ISO_8859_1)
                    .startsWith("http://ns.adobe.com/xap/1.0/");
            if (!xmp) {
                out.write(jpeg, i, len + 2);
            }
            i += len + 2;
        }
        return java.util.HexFormat.of().formatHex(out.toByteArray());
    }
}
