package io.clipkit.batch;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Recognizes image formats by their first bytes, so that files which are not images get a
 * specific reason ("HTML document", "empty file") instead of whatever a decoder says.
 */
final class Sniffer {
    static final int HEAD = 32;

    private Sniffer() {}

    /** The format name, or null when the bytes start no image format we can decode. */
    static String imageFormat(byte[] h, int n) {
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

    /** A short description of what a non-image file looks like. */
    static String describeNonImage(byte[] h, int n) {
        String s = new String(h, 0, n, StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
        if (s.startsWith("<!doctype html") || s.startsWith("<html") || s.startsWith("<head") || s.startsWith("<body")) {
            return "not an image: the file is an HTML document";
        }
        if (s.startsWith("<?xml") || s.startsWith("<svg")) {
            return s.contains("<svg") ? "not a supported image: SVG (vector) files are not decoded" : "not an image: the file is an XML document";
        }
        if (s.startsWith("%pdf")) {
            return "not an image: the file is a PDF document";
        }
        if (n >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
            return "not an image: the file is a ZIP archive";
        }
        if (n >= 12 && h[4] == 'f' && h[5] == 't' && h[6] == 'y' && h[7] == 'p') {
            String brand = new String(h, 8, 4, StandardCharsets.ISO_8859_1);
            return brand.startsWith("hei") || brand.startsWith("mif1") || brand.startsWith("avif")
                    ? "not a supported image format: HEIF/AVIF (" + brand.strip() + ")"
                    : "not an image: an ISO media (video) file";
        }
        if (looksLikeText(h, n)) {
            return "not an image: the file is text";
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            hex.append(String.format("%02x", u(h[i])));
        }
        return "not a recognized image format (starts with bytes " + hex + ")";
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
