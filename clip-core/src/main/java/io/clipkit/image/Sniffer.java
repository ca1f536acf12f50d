package io.clipkit.image;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one format sniffer: recognizes image formats by their first bytes, reads the size from
 * the header without decoding, and gives files that are not (supported) images a specific
 * reason ("HTML document", "HEIF/HEIC") instead of whatever a decoder says. The tagger's triage
 * and {@link ImageDecoder} both ask it. Internal.
 */
public final class Sniffer {
    /** Bytes of the head that {@link #imageFormat} and {@link #describeNonImage} look at. */
    public static final int HEAD = 32;

    private Sniffer() {}

    /** The format name, or null when the bytes start no image format we can decode. */
    public static String imageFormat(byte[] h, int n) {
        if (n >= 3 && u(h[0]) == 0xFF && u(h[1]) == 0xD8 && u(h[2]) == 0xFF) {
            return "jpeg";
        }
        if (n >= 8 && u(h[0]) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G' && h[4] == 0x0D && h[5] == 0x0A
                && h[6] == 0x1A && h[7] == 0x0A) {
            return "png";
        }
        if (n >= 6 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') {
            return "gif";
        }
        if (n >= 2 && h[0] == 'B' && h[1] == 'M') {
            return "bmp";
        }
        if (n >= 4 && ((h[0] == 'I' && h[1] == 'I' && h[2] == 42 && h[3] == 0) || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && h[3] == 42))) {
            return "tiff";
        }
        if (n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'E' && h[10] == 'B'
                && h[11] == 'P') {
            return "webp";
        }
        return null;
    }

    /**
     * Width and height from the header, without decoding; null when unknown (TIFF, odd files).
     * JPEG needs a scan for its frame header, which follows the metadata segments.
     */
    public static long[] dimensions(java.nio.file.Path file, String format, byte[] h, int n) throws java.io.IOException {
        switch (format) {
            case "png":
                return n >= 24 ? new long[] {be32(h, 16), be32(h, 20)} : null;
            case "gif":
                return n >= 10 ? new long[] {le16(h, 6), le16(h, 8)} : null;
            case "bmp":
                return n >= 26 ? new long[] {Math.abs((long) (int) le32(h, 18)), Math.abs((long) (int) le32(h, 22))} : null;
            case "webp":
                if (n >= 30 && h[12] == 'V' && h[13] == 'P' && h[14] == '8') {
                    if (h[15] == 'X') {
                        return new long[] {1 + (le32(h, 24) & 0xFFFFFF), 1 + ((le32(h, 27)) & 0xFFFFFF)};
                    }
                    if (h[15] == ' ') {
                        return new long[] {le16(h, 26) & 0x3FFF, le16(h, 28) & 0x3FFF};
                    }
                    if (h[15] == 'L') {
                        long b = le32(h, 21);
                        return new long[] {1 + (b & 0x3FFF), 1 + ((b >> 14) & 0x3FFF)};
                    }
                }
                return null;
            case "jpeg":
                return jpegDimensions(file);
            default:
                return null;
        }
    }

    private static long[] jpegDimensions(java.nio.file.Path file) throws java.io.IOException {
        try (java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file), 1 << 16)) {
            if (in.read() != 0xFF || in.read() != 0xD8) {
                return null;
            }
            long read = 2;
            while (read < (1 << 22)) {
                int b = in.read();
                while (b == 0xFF) {
                    b = in.read();
                }
                if (b < 0) {
                    return null;
                }
                int marker = b;
                if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                    continue;
                }
                int len = (in.read() << 8) | in.read();
                if (len < 2) {
                    return null;
                }
                boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
                if (sof) {
                    in.read(); // precision
                    long hgt = (in.read() << 8) | in.read();
                    long wid = (in.read() << 8) | in.read();
                    return new long[] {wid, hgt};
                }
                if (marker == 0xDA || marker == 0xD9) {
                    return null;
                }
                in.skipNBytes(len - 2);
                read += len + 2;
            }
            return null;
        } catch (java.io.EOFException e) {
            return null;
        }
    }

    private static long be32(byte[] h, int o) {
        return ((long) u(h[o]) << 24) | (u(h[o + 1]) << 16) | (u(h[o + 2]) << 8) | u(h[o + 3]);
    }

    private static long le32(byte[] h, int o) {
        return ((long) u(h[o + 3]) << 24) | (u(h[o + 2]) << 16) | (u(h[o + 1]) << 8) | u(h[o]);
    }

    private static long le16(byte[] h, int o) {
        return (u(h[o + 1]) << 8) | u(h[o]);
    }

    private static final String SUPPORTED = " (supported: JPEG, PNG, GIF, BMP, TIFF, WebP)";

    /** A short description of what a non-image (or unsupported image) file looks like. */
    public static String describeNonImage(byte[] h, int n) {
        n = Math.min(n, Math.min(h.length, HEAD));
        String s = new String(h, 0, n, StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
        if (s.startsWith("<!doctype html") || s.startsWith("<html") || s.startsWith("<head") || s.startsWith("<body")) {
            return "not an image: the file is an HTML document";
        }
        if (s.startsWith("<?xml") || s.startsWith("<svg")) {
            return s.contains("<svg") ? "not a supported image: SVG (vector) files are not decoded"
                    : "not an image: the file is an XML document";
        }
        if (s.startsWith("%pdf")) {
            return "not an image: the file is a PDF document";
        }
        if (n >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
            return "not an image: the file is a ZIP archive";
        }
        if (n >= 12 && h[4] == 'f' && h[5] == 't' && h[6] == 'y' && h[7] == 'p') {
            String brand = new String(h, 8, 4, StandardCharsets.ISO_8859_1);
            if (brand.startsWith("hei") || brand.startsWith("mif1")) {
                return "unsupported image format HEIF/HEIC" + SUPPORTED;
            }
            if (brand.startsWith("avi")) {
                return "unsupported image format AVIF" + SUPPORTED;
            }
            return "not an image: an ISO media (video) file";
        }
        if ((n >= 12 && h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 12 && h[4] == 'j' && h[5] == 'P')
                || (n >= 2 && u(h[0]) == 0xFF && u(h[1]) == 0x4F)) {
            return "unsupported image format JPEG 2000" + SUPPORTED;
        }
        if (n >= 4 && h[0] == '8' && h[1] == 'B' && h[2] == 'P' && h[3] == 'S') {
            return "unsupported image format Photoshop PSD" + SUPPORTED;
        }
        if (n >= 4 && h[0] == 0 && h[1] == 0 && (h[2] == 1 || h[2] == 2) && h[3] == 0) {
            return "unsupported image format ICO/CUR icon" + SUPPORTED;
        }
        if (looksLikeText(h, n)) {
            return "not a recognized image: the file is text";
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            hex.append(String.format("%02x", u(h[i])));
        }
        return "not a recognized image (first bytes " + hex + "; " + SUPPORTED.substring(2);
    }

    private static boolean looksLikeText(byte[] h, int n) {
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int b = u(h[i]);
            if (b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B)) {
                return false;
            }
        }
        return true;
    }

    private static int u(byte b) {
        return b & 0xFF;
    }
}
