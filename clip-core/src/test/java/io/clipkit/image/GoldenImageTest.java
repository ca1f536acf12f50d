package io.clipkit.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files from models/tools/images/make_image_fixtures.py (Pillow 9.4 + torchvision 0.14):
 * the Java tensors must stay within the hard limits (max 1/255, mean 0.002 in [0,1]
 * units); the figures per case are printed, and a summary per image class at the end.
 */
class GoldenImageTest {
    private static final double MAX_LIMIT = 1.0 / 255 + 1e-6;
    private static final double MEAN_LIMIT = 0.002;
    private static final Map<String, double[]> SUMMARY = new TreeMap<>(); // class -> cases, exact, max, sum(mean)

    record Case(String name, String image, int size, boolean exif, String mode, boolean npy) {
        @Override
        public String toString() {
            return name + " (" + mode + ")";
        }
    }

    static Path dir() {
        return TestFiles.fixture("images");
    }

    static Stream<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir().resolve("cases.tsv"))) {
            String[] f = line.split("\t");
            if (f[0].equals("case")) {
                continue;
            }
            out.add(new Case(f[0], f[1], Integer.parseInt(f[2]), f[3].equals("1"), f[4], f[5].equals("1")));
        }
        assertTrue(out.size() >= 16, "fixture cases missing");
        return out.stream();
    }

    static float[][] referenceNormalization() throws IOException {
        Npy.Array a = Npy.read(dir().resolve("normalize.npy"));
        float[][] t = new float[3][256];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(a.data(), c * 256, t[c], 0, 256);
        }
        return t;
    }

    @Test
    void normalizationMatchesTorchBitForBit() throws IOException {
        float[][] ref = referenceNormalization();
        byte[] levels = new byte[256 * 3];
        for (int v = 0; v < 256; v++) {
            levels[3 * v] = levels[3 * v + 1] = levels[3 * v + 2] = (byte) v;
        }
        float[] mine = new ClipImagePreprocessor(16, false, ImagePreprocessor.DEFAULT_MAX_PIXELS, true).normalize(levels); // 16*16 = 256 pixels
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                assertEquals(Float.floatToIntBits(ref[c][v]), Float.floatToIntBits(mine[c * 256 + v]),
                        "channel " + c + " level " + v);
            }
        }
    }

    /**
     * JPEG cases for the OpenCV fallback. Not the damaged file: how libjpeg-turbo recovers from
     * corrupt entropy data differs between OpenCV's 3.0.3 and Pillow's 2.1.5 (the system
     * libturbojpeg path matches it exactly).
     */
    static Stream<Case> jpegCases() throws IOException {
        return cases().filter(c -> c.image.endsWith(".jpg") && !c.image.contains("damaged"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(Case c) throws IOException {
        compare(c, new ClipImagePreprocessor(c.size, c.exif, ImagePreprocessor.DEFAULT_MAX_PIXELS, true), "");
    }

    /** JPEGs through OpenCV's libjpeg-turbo, the decoder used where libturbojpeg is not installed. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jpegCases")
    void jpegFallbackDecoderMatchesReference(Case c) throws IOException {
        compare(c, new ClipImagePreprocessor(c.size, c.exif, ImagePreprocessor.DEFAULT_MAX_PIXELS, false), "opencv ");
    }

    @Test
    void reportsJpegDecoder() {
        System.out.println("golden: JPEG decoder = " + (TurboJpeg.available() ? "system libturbojpeg" : "OpenCV (libturbojpeg not found)"));
    }

    private void compare(Case c, ImagePreprocessor p, String label) throws IOException {
        float[] mine = p.preprocess(dir().resolve("src").resolve(c.image));
        float[] expected = c.npy ? Npy.read(dir().resolve("expected").resolve(c.name + ".npy")).data()
                : fromCrop(dir().resolve("expected").resolve(c.name + ".png"), c.size);
        assertEquals(expected.length, mine.length);
        int plane = c.size * c.size;
        double max = 0;
        double sum = 0;
        int exact = 0;
        for (int i = 0; i < mine.length; i++) {
            // back to [0,1] units: x = v * std + mean, so |dx| = |dv| * std
            double d = Math.abs((double) mine[i] - expected[i]) * ModelSpec.Image.OPENAI_STD.get(i / plane);
            max = Math.max(max, d);
            sum += d;
            if (Float.floatToIntBits(mine[i]) == Float.floatToIntBits(expected[i])) {
                exact++;
            }
        }
        double mean = sum / mine.length;
        boolean bitExact = exact == mine.length;
        System.out.printf("golden %s%-34s mode=%-4s max=%.6f mean=%.7f %s%n", label, c.name, c.mode, max, mean,
                bitExact ? "bit-exact" : (mine.length - exact) + " values differ");
        String cls = label + c.image.substring(0, c.image.indexOf('_')) + ":" + c.mode;
        synchronized (SUMMARY) {
            double[] s = SUMMARY.computeIfAbsent(cls, k -> new double[4]);
            s[0]++;
            s[1] += bitExact ? 1 : 0;
            s[2] = Math.max(s[2], max);
            s[3] += mean;
        }
        assertTrue(max <= MAX_LIMIT, c.name + ": max abs diff " + max + " over 1/255");
        assertTrue(mean <= MEAN_LIMIT, c.name + ": mean abs diff " + mean + " over 0.002");
    }

    @AfterAll
    static void summary() {
        SUMMARY.forEach((k, s) -> System.out.printf("golden summary %-12s cases=%2d bit-exact=%2d max=%.6f mean=%.7f%n",
                k, (int) s[0], (int) s[1], s[2], s[3] / s[0]));
    }

    /** The reference tensor from the reference crop, through the reference normalization table. */
    private static float[] fromCrop(Path png, int n) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        Raster r = img.getRaster();
        assertEquals(n, r.getWidth());
        assertEquals(3, r.getNumBands());
        float[][] norm = referenceNormalization();
        int[] px = r.getPixels(0, 0, n, n, (int[]) null);
        float[] out = new float[3 * n * n];
        for (int i = 0; i < n * n; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * n * n + i] = norm[c][px[3 * i + c]];
            }
        }
        return out;
    }
}
