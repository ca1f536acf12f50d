package io.clipkit.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** PNG text chunks that carry an orientation Pillow reads: EXIF as hex text, and XMP. */
final class PngText {
    private static final Pattern XMP_ORIENTATION = Pattern.compile("tiff:Orientation(=\"|>)([0-9])");
    private static final int MAX_TEXT = 1 << 20;

    record Entry(String keyword, String text) {}

    private PngText() {}

    /** tEXt, zTXt or iTXt at {@code type} (the chunk type's offset), or null if malformed. */
    static Entry parse(byte[] b, int type, int len) {
        int data = type + 4;
        int end = data + len;
        int nul = indexOf0(b, data, end);
        if (nul < 0) {
            return null;
        }
        String keyword = new String(b, data, nul - data, StandardCharsets.ISO_8859_1);
        int q = nul + 1;
        String chunk = new String(b, type, 4, StandardCharsets.ISO_8859_1);
        switch (chunk) {
            case "tEXt" -> {
                return new Entry(keyword, new String(b, q, end - q, StandardCharsets.ISO_8859_1));
            }
            case "zTXt" -> {
                byte[] text = inflate(b, q + 1, end - q - 1);
                return text == null ? null : new Entry(keyword, new String(text, StandardCharsets.ISO_8859_1));
            }
            default -> { // iTXt: flag, method, language\0, translated keyword\0, text
                if (q + 2 > end) {
                    return null;
                }
                boolean compressed = b[q] != 0;
                int lang = indexOf0(b, q + 2, end);
                int trans = lang < 0 ? -1 : indexOf0(b, lang + 1, end);
                if (trans < 0) {
                    return null;
                }
                int t = trans + 1;
                byte[] text = compressed ? inflate(b, t, end - t) : java.util.Arrays.copyOfRange(b, t, end);
                return text == null ? null : new Entry(keyword, new String(text, StandardCharsets.UTF_8));
            }
        }
    }

    /** ImageMagick's "\nexif\n   LEN\nHEX..." (Pillow joins the lines after the third). */
    static int rawProfileOrientation(String text) {
        String[] lines = text.split("\n", -1);
        if (lines.length < 4) {
            return -1;
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 3; i < lines.length; i++) {
            hex.append(lines[i].replace(" ", "").replace("\t", ""));
        }
        if (hex.length() % 2 != 0) {
            return -1;
        }
        byte[] bytes = new byte[hex.length() / 2];
        try {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        return Exif.orientationMaybePrefixed(bytes, 0, bytes.length);
    }

    static int xmpOrientation(String xmp) {
        Matcher m = XMP_ORIENTATION.matcher(xmp);
        return m.find() ? Integer.parseInt(m.group(2)) : 0;
    }

    private static int indexOf0(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] inflate(byte[] b, int off, int len) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(b, off, len);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int k = inf.inflate(buf);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, k);
                if (out.size() > MAX_TEXT) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inf.end();
        }
    }
}
