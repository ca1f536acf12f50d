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
    /** JPEGs decoded reduced in the DCT domain, down to twice the input size (see {@link #cropRgb}). */
    private final boolean fast;
    /** Normalized value of each uint8 level per channel, computed as torch does in float32. */
    private final float[][] norm = new float[3][256];

    ClipImagePreprocessor(int size, boolean exifRotate, long maxPixels, boolean turboJpeg) {
        this(ModelSpec.Image.openai(size), exifRotate, maxPixels, turboJpeg);
    }

    ClipImagePreprocessor(ModelSpec.Image spec, boolean exifRotate, long maxPixels, boolean turboJpeg) {
        this(spec, exifRotate, maxPixels, turboJpeg, false);
    }

    ClipImagePreprocessor(ModelSpec.Image spec, boolean exifRotate, long maxPixels, boolean turboJpeg, boolean fast) {
        this.spec = spec;
        this.size = spec.size();
        this.exifRotate = exifRotate;
        this.maxPixels = maxPixels;
        this.turboJpeg = turboJpeg;
        this.fast = fast;
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
        return normalize(cropRgb(label, ImageDecoder.decode(label, bytes, maxPixels, turboJpeg, fast ? 2 * size : 0)));
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

    @Override
    public boolean fast() {
        return fast;
    }

    /**
     * The crop as interleaved RGB bytes. Fast: a JPEG is decoded reduced (by 2, 4 or 8) as long as
     * its short side stays at least twice the input size, so the filter still averages over at
     * least two decoded pixels per output pixel; the output size and crop are computed from the
     * full image's size, as the exact pipeline does.
     */
    byte[] cropRgb(Path image) throws IOException {
        Objects.requireNonNull(image, "image");
        return cropRgb(image, ImageDecoder.decode(image, maxPixels, turboJpeg, fast ? 2 * size : 0));
    }

    private byte[] cropRgb(Path image, ImageDecoder.Decoded d) throws IOException {
        Pixels p = d.pixels();
        int w = d.width();
        int h = d.height();
        if (exifRotate) {
            p = PixelOps.orient(p, d.orientation());
            if (d.orientation() >= 5 && d.orientation() <= 8) {
                w = d.height();
                h = d.width();
            }
        }
        try {
            return PixelOps.toRgb(resizeCrop(p, spec, w, h, d.reduction()));
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
        return resizeCrop(p, spec, p.width(), p.height(), 1);
    }

    /**
     * The same for {@code p} decoded reduced by {@code reduction} from a {@code w} x {@code h}
     * image: sized and cropped as that image.
     */
    static Pixels resizeCrop(Pixels p, ModelSpec.Image spec, int w, int h, int reduction) {
        int n = spec.size();
        if (spec.convertRgbFirst() && p.mode() != Mode.RGB) {
            // PIL convert("RGB") before anything else: palette images are then resized with the
            // spec's filter (not NEAREST), RGBA loses its alpha before (not after) the resize.
            p = Pixels.of8(Mode.RGB, p.width(), p.height(), PixelOps.toRgb(p), false);
        }
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
        if (newW == p.width() && newH == p.height()) {
            // torchvision does not call resize at all; Pillow's resize to the same size copies
            return Resample.window(p, left, top, n, n);
        }
        Resample.Filter filter = spec.interpolation() == ModelSpec.Interpolation.BILINEAR
                ? Resample.Filter.BILINEAR : Resample.Filter.BICUBIC;
        if (reduction > 1) {
            // Decoded reduced (fast; 8-bit gray, RGB or CMYK, never alpha): the image covers w/r x h/r
            // of the ceil(w/r) x ceil(h/r) pixels, which Pillow's resize box expresses.
            return Resample.resizeWindow(p, (double) w / reduction, (double) h / reduction, newW, newH, left, top, n, n,
                    filter);
        }
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
