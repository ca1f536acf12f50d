package io.clipkit.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fast(true)}: JPEGs decoded reduced in the DCT domain stay close to the exact pipeline's
 * input, really decode fewer pixels, and leave small JPEGs and other formats bit-exact.
 */
class FastDecodeTest {
    @TempDir static Path dir;
    static Path big;
    static Path bigOdd;
    static Path rotated;
    static Path gray;
    static Path png;
    static Path small;

    /** A photo-like test image: smooth gradients, edges, fine texture and grain (seeded). */
    static BufferedImage photo(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = (double) x / w;
                double v = (double) y / h;
                double r = 128 + 90 * Math.sin(6 * u + 2 * v) + 20 * Math.sin(x / 3.0);
                double g = 128 + 80 * Math.cos(5 * v - 3 * u) + (((x / 40) + (y / 40)) % 2 == 0 ? 25 : -25);
                double b = 120 + 100 * u * v + 15 * Math.sin((x + y) / 5.0);
                double grain = rnd.nextGaussian() * 4;
                img.setRGB(x, y, clamp(r + grain) << 16 | clamp(g + grain) << 8 | clamp(b + grain));
            }
        }
        return img;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    static byte[] jpeg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "jpg", out));
        return out.toByteArray();
    }

    /** {@code jpeg} with an Exif APP1 segment carrying {@code orientation}, right after SOI. */
    static byte[] withOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] exif = {'E', 'x', 'i', 'f', 0, 0};
        int len = 2 + exif.length + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.write(exif, 0, exif.length);
        out.write(tiff, 0, tiff.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    @BeforeAll
    static void images() throws IOException {
        big = Files.write(dir.resolve("big.jpg"), jpeg(photo(3000, 2000, 1)));
        bigOdd = Files.write(dir.resolve("odd.jpg"), jpeg(photo(2003, 1501, 2)));
        rotated = Files.write(dir.resolve("rotated.jpg"), withOrientation(jpeg(photo(1800, 1200, 3)), 6));
        BufferedImage g = new BufferedImage(1600, 1200, BufferedImage.TYPE_BYTE_GRAY);
        g.getGraphics().drawImage(photo(1600, 1200, 4), 0, 0, null);
        gray = Files.write(dir.resolve("gray.jpg"), jpeg(g));
        small = Files.write(dir.resolve("small.jpg"), jpeg(photo(600, 400, 5)));
        png = dir.resolve("big.png");
        assertTrue(ImageIO.write(photo(1600, 1200, 6), "png", png.toFile()));
    }

    private static ClipImagePreprocessor pre(int size, boolean turbo, boolean fast) {
        return new ClipImagePreprocessor(ModelSpec.Image.openai(size), true, ImagePreprocessor.DEFAULT_MAX_PIXELS, turbo, fast);
    }

    /** Mean and max absolute difference of two normalized CHW inputs, in 0..1 pixel units. */
    private static double[] diff(float[] a, float[] b, int size) {
        assertEquals(a.length, b.length);
        int plane = size * size;
        double max = 0;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]) * ModelSpec.Image.OPENAI_STD.get(i / plane);
            max = Math.max(max, d);
            sum += d;
        }
        return new double[] {sum / a.length, max};
    }

    private static void assertClose(Path file, int size, boolean turbo) throws IOException {
        float[] exact = pre(size, turbo, false).preprocess(file);
        float[] fast = pre(size, turbo, true).preprocess(file);
        double[] d = diff(exact, fast, size);
        System.out.printf("fast vs exact %s size %d %s: mean %.5f max %.4f%n", file.getFileName(), size,
                turbo && TurboJpeg.available() ? "libturbojpeg" : "OpenCV", d[0], d[1]);
        assertTrue(d[0] < 0.005, "mean abs diff " + d[0] + " for " + file);
        assertTrue(d[1] < 0.05, "max abs diff " + d[1] + " for " + file);
        assertFalse(java.util.Arrays.equals(exact, fast), "the fast path should not have been the exact one for " + file);
    }

    @Test
    void reductionKeepsTheShortSideAtLeastTwiceTheInput() {
        assertEquals(4, ImageDecoder.reduction(4032, 3024, 448)); // 1008x756; 1/8 would be 378
        assertEquals(8, ImageDecoder.reduction(4032, 3024, 378)); // ceil(3024 / 8) = 378
        assertEquals(4, ImageDecoder.reduction(4032, 3024, 379));
        assertEquals(2, ImageDecoder.reduction(1920, 1080, 448));
        assertEquals(1, ImageDecoder.reduction(800, 600, 448));
        assertEquals(1, ImageDecoder.reduction(4032, 3024, 0)); // exact
        assertEquals(376, ImageDecoder.reduced(3001, 8));
    }

    @Test
    void bigJpegIsCloseToExact() throws IOException {
        assertClose(big, 224, true);
        assertClose(big, 336, true);
        assertClose(bigOdd, 224, true);
        assertClose(rotated, 224, true);
        assertClose(gray, 224, true);
    }

    @Test
    void fixtureJpegsWhichReduceAreCloseToExact() throws IOException {
        // CMYK (libturbojpeg's CMYK output reduced), progressive, 4:2:2, gray: at sizes they reduce at.
        assertEquals(4, ImageDecoder.reduction(400, 300, 64));
        assertClose(TestFiles.fixture("images/src/jpeg_cmyk_444_big.jpg"), 32, true);
        assertClose(TestFiles.fixture("images/src/jpeg_large.jpg"), 64, true);
        assertClose(TestFiles.fixture("images/src/jpeg_large.jpg"), 64, false);
        assertClose(TestFiles.fixture("images/src/jpeg_progressive.jpg"), 32, true);
        assertClose(TestFiles.fixture("images/src/jpeg_422_wide.jpg"), 32, true);
        assertClose(TestFiles.fixture("images/src/jpeg_gray.jpg"), 32, false);
    }

    @Test
    void openCvFallbackIsCloseToExactToo() throws IOException {
        assertClose(big, 224, false);
        assertClose(bigOdd, 224, false);
        assertClose(gray, 224, false);
    }

    @Test
    void fastDecodesFewerPixels() throws IOException {
        for (boolean turbo : new boolean[] {true, false}) {
            ImageDecoder.Decoded d = ImageDecoder.decode(big, ImagePreprocessor.DEFAULT_MAX_PIXELS, turbo, 448);
            assertEquals(4, d.reduction());
            assertEquals(750, d.pixels().width());
            assertEquals(500, d.pixels().height());
            assertEquals(3000, d.width());
            assertEquals(2000, d.height());
            ImageDecoder.Decoded odd = ImageDecoder.decode(bigOdd, ImagePreprocessor.DEFAULT_MAX_PIXELS, turbo, 448);
            assertEquals(2, odd.reduction());
            assertEquals(1002, odd.pixels().width()); // ceil(2003 / 2): libjpeg rounds up
            assertEquals(751, odd.pixels().height());
            ImageDecoder.Decoded g = ImageDecoder.decode(gray, ImagePreprocessor.DEFAULT_MAX_PIXELS, turbo, 448);
            assertEquals(Mode.L, g.pixels().mode());
            assertEquals(800, g.pixels().width());
        }
    }

    @Test
    void bothDecodersReduceAlike() throws IOException {
        // Both are libjpeg-turbo's scaled IDCT; allow a level for library-version differences.
        Pixels a = ImageDecoder.decode(big, ImagePreprocessor.DEFAULT_MAX_PIXELS, true, 448).pixels();
        Pixels b = ImageDecoder.decode(big, ImagePreprocessor.DEFAULT_MAX_PIXELS, false, 448).pixels();
        byte[] ra = PixelOps.toRgb(a);
        byte[] rb = PixelOps.toRgb(b);
        int max = 0;
        for (int i = 0; i < ra.length; i++) {
            max = Math.max(max, Math.abs((ra[i] & 0xff) - (rb[i] & 0xff)));
        }
        assertTrue(max <= 1, "max level difference " + max);
    }

    @Test
    void smallJpegsAndOtherFormatsStayExact() throws IOException {
        for (Path f : new Path[] {small, png}) {
            assertArrayEquals(pre(224, true, false).preprocess(f), pre(224, true, true).preprocess(f), f.toString());
            assertEquals(1, ImageDecoder.decode(f, ImagePreprocessor.DEFAULT_MAX_PIXELS, true, 448).reduction());
        }
    }

    @Test
    void builderOption() throws IOException {
        ImagePreprocessor exact = ImagePreprocessor.builder().size(224).build();
        ImagePreprocessor fast = ImagePreprocessor.builder().size(224).fast(true).build();
        assertFalse(exact.fast());
        assertTrue(fast.fast());
        assertArrayEquals(pre(224, true, true).preprocess(big), fast.preprocess(big));
        BufferedImage seen = fast.crop(big);
        assertEquals(224, seen.getWidth());
        assertEquals(224, seen.getHeight());
    }
}
