package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.model.TestCheckpoints;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchCommandTest {
    @TempDir static Path dir;
    static Path model;
    static Path photos;
    static Path index;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void indexPhotos() throws Exception {
        model = TestCheckpoints.writeFullVocabModel(dir.resolve("e2e.safetensors"));
        photos = Files.createDirectories(dir.resolve("photos & <friends>"));
        for (String f : List.of("jpeg_420_4x3.jpg", "png_rgb.png", "webp_lossy.webp", "gif_palette.gif", "jpeg_large.jpg")) {
            Files.copy(TestFiles.fixture("images/src/" + f), photos.resolve(f));
        }
        Files.copy(TestFiles.fixture("images/src/png_p.png"), photos.resolve("vanishes.png"));
        index = dir.resolve("index.sqlite");
        Run r = run("index", photos.toString(), "--model", model.toString(), "--index", index.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("6 embedded, 0 unchanged, 0 failed, 0 removed; 6 images"), r.err());
        r = run("index", photos.toString(), "--model", model.toString(), "--index", index.toString());
        assertTrue(r.err().contains("0 embedded, 6 unchanged"), r.err());
        Files.delete(photos.resolve("vanishes.png"));
    }

    @Test
    void tableIsBestFirstAndLeavesOutVanishedFiles() {
        Run r = run("search", "a photo of a cat.", "--model", model.toString(), "--index", index.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("rank    score  path", lines[0]);
        assertEquals(6, lines.length, "5 hits: the deleted file is left out\n" + r.out());
        float last = Float.MAX_VALUE;
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", 3);
            assertEquals(Integer.toString(i), f[0]);
            float s = Float.parseFloat(f[1]);
            assertTrue(s <= last);
            last = s;
            assertTrue(f[2].startsWith(photos.toAbsolutePath().toString()), f[2]);
        }
        assertFalse(r.out().contains("vanishes"));
        r = run("search", "a photo of a cat.", "-k", "2", "--model", model.toString(), "--index", index.toString(), "--json");
        assertEquals(2, r.out().strip().split("\n").length, r.out());
        assertTrue(r.out().startsWith("{\"path\":\""), r.out());
    }

    @Test
    void missingForeignAndCorruptIndexesAreClearErrorsAndLeftAlone() throws Exception {
        Path none = dir.resolve("none/index.sqlite");
        Run r = run("search", "x", "--model", model.toString(), "--index", none.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no embedding index") && r.err().contains("clip index"), r.err());
        assertFalse(Files.exists(none.getParent()));
        Path cache = dir.resolve("cache");
        r = run("search", "x", "--model", model.toString(), "--cache-dir", cache.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(cache.resolve("embeddings").toString()), r.err());
        assertFalse(Files.exists(cache.resolve("embeddings")));

        byte[] before = Files.readAllBytes(index);
        Path other = TestFiles.fixture("models/vit-p32-r64/model.pt"); // same shapes, another checkpoint
        r = run("search", "x", "--model", other.toString(), "--index", index.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds embeddings of model e2e.safetensors"), r.err());
        r = run("index", photos.toString(), "--model", other.toString(), "--index", index.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("holds embeddings of model"), r.err());
        r = run("search", "x", "--model", model.toString(), "--index", index.toString(), "--no-exif-rotate");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("exif=false") && r.err().contains("exif=true"), r.err());
        assertArrayEquals(before, Files.readAllBytes(index));

        Path junk = dir.resolve("junk.sqlite");
        Files.writeString(junk, "SQLite format 3\0 but not really");
        r = run("search", "x", "--model", model.toString(), "--index", junk.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("corrupt") || r.err().contains("not a clipkit index"), r.err());
        assertEquals("SQLite format 3\0 but not really", Files.readString(junk));
    }

    @Test
    void indexingNeedsNoTextTower() throws Exception {
        // The fixture checkpoint's text tower has a 400-token vocabulary: no CLIP text fits, but images index.
        Path tiny = TestFiles.fixture("models/vit-p32-r64/model.pt");
        Path idx = dir.resolve("tiny.sqlite");
        Run r = run("index", photos.toString(), "--model", tiny.toString(), "--index", idx.toString());
        assertEquals(0, r.code(), r.err());
        r = run("search", "--image", photos.resolve("png_rgb.png").toString(), "--model", tiny.toString(),
                "--index", idx.toString(), "--json", "-k", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("png_rgb.png\",\"score\":1.0") || r.out().contains("png_rgb.png\",\"score\":0.99999"),
                r.out());
    }

    @Test
    void usageErrors() {
        assertEquals(2, run("search", "--model", model.toString(), "--index", index.toString()).code());
        assertEquals(2, run("search", "x", "-k", "0", "--index", index.toString()).code());
        assertEquals(2, run("search", "x", "--min-score", "2", "--index", index.toString()).code());
        Run r = run("search", "--image", dir.resolve("nope.jpg").toString(), "--index", index.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope.jpg"), r.err());
    }

    @Test
    void htmlContactSheetRendersInHeadlessChromium() throws Exception {
        Path sheet = dir.resolve("sheet.html");
        Run r = run("search", "a photo of a dog.", "-k", "4", "--model", model.toString(), "--index", index.toString(),
                "--html", sheet.toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(sheet, StandardCharsets.UTF_8);
        assertEquals(4, count(html, "<figure class=\"card\""));
        assertEquals(4, count(html, "src=\"data:image/jpeg;base64,"));
        assertFalse(html.contains("http://") || html.contains("https://"), "self-contained");
        assertTrue(html.contains("photos &amp; &lt;friends&gt;"), "paths are escaped");
        for (String line : r.out().strip().split("\n")) {
            if (!line.startsWith("rank")) {
                String path = line.trim().split("\\s+", 3)[2];
                assertTrue(html.contains("href=\"" + Path.of(path).toUri().toASCIIString().replace("&", "&amp;") + "\""), "links to " + path);
            }
        }

        String chromium = chromium();
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        String dom = chromiumRun(chromium, profile, "--dump-dom", sheet.toUri().toString());
        assertEquals(4, count(dom, "<figure class=\"card\""), dom.length() > 2000 ? dom.substring(0, 2000) : dom);
        Matcher m = Pattern.compile("data-rank=\"(\\d)\"").matcher(dom);
        List<String> ranks = new ArrayList<>();
        while (m.find()) {
            ranks.add(m.group(1));
        }
        assertEquals(List.of("1", "2", "3", "4"), ranks);

        Path png = dir.resolve("sheet.png");
        chromiumRun(chromium, profile, "--screenshot=" + png, "--window-size=1000,700", sheet.toUri().toString());
        BufferedImage shot = ImageIO.read(png.toFile());
        assertTrue(shot != null && shot.getWidth() == 1000, "screenshot written");
        // The thumbnails are the only coloured pixels: the page itself is grey, white and dark text.
        long coloured = 0;
        for (int y = 0; y < shot.getHeight(); y++) {
            for (int x = 0; x < shot.getWidth(); x++) {
                int p = shot.getRGB(x, y);
                int rr = (p >> 16) & 255;
                int g = (p >> 8) & 255;
                int b = p & 255;
                if (Math.max(rr, Math.max(g, b)) - Math.min(rr, Math.min(g, b)) > 40) {
                    coloured++;
                }
            }
        }
        assertTrue(coloured > 20_000, "thumbnails drawn: " + coloured + " coloured pixels");
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Debian's chromium; skipped without it, except under CI (where .ci/run installs it). */
    static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (new File(c).canExecute()) {
                return c;
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium is required under CI=true (apt-get install chromium)");
        }
        Assumptions.abort("chromium not installed: contact sheet not checked in a browser (apt-get install chromium)");
        return null;
    }

    static String chromiumRun(String chromium, Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "chromium exit code");
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
