package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PreprocessCommandTest {
    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = ClipCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesReferenceTensorAndCrop() throws IOException {
        Path src = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Run r = run("preprocess", src.toString(), "--size", "64", "--npy", tmp.resolve("npy").toString(),
                "--png", tmp.resolve("png").toString());
        assertEquals(0, r.code, r.err);
        Npy.Array mine = Npy.read(tmp.resolve("npy/jpeg_420_4x3.jpg.npy"));
        Npy.Array ref = Npy.read(TestFiles.fixture("images/expected/jpeg_420_4x3__64.npy"));
        assertArrayEquals(new int[] {3, 64, 64}, mine.shape());
        assertArrayEquals(ref.data(), mine.data(), 0f, "tensor differs from the reference");
        BufferedImage png = ImageIO.read(tmp.resolve("png/jpeg_420_4x3.jpg.png").toFile());
        BufferedImage expected = ImageIO.read(TestFiles.fixture("images/expected/jpeg_420_4x3__64.png").toFile());
        assertEquals(64, png.getWidth());
        assertArrayEquals(expected.getRaster().getPixels(0, 0, 64, 64, (int[]) null),
                png.getRaster().getPixels(0, 0, 64, 64, (int[]) null));
        assertTrue(r.out.contains("jpeg_420_4x3.jpg.npy"), r.out);
    }

    @Test
    void fastDecodesReducedAndStaysClose() throws IOException {
        // 1000x700 at size 64: decoded at 1/4 (250x175), then resized as the full image.
        Path src = TestFiles.fixture("images/src/jpeg_large.jpg");
        Run exact = run("preprocess", src.toString(), "--size", "64", "--npy", tmp.resolve("exact").toString());
        Run fast = run("preprocess", src.toString(), "--size", "64", "--npy", tmp.resolve("fast").toString(), "--fast");
        assertEquals(0, exact.code, exact.err);
        assertEquals(0, fast.code, fast.err);
        float[] a = Npy.read(tmp.resolve("exact/jpeg_large.jpg.npy")).data();
        float[] b = Npy.read(tmp.resolve("fast/jpeg_large.jpg.npy")).data();
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]) * 0.27; // back to 0..1 units (std ~0.27)
        }
        assertFalse(java.util.Arrays.equals(a, b), "--fast should not be the exact pipeline on a JPEG that reduces");
        assertTrue(sum / a.length < 0.005, "mean abs diff " + sum / a.length);
    }

    @Test
    void noExifRotateKeepsStoredOrientation() throws IOException {
        Path src = TestFiles.fixture("images/src/jpeg_exif_6.jpg");
        Run r = run("preprocess", src.toString(), "--size", "64", "--png", tmp.toString(), "--no-exif-rotate");
        assertEquals(0, r.code, r.err);
        BufferedImage png = ImageIO.read(tmp.resolve("jpeg_exif_6.jpg.png").toFile());
        BufferedImage expected = ImageIO.read(TestFiles.fixture("images/expected/jpeg_exif_6__64__noexif.png").toFile());
        assertArrayEquals(expected.getRaster().getPixels(0, 0, 64, 64, (int[]) null),
                png.getRaster().getPixels(0, 0, 64, 64, (int[]) null));
    }

    @Test
    void badImageIsReportedAndOthersStillWritten() throws IOException {
        Path bad = tmp.resolve("broken.jpg");
        Files.write(bad, "this is not an image".getBytes());
        Path empty = Files.createFile(tmp.resolve("empty.png"));
        Path good = TestFiles.fixture("images/src/png_rgb.png");
        Path out = tmp.resolve("out");
        Run r = run("preprocess", bad.toString(), empty.toString(), good.toString(), "--size", "32", "--npy", out.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("broken.jpg") && r.err.contains("not a recognized image"), r.err);
        assertTrue(r.err.contains("empty.png") && r.err.contains("empty file"), r.err);
        assertFalse(r.err.contains("Exception"), "no stack trace without -v: " + r.err);
        assertTrue(Files.exists(out.resolve("png_rgb.png.npy")));
        assertFalse(Files.exists(out.resolve("broken.jpg.npy")));
    }

    @Test
    void pixelLimitRefusesBeforeDecoding() {
        Path src = TestFiles.fixture("images/src/jpeg_large.jpg"); // 1000 x 700
        Run r = run("preprocess", src.toString(), "--size", "64", "--npy", tmp.toString(), "--max-pixels", "100000");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("jpeg_large.jpg") && r.err.contains("700,000 pixels"), r.err);
    }

    @Test
    void usageErrors() {
        assertEquals(2, run("preprocess", "x.jpg", "--size", "64").code, "no output directory");
        assertEquals(2, run("preprocess", "x.jpg", "--npy", tmp.toString()).code, "no size");
        Run r = run("preprocess", "x.jpg", "--size", "0", "--npy", tmp.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("got 0"), r.err);
    }

    /** Regression: an output "folder" that is a file gave only "preprocess: FILE"; the file is left alone. */
    @Test
    void outputFolderThatIsAFileIsNamedAndUntouched() throws IOException {
        Path img = io.clipkit.testing.TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Path file = Files.writeString(tmp.resolve("out"), "mine");
        Run r = run("preprocess", img.toString(), "--size", "32", "--npy", file.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("output folder " + file + " (--npy) is an existing file"), r.err);
        assertEquals("mine", Files.readString(file));
        Path under = file.resolve("sub");
        r = run("preprocess", img.toString(), "--size", "32", "--png", under.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("clip preprocess: cannot create output folder " + under + ": "), r.err);
        assertEquals("mine", Files.readString(file));
    }
}
