package io.clipkit.image;

import io.clipkit.ImageDecodeException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.function.IntUnaryOperator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Reads an image file into {@link Pixels} in the PIL mode Pillow 9.4 would give it, plus its EXIF
 * orientation. The format is sniffed from magic bytes; dimensions come from the header and are
 * checked against the pixel limit before any pixel is decoded.
 *
 * <p>Decoders: the system libturbojpeg for JPEG when installed ({@link TurboJpeg}), else OpenCV;
 * OpenCV's imdecode (libpng, libwebp, its BMP reader) for PNG, WebP and BMP; our own GIF decoder
 * ({@link Gif}); the JDK's readers for TIFF (raw samples) and, without libturbojpeg, for CMYK JPEGs
 * (OpenCV converts CMYK to BGR with its own formula).
 */
final class ImageDecoder {
    enum Format { JPEG, PNG, GIF, BMP, TIFF, WEBP }

    /**
     * A decoded image and its EXIF orientation (0 when there is none). {@code width} x
     * {@code height} is the stored image's size; {@code pixels} is smaller by {@code reduction}
     * (1, 2, 4 or 8; each side rounded up) when a JPEG was decoded reduced.
     */
    record Decoded(Pixels pixels, int orientation, Format format, int width, int height, int reduction) {}

    /** What the header says. {@code mode} null = decided from the decoded channels. */
    private record Header(Format format, long width, long height, Mode mode, int orientation, boolean cmyk,
            int photometric) {
        Header(Format format, long width, long height, Mode mode, int orientation, boolean cmyk) {
            this(format, width, height, mode, orientation, cmyk, -1);
        }
    }

    private ImageDecoder() {}

    static Decoded decode(Path file, long maxPixels) throws IOException {
        return decode(file, maxPixels, true, 0);
    }

    /** {@code turbo} false forces OpenCV for JPEGs (tests of the fallback path). */
    static Decoded decode(Path file, long maxPixels, boolean turbo) throws IOException {
        return decode(file, readAll(file), maxPixels, turbo, 0);
    }

    /**
     * {@code minShortSide} above 0 lets JPEGs decode reduced in the DCT domain (libjpeg's scaled
     * decoding, Pillow's {@code draft}), by the largest of 1/2, 1/4, 1/8 that keeps the short side
     * at least that long; 0 decodes every pixel.
     */
    static Decoded decode(Path file, long maxPixels, boolean turbo, int minShortSide) throws IOException {
        return decode(file, readAll(file), maxPixels, turbo, minShortSide);
    }

    /**
     * Decodes an image already in memory (an upload); {@code file} only names it in messages. The
     * same checks and reasons as for a file: empty, not an image, truncated, over the pixel limit.
     */
    static Decoded decode(Path file, byte[] b, long maxPixels, boolean turbo) throws IOException {
        return decode(file, b, maxPixels, turbo, 0);
    }

    /** The same, decoding JPEGs reduced down to {@code minShortSide} (0: every pixel). */
    static Decoded decode(Path file, byte[] b, long maxPixels, boolean turbo, int minShortSide) throws IOException {
        if (b.length == 0) {
            throw new ImageDecodeException(file, "empty file (0 bytes)");
        }
        Header h = header(file, b);
        if (h.width <= 0 || h.height <= 0) {
            throw new ImageDecodeException(file, "invalid " + h.format + " header: size " + h.width + "x" + h.height);
        }
        long pixels = h.width * h.height;
        if (pixels > maxPixels) {
            throw new ImageDecodeException(file, String.format(
                    "image is %dx%d = %,d pixels, over the limit of %,d (decompression-bomb guard; raise the maxPixels setting to allow it)",
                    h.width, h.height, pixels, maxPixels));
        }
        Pixels p;
        int r = 1;
        if (h.format == Format.GIF) {
            p = Gif.decode(file, b);
        } else if (h.format == Format.TIFF) {
            p = decodeTiff(file, b, h);
        } else if (h.format == Format.JPEG && turbo && TurboJpeg.available()) {
            r = reduction(h, minShortSide);
            p = decodeTurbo(file, b, h, r);
        } else if (h.cmyk) {
            p = decodeCmykJpeg(file, b); // the JDK reader has no DCT scaling: always full size
        } else {
            r = h.format == Format.JPEG ? reduction(h, minShortSide) : 1;
            p = decodeOpenCv(file, h.format == Format.PNG ? forLibpng(b) : b, h, r);
        }
        long w = reduced(h.width, r);
        long ht = reduced(h.height, r);
        if (p.width() != w || p.height() != ht) {
            throw new ImageDecodeException(file, "decoded size " + p.width() + "x" + p.height()
                    + " differs from the header's " + h.width + "x" + h.height + (r > 1 ? " reduced by " + r : ""));
        }
        return new Decoded(p, h.orientation, h.format, (int) h.width, (int) h.height, r);
    }

    /** The largest reduction in 1, 2, 4, 8 that keeps the short side at least {@code minShortSide}. */
    static int reduction(long width, long height, int minShortSide) {
        if (minShortSide <= 0) {
            return 1;
        }
        long shortSide = Math.min(width, height);
        for (int r = 8; r > 1; r /= 2) {
            if (reduced(shortSide, r) >= minShortSide) {
                return r;
            }
        }
        return 1;
    }

    private static int reduction(Header h, int minShortSide) {
        return reduction(h.width, h.height, minShortSide);
    }

    /** A side decoded reduced by {@code r}: libjpeg rounds up (TJSCALED, jdiv_round_up). */
    static long reduced(long side, int r) {
        return (side + r - 1) / r;
    }

    private static byte[] readAll(Path file) throws IOException {
        try {
            if (Files.isDirectory(file)) {
                throw new ImageDecodeException(file, "is a directory, not an image file");
            }
            long size = Files.size(file);
            if (size == 0) {
                throw new ImageDecodeException(file, "empty file (0 bytes)");
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new ImageDecodeException(file, "file too large (" + size + " bytes)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ImageDecodeException(file, "permission denied", e);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageDecodeException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- sniffing and headers

    private static boolean startsWith(byte[] b, int off, String ascii) {
        if (b.length < off + ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[off + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static ImageDecodeException truncated(Path file, Format f, String what) {
        return new ImageDecodeException(file, "truncated or corrupt " + f + " file (" + what + ")");
    }

    static Header header(Path file, byte[] b) throws ImageDecodeException {
        int n = b.length;
        if (n >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return jpegHeader(file, b);
        }
        if (n >= 8 && (b[0] & 0xff) == 0x89 && startsWith(b, 1, "PNG\r\n\u001a\n")) {
            return pngHeader(file, b);
        }
        if (startsWith(b, 0, "GIF87a") || startsWith(b, 0, "GIF89a")) {
            if (n < 13) {
                throw truncated(file, Format.GIF, "header cut short");
            }
            return new Header(Format.GIF, Exif.u16(b, 6, true), Exif.u16(b, 8, true), null, 0, false);
        }
        if (startsWith(b, 0, "BM") && n >= 26) {
            return bmpHeader(file, b);
        }
        if (startsWith(b, 0, "II*\0") || startsWith(b, 0, "MM\0*")) {
            return tiffHeader(file, b);
        }
        if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WEBP")) {
            return webpHeader(file, b);
        }
        throw new ImageDecodeException(file, unsupportedReason(b));
    }

    /** The one sniffer's reason (the tagger's triage says the same). */
    private static String unsupportedReason(byte[] b) {
        return Sniffer.describeNonImage(b, b.length);
    }

    private static int u16be(byte[] b, int p) {
        return Exif.u16(b, p, false);
    }

    private static Header jpegHeader(Path file, byte[] b) throws ImageDecodeException {
        int n = b.length;
        int p = 2;
        int width = -1;
        int height = -1;
        int comps = 0;
        int orientation = 0;
        boolean exifSeen = false;
        int sos = -1;
        while (p + 4 <= n) {
            if ((b[p] & 0xff) != 0xFF) {
                throw new ImageDecodeException(file, "corrupt JPEG (no marker at offset " + p + ")");
            }
            int marker = b[p + 1] & 0xff;
            if (marker == 0xFF) {
                p++;
                continue;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                p += 2;
                continue;
            }
            if (marker == 0xD9) {
                break;
            }
            int len = u16be(b, p + 2);
            if (marker == 0xDA) {
                sos = p;
                break;
            }
            if (p + 2 + len > n) {
                throw truncated(file, Format.JPEG, "header segment cut short");
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (len < 8) {
                    throw new ImageDecodeException(file, "corrupt JPEG frame header");
                }
                height = u16be(b, p + 5);
                width = u16be(b, p + 7);
                comps = b[p + 9] & 0xff;
                if (marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF) {
                    throw new ImageDecodeException(file, "unsupported JPEG variant (lossless JPEG)");
                }
            } else if (marker == 0xE1 && !exifSeen && len >= 8 && startsWith(b, p + 4, "Exif\0\0")) {
                exifSeen = true; // Pillow uses the first Exif APP1 segment
                orientation = Exif.orientation(b, p + 10, len - 8);
            }
            p += 2 + len;
        }
        if (width < 0) {
            throw truncated(file, Format.JPEG, "no frame header");
        }
        if (sos < 0) {
            throw truncated(file, Format.JPEG, "no image data");
        }
        // libjpeg reads past the data for the end-of-image marker; Pillow fails when it is missing.
        boolean eoi = false;
        for (int i = n - 2; i > sos; i--) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xD9) {
                eoi = true;
                break;
            }
        }
        if (!eoi) {
            throw truncated(file, Format.JPEG, "image data ends before the end-of-image marker");
        }
        Mode mode = switch (comps) {
            case 1 -> Mode.L;
            case 3 -> Mode.RGB;
            case 4 -> Mode.CMYK;
            default -> throw new ImageDecodeException(file, "unsupported JPEG with " + comps + " components");
        };
        return new Header(Format.JPEG, width, height, mode, orientation, comps == 4);
    }

    private static Header pngHeader(Path file, byte[] b) throws ImageDecodeException {
        int n = b.length;
        if (n < 33 || !startsWith(b, 12, "IHDR")) {
            throw truncated(file, Format.PNG, "no IHDR header");
        }
        long w = Exif.u32(b, 16, false);
        long h = Exif.u32(b, 20, false);
        int depth = b[24] & 0xff;
        int colorType = b[25] & 0xff;
        int exifOrientation = -1; // -1: no EXIF block at all
        int rawProfileOrientation = -1;
        int xmpOrientation = 0;
        boolean iend = false;
        boolean idat = false;
        int p = 8;
        while (p + 8 <= n) {
            long len = Exif.u32(b, p, false);
            if (p + 12 + len > n) {
                throw truncated(file, Format.PNG, "chunk cut short at offset " + p);
            }
            if (startsWith(b, p + 4, "IDAT")) {
                idat = true;
            } else if (startsWith(b, p + 4, "eXIf")) {
                exifOrientation = Exif.orientationMaybePrefixed(b, p + 8, (int) len);
            } else if (!idat && (startsWith(b, p + 4, "tEXt") || startsWith(b, p + 4, "zTXt")
                    || startsWith(b, p + 4, "iTXt"))) {
                PngText.Entry t = PngText.parse(b, p + 4, (int) len);
                if (t != null && t.keyword().equals("Raw profile type exif")) {
                    rawProfileOrientation = PngText.rawProfileOrientation(t.text());
                } else if (t != null && t.keyword().equals("XML:com.adobe.xmp")) {
                    xmpOrientation = PngText.xmpOrientation(t.text());
                }
            } else if (startsWith(b, p + 4, "IEND")) {
                iend = true;
                break;
            }
            p += 12 + (int) len;
        }
        if (!idat) {
            throw truncated(file, Format.PNG, "no image data");
        }
        if (!iend && p < n) {
            throw truncated(file, Format.PNG, "garbage at offset " + p);
        }
        // Pillow's getexif: the eXIf chunk, else ImageMagick's "Raw profile type exif" text; the XMP
        // tiff:Orientation only when neither has the tag.
        int orientation = exifOrientation >= 0 ? exifOrientation : Math.max(rawProfileOrientation, 0);
        if (orientation == 0) {
            orientation = xmpOrientation;
        }
        Mode mode = switch (colorType) {
            case 0 -> depth == 1 ? Mode.BILEVEL : depth == 16 ? Mode.I : Mode.L;
            case 2 -> Mode.RGB;
            case 3 -> Mode.P;
            case 4 -> Mode.LA;
            case 6 -> Mode.RGBA;
            default -> throw new ImageDecodeException(file, "invalid PNG color type " + colorType);
        };
        return new Header(Format.PNG, w, h, mode, orientation, false);
    }

    private static Header bmpHeader(Path file, byte[] b) throws ImageDecodeException {
        long hdr = Exif.u32(b, 14, true);
        long w;
        long h;
        int bpp;
        long compression = 0;
        long colors = 0;
        int palEntry = 4;
        if (hdr == 12) {
            w = Exif.u16(b, 18, true);
            h = Exif.u16(b, 20, true);
            bpp = Exif.u16(b, 24, true);
            palEntry = 3;
        } else if (hdr >= 40 && b.length >= 54) {
            w = (int) Exif.u32(b, 18, true);
            h = Math.abs((long) (int) Exif.u32(b, 22, true));
            bpp = Exif.u16(b, 28, true);
            compression = Exif.u32(b, 30, true);
            colors = Exif.u32(b, 46, true);
        } else {
            throw new ImageDecodeException(file, "unsupported BMP header (size " + hdr + ")");
        }
        Mode mode;
        if (bpp == 24 || bpp == 16) {
            mode = Mode.RGB;
        } else if (bpp == 32) {
            // Pillow reads BI_RGB 32-bit as RGB (the 4th byte is padding); bit fields with alpha as RGBA.
            boolean alphaMask = (compression == 3 || compression == 6) && hdr >= 56 && b.length >= 70
                    && Exif.u32(b, 66, true) != 0;
            mode = alphaMask ? Mode.RGBA : Mode.RGB;
        } else if (bpp == 1 || bpp == 4 || bpp == 8) {
            int count = colors == 0 || colors > (1 << bpp) ? 1 << bpp : (int) colors;
            int pal = 14 + (int) hdr;
            boolean gray = true;
            for (int i = 0; i < count && gray; i++) {
                int expect = count == 2 ? (i == 0 ? 0 : 255) : i;
                int q = pal + i * palEntry;
                if (q + 3 > b.length) {
                    throw truncated(file, Format.BMP, "palette cut short");
                }
                gray = (b[q] & 0xff) == expect && (b[q + 1] & 0xff) == expect && (b[q + 2] & 0xff) == expect;
            }
            mode = gray ? (count == 2 ? Mode.BILEVEL : Mode.L) : Mode.P;
        } else {
            throw new ImageDecodeException(file, "unsupported BMP bit depth " + bpp);
        }
        return new Header(Format.BMP, w, h, mode, 0, false);
    }

    private static Header tiffHeader(Path file, byte[] b) throws ImageDecodeException {
        boolean le = b[0] == 'I';
        if (b.length < 8) {
            throw truncated(file, Format.TIFF, "header cut short");
        }
        long ifd = Exif.u32(b, 4, le);
        if (ifd + 2 > b.length) {
            throw truncated(file, Format.TIFF, "IFD beyond end of file");
        }
        int p = (int) ifd;
        int count = Exif.u16(b, p, le);
        long w = -1;
        long h = -1;
        int bps = 1;
        int spp = 1;
        int photometric = -1;
        for (int i = 0; i < count; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > b.length) {
                throw truncated(file, Format.TIFF, "IFD cut short");
            }
            int tag = Exif.u16(b, e, le);
            int type = Exif.u16(b, e + 2, le);
            long cnt = Exif.u32(b, e + 4, le);
            long v = type == 3 ? Exif.u16(b, e + 8, le) : Exif.u32(b, e + 8, le);
            switch (tag) {
                case 256 -> w = v;
                case 257 -> h = v;
                case 258 -> {
                    if (cnt == 1 || type != 3) {
                        bps = (int) v;
                    } else if (cnt * 2 <= 4) {
                        bps = (int) v;
                    } else {
                        long off = Exif.u32(b, e + 8, le);
                        bps = off + 2 <= b.length ? Exif.u16(b, (int) off, le) : 8;
                    }
                }
                case 262 -> photometric = (int) v;
                case 277 -> spp = (int) v;
                default -> { }
            }
        }
        int orientation = Exif.orientation(b, 0, b.length);
        if (bps != 8 && !(bps == 1 && spp == 1)) {
            throw new ImageDecodeException(file, "unsupported TIFF with " + bps
                    + " bits per sample (the reference pipeline cannot resize it)");
        }
        Mode mode;
        if (photometric == 3) {
            mode = Mode.P;
        } else if (photometric != 1 && photometric != 2) {
            throw new ImageDecodeException(file, "unsupported TIFF color space (photometric interpretation "
                    + photometric + "; supported: BlackIsZero gray, RGB, palette)");
        } else if (spp == 1) {
            mode = bps == 1 ? Mode.BILEVEL : Mode.L;
        } else if (spp == 2) {
            mode = Mode.LA;
        } else if (spp == 3) {
            mode = Mode.RGB;
        } else if (spp == 4) {
            mode = Mode.RGBA;
        } else {
            throw new ImageDecodeException(file, "unsupported TIFF with " + spp + " samples per pixel");
        }
        return new Header(Format.TIFF, w, h, mode, orientation, false, photometric);
    }

    private static Header webpHeader(Path file, byte[] b) throws ImageDecodeException {
        int n = b.length;
        long w = -1;
        long h = -1;
        int orientation = 0;
        int p = 12;
        while (p + 8 <= n) {
            long len = Exif.u32(b, p + 4, true);
            int data = p + 8;
            if (data + len > n) {
                throw truncated(file, Format.WEBP, "chunk cut short at offset " + p);
            }
            if (startsWith(b, p, "VP8X") && len >= 10) {
                w = 1 + ((b[data + 4] & 0xff) | (b[data + 5] & 0xff) << 8 | (b[data + 6] & 0xff) << 16);
                h = 1 + ((b[data + 7] & 0xff) | (b[data + 8] & 0xff) << 8 | (b[data + 9] & 0xff) << 16);
            } else if (startsWith(b, p, "VP8 ") && len >= 10 && w < 0) {
                w = Exif.u16(b, data + 6, true) & 0x3fff;
                h = Exif.u16(b, data + 8, true) & 0x3fff;
            } else if (startsWith(b, p, "VP8L") && len >= 5 && w < 0) {
                long bits = Exif.u32(b, data + 1, true);
                w = 1 + (bits & 0x3fff);
                h = 1 + ((bits >> 14) & 0x3fff);
            } else if (startsWith(b, p, "EXIF")) {
                orientation = Exif.orientationMaybePrefixed(b, data, (int) len);
            }
            p = data + (int) len + (int) (len & 1);
        }
        if (w < 0) {
            throw truncated(file, Format.WEBP, "no image chunk");
        }
        return new Header(Format.WEBP, w, h, null, orientation, false);
    }

    // ---------------------------------------------------------------- pixel decoding

    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /**
     * The PNG as libpng should see it: without ancillary chunks other than tRNS (none changes the
     * pixels, as neither Pillow nor OpenCV applies gAMA/iCCP, and libpng prints warnings about
     * some, such as a bad iCCP profile), and with an IEND chunk (Pillow decodes files that lack
     * it; OpenCV's reader does not). Returns {@code png} itself when nothing has to change.
     */
    static byte[] forLibpng(byte[] png) {
        int p = 8;
        boolean change = true;
        while (p + 12 <= png.length) {
            int len = (int) Exif.u32(png, p, false);
            if (len < 0 || p + 12L + len > png.length) {
                break;
            }
            boolean ancillary = (png[p + 4] & 0x20) != 0;
            if (ancillary && !startsWith(png, p + 4, "tRNS")) {
                break;
            }
            if (startsWith(png, p + 4, "IEND")) {
                change = false;
                break;
            }
            p += 12 + len;
        }
        if (!change) {
            return png;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(png.length + IEND.length);
        out.write(png, 0, 8);
        p = 8;
        while (p + 12 <= png.length) {
            int len = (int) Exif.u32(png, p, false);
            if (len < 0 || p + 12L + len > png.length || startsWith(png, p + 4, "IEND")) {
                break;
            }
            boolean ancillary = (png[p + 4] & 0x20) != 0;
            if (!ancillary || startsWith(png, p + 4, "tRNS")) {
                out.write(png, p, 12 + len);
            }
            p += 12 + len;
        }
        out.write(IEND, 0, IEND.length);
        return out.toByteArray();
    }

    /** OpenCV's default decoder limit on either side (OPENCV_IO_MAX_IMAGE_WIDTH/HEIGHT). */
    private static final long OPENCV_MAX_SIDE = 1 << 20;

    /**
     * {@code reduction} > 1 (JPEG only) asks libjpeg for DCT-domain scaling through OpenCV's
     * IMREAD_REDUCED_* flags (color or gray as the header says; libjpeg then converts to 3 or 1
     * channels as IMREAD_UNCHANGED would for such a JPEG).
     */
    private static Pixels decodeOpenCv(Path file, byte[] b, Header h, int reduction) throws ImageDecodeException {
        if (h.width > OPENCV_MAX_SIDE || h.height > OPENCV_MAX_SIDE) {
            throw new ImageDecodeException(file, "unsupported: a side of " + Math.max(h.width, h.height)
                    + " pixels is over the decoder's limit of " + OPENCV_MAX_SIDE);
        }
        boolean gray = h.mode == Mode.L;
        int flags = switch (reduction) {
            case 1 -> opencv_imgcodecs.IMREAD_UNCHANGED;
            case 2 -> gray ? opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_2 : opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> gray ? opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_4 : opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> gray ? opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_8 : opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("reduction must be 1, 2, 4 or 8, got " + reduction);
        };
        io.clipkit.engine.Engines.javacpp(); // decode threads may be the first to use JavaCPP
        try (Mat buf = new Mat(1, b.length, opencv_core.CV_8UC1)) {
            buf.data().put(b, 0, b.length);
            try (Mat img = opencv_imgcodecs.imdecode(buf, flags | opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION)) {
                if (img == null || img.empty()) {
                    throw new ImageDecodeException(file, "cannot decode " + h.format + " data (corrupt or truncated)");
                }
                return fromMat(file, img, h);
            }
        }
    }

    private static Pixels fromMat(Path file, Mat img, Header h) throws ImageDecodeException {
        int w = img.cols();
        int ht = img.rows();
        int cn = img.channels();
        int depth = img.depth();
        int count = w * ht;
        if (!img.isContinuous()) {
            throw new ImageDecodeException(file, "decoder returned a non-contiguous image");
        }
        Mode mode = h.mode;
        if (mode == null) {
            mode = cn == 4 ? Mode.RGBA : cn == 3 ? Mode.RGB : Mode.L;
        }
        int total = count * cn;
        if (depth == opencv_core.CV_16U) {
            short[] s = new short[total];
            new ShortPointer(img.data()).capacity(total).get(s, 0, total);
            if (mode == Mode.I) {
                int[] v = new int[count];
                for (int i = 0; i < count; i++) {
                    v[i] = s[i * cn] & 0xffff;
                }
                return Pixels.ofInt(w, ht, v);
            }
            byte[] hi = new byte[total];
            for (int i = 0; i < total; i++) {
                hi[i] = (byte) ((s[i] & 0xffff) >>> 8); // Pillow's ;16B raw modes keep the high byte
            }
            return arrange(mode, w, ht, hi, cn);
        }
        if (depth != opencv_core.CV_8U) {
            throw new ImageDecodeException(file, "unsupported sample type (OpenCV depth " + depth + ")");
        }
        byte[] raw = new byte[total];
        img.data().capacity(total).get(raw, 0, total);
        if (mode == Mode.I) {
            int[] v = new int[count];
            for (int i = 0; i < count; i++) {
                v[i] = raw[i * cn] & 0xff;
            }
            return Pixels.ofInt(w, ht, v);
        }
        return arrange(mode, w, ht, raw, cn);
    }

    /** Fits OpenCV's 1/3/4-channel (B,G,R,A) samples to the channel layout of {@code mode}. */
    private static Pixels arrange(Mode mode, int w, int h, byte[] raw, int cn) {
        int count = w * h;
        int want = mode.channels;
        if (cn == want && (cn != 1 || mode != Mode.CMYK)) {
            return Pixels.of8(mode, w, h, raw, cn >= 3);
        }
        byte[] out = new byte[count * want];
        for (int i = 0, s = 0, o = 0; i < count; i++, s += cn, o += want) {
            switch (want) {
                case 1 -> out[o] = raw[s];
                case 2 -> {
                    out[o] = raw[s];
                    out[o + 1] = cn == 4 ? raw[s + 3] : (byte) 255;
                }
                case 3 -> {
                    if (cn == 1) {
                        out[o] = out[o + 1] = out[o + 2] = raw[s];
                    } else {
                        out[o] = raw[s];
                        out[o + 1] = raw[s + 1];
                        out[o + 2] = raw[s + 2];
                    }
                }
                default -> {
                    if (cn == 1) {
                        out[o] = out[o + 1] = out[o + 2] = raw[s];
                    } else {
                        out[o] = raw[s];
                        out[o + 1] = raw[s + 1];
                        out[o + 2] = raw[s + 2];
                    }
                    out[o + 3] = cn == 4 ? raw[s + 3] : (byte) 255;
                }
            }
        }
        return Pixels.of8(mode, w, h, out, true);
    }

    /** {@code reduction} > 1: TurboJPEG picks the DCT scaling factor 1/reduction from the smaller size asked for. */
    private static Pixels decodeTurbo(Path file, byte[] b, Header h, int reduction) throws ImageDecodeException {
        int w = (int) reduced(h.width, reduction);
        int ht = (int) reduced(h.height, reduction);
        try {
            return switch (h.mode) {
                case L -> Pixels.of8(Mode.L, w, ht, TurboJpeg.decode(b, w, ht, TurboJpeg.TJPF_GRAY, 1), false);
                case CMYK -> {
                    byte[] cmyk = TurboJpeg.decode(b, w, ht, TurboJpeg.TJPF_CMYK, 4);
                    for (int i = 0; i < cmyk.length; i++) {
                        cmyk[i] = (byte) ~cmyk[i]; // Pillow's "CMYK;I": Adobe's inverted convention
                    }
                    yield Pixels.of8(Mode.CMYK, w, ht, cmyk, false);
                }
                default -> Pixels.of8(Mode.RGB, w, ht, TurboJpeg.decode(b, w, ht, TurboJpeg.TJPF_RGB, 3), false);
            };
        } catch (TurboJpeg.DecodeError e) {
            throw new ImageDecodeException(file, "cannot decode JPEG data: " + e.getMessage());
        }
    }

    /**
     * TIFF through the JDK's reader: the raw samples as stored (OpenCV goes through libtiff's RGBA
     * interface, which premultiplies alpha and applies the orientation itself); palettes are
     * expanded.
     */
    private static Pixels decodeTiff(Path file, byte[] b, Header h) throws ImageDecodeException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("tiff");
            if (!readers.hasNext()) {
                throw new ImageDecodeException(file, "no TIFF reader available");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int ht = reader.getHeight(0);
                if (h.mode == Mode.P) {
                    return fromBufferedImage(reader.read(0));
                }
                BufferedImage img = reader.read(0);
                if (img.getColorModel().isAlphaPremultiplied()) {
                    throw new ImageDecodeException(file, "unsupported TIFF with associated (premultiplied) alpha");
                }
                Raster r = img.getRaster();
                int bands = r.getNumBands();
                if (bands != h.mode.channels) {
                    throw new ImageDecodeException(file, "unsupported TIFF layout (" + bands + " samples per pixel)");
                }
                IntUnaryOperator sample = h.mode == Mode.BILEVEL ? v -> v != 0 ? 255 : 0 : v -> v;
                return Pixels.of8(h.mode, w, ht, samples(r, w, ht, sample), false);
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(file, "cannot decode TIFF data: " + e.getMessage(), e);
        }
    }

    /** A raster's samples, row by row and interleaved, each mapped to a byte by {@code f}. */
    private static byte[] samples(Raster r, int w, int h, IntUnaryOperator f) {
        int bands = r.getNumBands();
        byte[] out = new byte[w * h * bands];
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);
            int o = y * w * bands;
            for (int i = 0; i < row.length; i++) {
                out[o + i] = (byte) f.applyAsInt(row[i]);
            }
        }
        return out;
    }

    /**
     * CMYK JPEGs: libjpeg's raw CMYK samples through the JDK reader, inverted as Pillow's
     * "CMYK;I" raw mode does (Adobe's convention).
     */
    private static Pixels decodeCmykJpeg(Path file, byte[] b) throws ImageDecodeException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
            if (!readers.hasNext()) {
                throw new ImageDecodeException(file, "no JPEG reader for CMYK available");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                Raster r = reader.readRaster(0, null);
                int w = r.getWidth();
                int h = r.getHeight();
                if (r.getNumBands() != 4) {
                    throw new ImageDecodeException(file, "unsupported CMYK JPEG layout");
                }
                // Inverted as Pillow's "CMYK;I" raw mode does (Adobe's convention).
                return Pixels.of8(Mode.CMYK, w, h, samples(r, w, h, v -> 255 - v), false);
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(file, "cannot decode CMYK JPEG: " + e.getMessage(), e);
        }
    }

    /**
     * An in-memory image: 8-bit sRGB samples straight from the raster where possible (gray as L,
     * indexed as P); other layouts go through the color model a row at a time.
     */
    static Pixels fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        int bands = r.getNumBands();
        boolean eightBit = true;
        for (int s : r.getSampleModel().getSampleSize()) {
            eightBit &= s == 8;
        }
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            return Pixels.of8(Mode.L, w, h, samples(r, w, h, 1), false);
        }
        boolean direct = eightBit && !(cm instanceof IndexColorModel) && cm.getColorSpace().isCS_sRGB()
                && !cm.isAlphaPremultiplied()
                && ((bands == 3 && !cm.hasAlpha()) || (bands == 4 && cm.hasAlpha()));
        if (direct) {
            return Pixels.of8(bands == 4 ? Mode.RGBA : Mode.RGB, w, h, samples(r, w, h, bands), false);
        }
        boolean alpha = cm.hasAlpha() && !(cm instanceof IndexColorModel);
        Mode mode = cm instanceof IndexColorModel ? Mode.P : alpha ? Mode.RGBA : Mode.RGB;
        int c = mode.channels;
        byte[] out = new byte[w * h * c];
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0, o = y * w * c; x < w; x++, o += c) {
                int v = argb[x];
                out[o] = (byte) (v >> 16);
                out[o + 1] = (byte) (v >> 8);
                out[o + 2] = (byte) v;
                if (c == 4) {
                    out[o + 3] = (byte) (v >>> 24);
                }
            }
        }
        return Pixels.of8(mode, w, h, out, false);
    }

    private static byte[] samples(Raster r, int w, int h, int bands) {
        byte[] out = new byte[w * h * bands];
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);
            int o = y * w * bands;
            for (int i = 0; i < row.length; i++) {
                out[o + i] = (byte) row[i];
            }
        }
        return out;
    }
}
