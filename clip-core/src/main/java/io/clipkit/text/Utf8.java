package io.clipkit.text;

/**
 * UTF-8 decoders with Python's exact acceptance rules: strict {@code bytes.decode("utf-8")} and
 * ftfy's {@code utf-8-variants} (CESU-8 surrogate pairs and Java's two-byte NUL also accepted).
 * Both return null where Python raises UnicodeDecodeError.
 */
final class Utf8 {
    private Utf8() {}

    static String decodeStrict(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        return decodeRange(b, 0, b.length, sb) ? sb.toString() : null;
    }

    private static boolean cont(byte[] b, int i, int end, int lo, int hi) {
        if (i >= end) {
            return false;
        }
        int x = b[i] & 0xFF;
        return x >= lo && x <= hi;
    }

    /** Strict decoding of b[from, to) into sb; false on any invalid or truncated sequence. */
    private static boolean decodeRange(byte[] b, int from, int to, StringBuilder sb) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
            } else if (c >= 0xC2 && c <= 0xDF) {
                if (!cont(b, i + 1, to, 0x80, 0xBF)) {
                    return false;
                }
                sb.append((char) (((c & 0x1F) << 6) | (b[i + 1] & 0x3F)));
                i += 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                int lo = c == 0xE0 ? 0xA0 : 0x80;
                int hi = c == 0xED ? 0x9F : 0xBF;
                if (!cont(b, i + 1, to, lo, hi) || !cont(b, i + 2, to, 0x80, 0xBF)) {
                    return false;
                }
                sb.append((char) (((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)));
                i += 3;
            } else if (c >= 0xF0 && c <= 0xF4) {
                int lo = c == 0xF0 ? 0x90 : 0x80;
                int hi = c == 0xF4 ? 0x8F : 0xBF;
                if (!cont(b, i + 1, to, lo, hi) || !cont(b, i + 2, to, 0x80, 0xBF)
                        || !cont(b, i + 3, to, 0x80, 0xBF)) {
                    return false;
                }
                sb.appendCodePoint(((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12)
                        | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F));
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    /**
     * ftfy's utf-8-variants. Its special sequences are found by regexes whose {@code $} also
     * matches before a final newline, which is reproduced here.
     */
    static String decodeVariants(byte[] b) {
        int n = b.length;
        StringBuilder sb = new StringBuilder(n);
        int pos = 0;
        while (pos < n) {
            int special = findSpecial(b, pos);
            if (special < 0) {
                return decodeRange(b, pos, n, sb) ? sb.toString() : null;
            }
            if (special > pos) {
                if (!decodeRange(b, pos, special, sb)) {
                    return null;
                }
                pos = special;
                continue;
            }
            if ((b[pos] & 0xFF) == 0xC0) {
                if (n - pos > 1) {
                    sb.append('\u0000');
                    pos += 2;
                    continue;
                }
                return null;
            }
            // 0xED: a CESU-8 surrogate pair, or an error
            if (n - pos >= 6 && isCesu8(b, pos)) {
                int cp = ((b[pos + 1] & 0x0F) << 16) + ((b[pos + 2] & 0x3F) << 10)
                        + ((b[pos + 4] & 0x0F) << 6) + (b[pos + 5] & 0x3F) + 0x10000;
                sb.appendCodePoint(cp);
                pos += 6;
                continue;
            }
            return null;
        }
        return sb.toString();
    }

    /** Python's {@code $} (no MULTILINE): the end, or just before a final newline. */
    private static boolean dollar(byte[] b, int i) {
        return i == b.length || (i == b.length - 1 && b[i] == '\n');
    }

    private static boolean in(byte[] b, int i, int lo, int hi) {
        return i < b.length && (b[i] & 0xFF) >= lo && (b[i] & 0xFF) <= hi;
    }

    private static boolean isCesu8(byte[] b, int p) {
        return (in(b, p + 1, 0xA0, 0xAF) || dollar(b, p + 1))
                && (in(b, p + 2, 0x80, 0xBF) || dollar(b, p + 2))
                && (in(b, p + 3, 0xED, 0xED) || dollar(b, p + 3))
                && (in(b, p + 4, 0xB0, 0xBF) || dollar(b, p + 4))
                && (in(b, p + 5, 0x80, 0xBF) || dollar(b, p + 5));
    }

    /** The first match of ftfy's SPECIAL_BYTES_RE (Java NUL, CESU-8, surrogate) at or after from. */
    private static int findSpecial(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            int c = b[i] & 0xFF;
            if (c == 0xC0 && (in(b, i + 1, 0x80, 0x80) || dollar(b, i + 1))) {
                return i;
            }
            if (c == 0xED && (isCesu8(b, i)
                    || ((in(b, i + 1, 0xA0, 0xBF) || dollar(b, i + 1))
                        && (in(b, i + 2, 0x80, 0xBF) || dollar(b, i + 2))))) {
                return i;
            }
        }
        return -1;
    }
}
