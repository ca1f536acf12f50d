package io.clipkit.image;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training-time image augmentation, decoded and resampled with the same code as the inference
 * pipeline (so an image seen in training and at inference goes through one decoder and one
 * bicubic filter). Per image, in this order:
 * <ol>
 *   <li>random resized crop as torchvision's {@code RandomResizedCrop(size, scale, ratio=(3/4, 4/3))}:
 *       an area fraction in {@code scale} and a log-uniform aspect ratio, ten tries, else the
 *       largest centered crop of clamped ratio; the window is resized bicubically to the input size;</li>
 *   <li>a horizontal flip with probability {@code flip};</li>
 *   <li>colour jitter: brightness, contrast and saturation factors each uniform in
 *       {@code [1 - jitter, 1 + jitter]}, in random order (torchvision's {@code ColorJitter}
 *       formulas: blend with black, with the mean grey level, with the greyscale image);</li>
 *   <li>the model's normalization ({@code mean}, {@code std}).</li>
 * </ol>
 * Deterministic: the same {@code seed} gives the same pixels. Immutable and thread-safe.
 *
 * <pre>{@code
 * Augmentation a = new Augmentation(224, 0.9, 1.0, 0.5, 0.2, ModelSpec.Image.OPENAI_MEAN, ModelSpec.Image.OPENAI_STD);
 * float[] chw = a.apply(Path.of("cat.jpg"), 42L);
 * }</pre>
 *
 * @param size output side
 * @param minScale smallest crop area, as a fraction of the image (open_clip: 0.9)
 * @param maxScale largest crop area fraction (1.0)
 * @param flip probability of a horizontal flip
 * @param jitter colour jitter strength (0 = none)
 * @param mean per-channel mean (RGB, 0..1 units)
 * @param std per-channel standard deviation
 */
public record Augmentation(int size, double minScale, double maxScale, double flip, double jitter, List<Float> mean,
        List<Float> std) {
    public Augmentation {
        if (size < 1 || size > Preprocessors.MAX_SIZE) {
            throw new IllegalArgumentException("image size must be between 1 and " + Preprocessors.MAX_SIZE + ", got " + size);
        }
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("crop scale must satisfy 0 < min <= max <= 1, got " + minScale + ".." + maxScale);
        }
        if (!(flip >= 0 && flip <= 1)) {
            throw new IllegalArgumentException("flip probability must be in 0..1, got " + flip);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("colour jitter must be in [0, 1), got " + jitter);
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (mean.size() != 3 || std.size() != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (RGB)");
        }
    }

    /** Decodes (EXIF-rotated), augments and normalizes one image: CHW float32. */
    public float[] apply(Path image, long seed) throws IOException {
        ImageDecoder.Decoded d = ImageDecoder.decode(image, ImagePreprocessor.DEFAULT_MAX_PIXELS);
        Pixels p = PixelOps.orient(d.pixels(), d.orientation());
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] rgb;
        try {
            rgb = PixelOps.toRgb(crop(p, rnd));
        } catch (IllegalArgumentException e) {
            throw new ImageDecodeException(image, e.getMessage());
        }
        float[] f = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            f[i] = (rgb[i] & 0xff) / 255f;
        }
        if (rnd.nextDouble() < flip) {
            flipInPlace(f, size);
        }
        if (jitter > 0) {
            jitterInPlace(f, rnd);
        }
        return normalize(f);
    }

    private Pixels crop(Pixels p, SplittableRandom rnd) {
        int w = p.width();
        int h = p.height();
        double area = (double) w * h;
        double logLo = Math.log(3.0 / 4);
        double logHi = Math.log(4.0 / 3);
        int cw = 0;
        int ch = 0;
        int x0 = 0;
        int y0 = 0;
        boolean found = false;
        for (int attempt = 0; attempt < 10 && !found; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rnd.nextDouble());
            double ratio = Math.exp(logLo + (logHi - logLo) * rnd.nextDouble());
            cw = (int) Math.round(Math.sqrt(target * ratio));
            ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
                x0 = rnd.nextInt(w - cw + 1);
                y0 = rnd.nextInt(h - ch + 1);
                found = true;
            }
        }
        if (!found) { // torchvision's fallback: a central crop of the whole image at a clamped ratio
            double inRatio = (double) w / h;
            if (inRatio < 3.0 / 4) {
                cw = w;
                ch = (int) Math.round(w / (3.0 / 4));
            } else if (inRatio > 4.0 / 3) {
                ch = h;
                cw = (int) Math.round(h * (4.0 / 3));
            } else {
                cw = w;
                ch = h;
            }
            ch = Math.min(ch, h);
            cw = Math.min(cw, w);
            x0 = (w - cw) / 2;
            y0 = (h - ch) / 2;
        }
        Pixels win = Resample.window(p, x0, y0, cw, ch);
        if (cw == size && ch == size) {
            return win;
        }
        if (win.mode().premultiplied()) {
            Pixels out = Resample.resizeWindow(PixelOps.premultiplyInPlace(win), size, size, 0, 0, size, size);
            PixelOps.unpremultiply(out);
            return out;
        }
        return Resample.resizeWindow(win, size, size, 0, 0, size, size);
    }

    /** Interleaved RGB in 0..1. */
    private static void flipInPlace(float[] f, int n) {
        for (int y = 0; y < n; y++) {
            int row = y * n * 3;
            for (int x = 0; x < n / 2; x++) {
                int a = row + x * 3;
                int b = row + (n - 1 - x) * 3;
                for (int c = 0; c < 3; c++) {
                    float t = f[a + c];
                    f[a + c] = f[b + c];
                    f[b + c] = t;
                }
            }
        }
    }

    private void jitterInPlace(float[] f, SplittableRandom rnd) {
        int[] order = {0, 1, 2};
        for (int i = 2; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int op : order) {
            float factor = (float) (1 - jitter + 2 * jitter * rnd.nextDouble());
            switch (op) {
                case 0 -> { // brightness: blend with black
                    for (int i = 0; i < f.length; i++) {
                        f[i] = clamp(f[i] * factor);
                    }
                }
                case 1 -> { // contrast: blend with the mean grey level
                    double s = 0;
                    for (int i = 0; i < f.length; i += 3) {
                        s += grey(f, i);
                    }
                    float m = (float) (s / (f.length / 3));
                    for (int i = 0; i < f.length; i++) {
                        f[i] = clamp(factor * f[i] + (1 - factor) * m);
                    }
                }
                default -> { // saturation: blend with the greyscale image
                    for (int i = 0; i < f.length; i += 3) {
                        float g = grey(f, i);
                        for (int c = 0; c < 3; c++) {
                            f[i + c] = clamp(factor * f[i + c] + (1 - factor) * g);
                        }
                    }
                }
            }
        }
    }

    private static float grey(float[] f, int i) {
        return 0.299f * f[i] + 0.587f * f[i + 1] + 0.114f * f[i + 2];
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }

    private float[] normalize(float[] rgb) {
        int plane = size * size;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float m = mean.get(c);
            float s = std.get(c);
            for (int i = 0; i < plane; i++) {
                out[c * plane + i] = (rgb[i * 3 + c] - m) / s;
            }
        }
        return out;
    }
}
