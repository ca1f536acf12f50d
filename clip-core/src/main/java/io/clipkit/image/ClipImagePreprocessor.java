package io.clipkit.image;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The reference pipeline of a {@link ModelSpec.Image}; for OpenAI's spec: decode, EXIF transpose
 * (optional), {@code Resize(n, BICUBIC)} as torchvision 0.14 sizes it, {@code CenterCrop(n)},
 * {@code convert("RGB")}, {@code ToTensor}, {@code Normalize}. Immutable and thread-safe.
 */
final class ClipImagePreprocessor implements ImagePreprocessor {
    private final ModelSpec.Image spec;
    private final int size;
    private final boolean exifRotate;
    private final long maxPixels;
    private final boolean turboJpeg;
    /** Normalized value of each uint8 level per channel, computed as torch does in float32. */
    private final float[][] norm = new float[3][256];

    ClipImagePreprocessor(int size, boolean exifRotate, long maxPixels, boolean turboJpeg) {
        this(ModelSpec.Image.openai(size), exifRotate, maxPixels, turboJpeg);
    }

    ClipImagePreprocessor(ModelSpec.Image spec, boolean exifRotate, long maxPixels, boolean turboJpeg) {
        this.spec = spec;
        this.size = spec.size();
        this.exifRotate = exifRotate;
        this.maxPixels = maxPixels;
        this.turboJpeg = turboJpeg;
        for (int c = 0; c < 3; c++) {
            float mean = spec.mean().get(c);
            float std = spec.std().get(c);
            for (int v = 0; v < 256; v++) {
                norm[c][v] = ((float) v / 255f - mean) / std;
            }
        }
    }

    /** The spec this pipeline implements. */
    ModelSpec.Image spec() {
        return spec;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public float[] preprocess(Path image) throws IOException {
        return normalize(cropRgb(image));
    }

    @Override
    public float[] preprocess(byte[] bytes, String name) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        Path label = uploadName(name);
        return normalize(cropRgb(label, ImageDecoder.decode(label, bytes, maxPixels, turboJpeg)));
    }

    /** The name an upload is reported under: its own when it is a usable file name, else "upload". */
    static Path uploadName(String name) {
        if (name != null && !name.isBlank()) {
            try {
                return Path.of(name);
            } catch (java.nio.file.InvalidPathException e) {
                // e.g. a NUL byte: fall through to the generic name
            }
        }
        return Path.of("upload");
    }

    @Override
    public float[] preprocess(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return normalize(PixelOps.toRgb(resizeCrop(ImageDecoder.fromBufferedImage(image), spec)));
    }

    @Override
    public BufferedImage crop(Path image) throws IOException {
        byte[] rgb = cropRgb(image);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return out;
    }

    /** The crop as interleaved RGB bytes. */
    byte[] cropRgb(Path image) throws IOException {
        Objects.requireNonNull(image, "image");
        return cropRgb(image, ImageDecoder.decode(image, maxPixels, turboJpeg));
    }

    private byte[] cropRgb(Path image, ImageDecoder.Decoded d) throws IOException {
        Pixels p = d.pixels();
        if (exifRotate) {
            p = PixelOps.orient(p, d.orientation());
        }
        try {
            return PixelOps.toRgb(resizeCrop(p, spec));
        } catch (IllegalArgumentException e) {
            throw new io.clipkit.ImageDecodeException(image, e.getMessage());
        }
    }

    /**
     * The spec's resize and crop, computing only the kept window: torchvision's {@code Resize(n)}
     * then {@code CenterCrop(n)} (OpenAI, open_clip), {@code Resize((n, n))} (open_clip's squash), or
     * transformers' {@code CLIPImageProcessor} (RGB first, floor crop offsets). May modify
     * {@code p}'s buffer (premultiplied alpha), which the callers own.
     */
    static Pixels resizeCrop(Pixels p, ModelSpec.Image spec) {
        int n = spec.size();
        if (spec.convertRgbFirst() && p.mode() != Mode.RGB) {
            // PIL convert("RGB") before anything else: palette images are then resized with the
            // spec's filter (not NEAREST), RGBA loses its alpha before (not after) the resize.
            p = Pixels.of8(Mode.RGB, p.width(), p.height(), PixelOps.toRgb(p), false);
        }
        int w = p.width();
        int h = p.height();
        int newW;
        int newH;
        int left;
        int top;
        if (spec.resize() == ModelSpec.Resize.SQUASH) {
            newW = n;
            newH = n;
            left = 0;
            top = 0;
        } else {
            int shortSide = Math.min(w, h);
            int longSide = Math.max(w, h);
            // torchvision 0.14 _compute_resized_output_size and transformers' get_resize_output_image_size:
            // int(n * long / short) in double precision
            long newLong = (long) ((double) ((long) n * longSide) / shortSide);
            if (newLong > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("image " + w + "x" + h + " is too elongated to resize to " + n);
            }
            newW = w <= h ? n : (int) newLong;
            newH = w <= h ? (int) newLong : n;
            if (spec.crop() == ModelSpec.CropRounding.FLOOR) {
                // transformers' center_crop: (dim - crop) // 2
                left = (newW - n) / 2;
                top = (newH - n) / 2;
            } else {
                // torchvision's CenterCrop: int(round((dim - n) / 2.0)), Python rounds half to even
                left = (int) Math.rint((newW - n) / 2.0);
                top = (int) Math.rint((newH - n) / 2.0);
            }
        }
        if (newW == w && newH == h) {
            // torchvision does not call resize at all; Pillow's resize to the same size copies
            return Resample.window(p, left, top, n, n);
        }
        Resample.Filter filter = spec.interpolation() == ModelSpec.Interpolation.BILINEAR
                ? Resample.Filter.BILINEAR : Resample.Filter.BICUBIC;
        if (p.mode().premultiplied()) {
            Pixels win = Resample.resizeWindow(PixelOps.premultiplyInPlace(p), newW, newH, left, top, n, n, filter);
            PixelOps.unpremultiply(win);
            return win;
        }
        return Resample.resizeWindow(p, newW, newH, left, top, n, n, filter);
    }

    float[] normalize(byte[] rgb) {
        int plane = size * size;
        float[] out = new float[3 * plane];
        float[] r = norm[0];
        float[] g = norm[1];
        float[] b = norm[2];
        for (int i = 0, s = 0; i < plane; i++, s += 3) {
            out[i] = r[rgb[s] & 0xff];
            out[plane + i] = g[rgb[s + 1] & 0xff];
            out[2 * plane + i] = b[rgb[s + 2] & 0xff];
        }
        return out;
    }
}
