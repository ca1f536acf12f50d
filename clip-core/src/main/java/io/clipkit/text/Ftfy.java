package io.clipkit.text;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A re-implementation of ftfy 6.3.1's {@code fix_text} with its default configuration, which CLIP
 * applies to every text before tokenizing. The behaviour follows ftfy step by step (HTML
 * unescaping unless the line contains {@code <}, mojibake repair driven by the badness heuristic
 * over its single-byte codecs, C1 controls, ligatures, character width, quotes, line breaks,
 * surrogates, terminal escapes, control characters, NFC, repeated until stable); its data tables
 * and regular expressions are generated from ftfy itself by
 * {@code models/tools/tokens/make_text_tables.py}.
 */
final class Ftfy {
    private static final int MAX_DECODE_LENGTH = 1_000_000;

    /** ftfy's CHARMAP_ENCODINGS, in its order of preference. */
    private static final String[] ENCODINGS = {
        "latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
        "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2",
        "macroman", "cp437"
    };

    private static final Codec[] CODECS = new Codec[ENCODINGS.length];
    private static final int[] WINDOWS_1252;
    private static final int[] SLOPPY_WINDOWS_1252;
    private static final Pattern BADNESS;
    private static final CodePointSet FIRST_OF_2;
    private static final CodePointSet FIRST_OF_3;
    private static final CodePointSet FIRST_OF_4;
    private static final CodePointSet CONTINUATION;
    private static final CodePointSet CONTINUATION_STRICT;
    private static final Pattern ALTERED_UTF8;
    private static final Pattern LOSSY_UTF8;
    private static final Pattern A_GRAVE_WORD;
    private static final Map<String, String> ENTITIES;
    private static final Map<String, String> LIGATURES;
    private static final Map<String, String> WIDTH;
    private static final CodePointSet CONTROL;
    private static final CodePointSet DIGIT;

    static {
        TextTables t = TextTables.get();
        for (int i = 0; i < ENCODINGS.length; i++) {
            CODECS[i] = new Codec(ENCODINGS[i], t.codec(ENCODINGS[i]));
        }
        WINDOWS_1252 = t.codec("windows-1252");
        SLOPPY_WINDOWS_1252 = t.codec("sloppy-windows-1252");
        // UNIX_LINES: Python's '.' excludes only '\n'.
        BADNESS = Pattern.compile(t.regex("badness"), Pattern.UNIX_LINES);
        FIRST_OF_2 = t.set("ftfy.utf8_first_of_2");
        FIRST_OF_3 = t.set("ftfy.utf8_first_of_3");
        FIRST_OF_4 = t.set("ftfy.utf8_first_of_4");
        CONTINUATION = t.set("ftfy.utf8_continuation");
        CONTINUATION_STRICT = t.set("ftfy.utf8_continuation_strict");
        ALTERED_UTF8 = Pattern.compile(t.regex("altered_utf8"));
        LOSSY_UTF8 = Pattern.compile(t.regex("lossy_utf8"));
        A_GRAVE_WORD = Pattern.compile(t.regex("a_grave_word"));
        ENTITIES = t.map("ftfy.entities");
        LIGATURES = t.map("ftfy.ligatures");
        WIDTH = t.map("ftfy.width");
        CONTROL = t.set("ftfy.control");
        DIGIT = t.set("py.digit");
    }

    private Ftfy() {}

    /** A single-byte codec as Python's charmap codecs (and ftfy's sloppy ones) define it. */
    private static final class Codec {
        final String name;
        final boolean sloppy;
        final Map<Integer, Integer> encode = new HashMap<>();

        Codec(String name, int[] decode) {
            this.name = name;
            this.sloppy = name.startsWith("sloppy-");
            for (int b = 0; b < 256; b++) {
                if (decode[b] >= 0 && (b >= 0x80 || b == 0x1A)) {
                    encode.put(decode[b], b);
                }
            }
        }

        /** ftfy's possible_encoding: ASCII but U+001A, or one of the decoded bytes 0x80-0xFF, 0x1A. */
        boolean canEncode(String s) {
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                if (!(cp < 0x80 && cp != 0x1A) && !encode.containsKey(cp)) {
                    return false;
                }
                i += Character.charCount(cp);
            }
            return true;
        }

        byte[] encode(String s) {
            byte[] out = new byte[s.length()];
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                out[i] = (byte) (c < 0x80 && c != 0x1A ? c : encode.get((int) c));
            }
            return out;
        }
    }

    /** {@code ftfy.fix_text(text)}. */
    static String fixText(String text) {
        if (isPlainAscii(text)) {
            return text;
        }
        boolean unescapeHtml = true;
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int brk = text.indexOf('\n', pos) + 1;
            if (brk == 0) {
                brk = n;
            }
            if (text.codePointCount(pos, brk) > MAX_DECODE_LENGTH) {
                brk = text.offsetByCodePoints(pos, MAX_DECODE_LENGTH);
            }
            String segment = text.substring(pos, brk);
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                unescapeHtml = false; // "auto": the text is HTML, keep its entities from here on
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = brk;
        }
        return out.toString();
    }

    /** Text on which every ftfy step is the identity. */
    private static boolean isPlainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 0x20 && c < 0x7F && c != '&') || c == '\n' || c == '\t')) {
                return false;
            }
        }
        return true;
    }

    /** ftfy's fix_and_explain without the explanation. */
    static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String orig = text;
            if (unescapeHtml) {
                text = unescapeHtml(text);
            }
            text = fixEncoding(text);
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = removeTerminalEscapes(text);
            text = removeControlChars(text);
            text = Nfc.normalize(text);
            if (text.equals(orig)) {
                return text;
            }
        }
    }

    // ---- HTML -----------------------------------------------------------------------------

    /** ftfy's unescape_html: {@code &#?[0-9A-Za-z]{1,24};} references it can decode safely. */
    static String unescapeHtml(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        int n = s.length();
        for (int i = amp; i >= 0 && i < n; ) {
            int q = i + 1;
            if (q < n && s.charAt(q) == '#') {
                q++;
            }
            int start = q;
            while (q < n && q - start < 25 && isAsciiAlnum(s.charAt(q))) {
                q++;
            }
            int len = q - start;
            if (len >= 1 && len <= 24 && q < n && s.charAt(q) == ';') {
                String entity = s.substring(i, q + 1);
                String v = ENTITIES.get(entity);
                if (v == null && entity.startsWith("&#")) {
                    String u = HtmlUnescape.unescape(entity);
                    v = u.indexOf(';') >= 0 ? entity : u;
                }
                if (v != null) {
                    sb.append(s, copied, i).append(v);
                    copied = q + 1;
                }
                i = s.indexOf('&', q + 1);
            } else {
                i = s.indexOf('&', i + 1);
            }
        }
        return copied == 0 ? s : sb.append(s, copied, n).toString();
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    // ---- encoding repair ------------------------------------------------------------------

    static boolean isBad(String s) {
        return Badness.isBad(s);
    }

    /** ftfy's BADNESS_RE translated to java.util.regex: the slow twin of {@link Badness}, for tests. */
    static boolean isBadByRegex(String s) {
        return BADNESS.matcher(s).find();
    }

    /** {@code ftfy.fix_encoding(text)}: one-step repairs until nothing changes. */
    static String fixEncoding(String text) {
        while (true) {
            String prev = text;
            text = fixEncodingOneStep(text);
            if (text.equals(prev)) {
                return text;
            }
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static String fixEncodingOneStep(String text) {
        if (text.isEmpty() || isAscii(text) || !isBad(text)) {
            return text;
        }
        List<String> possible = new ArrayList<>();
        for (Codec codec : CODECS) {
            if (!codec.canEncode(text)) {
                continue;
            }
            possible.add(codec.name);
            byte[] bytes = codec.encode(text);
            if (!codec.name.equals("macroman") && ALTERED_UTF8.matcher(latin1(bytes)).find()) {
                bytes = restoreByteA0(bytes);
            }
            if (codec.sloppy) {
                bytes = replaceLossySequences(bytes);
            }
            String fixed = contains(bytes, 0xED) || contains(bytes, 0xC0)
                    ? Utf8.decodeVariants(bytes) : Utf8.decodeStrict(bytes);
            if (fixed != null) {
                return fixed;
            }
        }
        if (utf8DetectorEnd(text.codePoints().toArray(), 0)[0] >= 0) {
            String fixed = decodeInconsistentUtf8(text);
            if (!fixed.equals(text)) {
                return fixed;
            }
        }
        // ftfy tests for "windows-1252" among its sloppy codec names, which never holds, so text
        // that fits Latin-1 is always re-read as strict windows-1252 when that decodes.
        if (possible.contains("latin-1")) {
            String fixed = decodeStrictSingleByte(text, WINDOWS_1252);
            if (fixed != null && !fixed.equals(text)) {
                return fixed;
            }
        }
        if (hasC1(text)) {
            return fixC1Controls(text);
        }
        return text;
    }

    private static boolean contains(byte[] bytes, int b) {
        for (byte x : bytes) {
            if ((x & 0xFF) == b) {
                return true;
            }
        }
        return false;
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Latin-1 text (all below U+0100) re-read as the given codec; null if a byte is undefined. */
    private static String decodeStrictSingleByte(String text, int[] table) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            int cp = table[text.charAt(i)];
            if (cp < 0) {
                return null;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    static byte[] restoreByteA0(byte[] bytes) {
        String s = A_GRAVE_WORD.matcher(latin1(bytes)).replaceAll("\u00C3\u00A0 ");
        Matcher m = ALTERED_UTF8.matcher(s);
        StringBuilder sb = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(m.group().replace(' ', '\u00A0')));
        }
        m.appendTail(sb);
        return bytes(sb.toString());
    }

    static byte[] replaceLossySequences(byte[] bytes) {
        return bytes(LOSSY_UTF8.matcher(latin1(bytes)).replaceAll("\u00EF\u00BF\u00BD"));
    }

    static String decodeInconsistentUtf8(String text) {
        int[] cps = text.codePoints().toArray();
        StringBuilder sb = new StringBuilder(text.length());
        int copied = 0;
        int from = 0;
        while (true) {
            int[] m = utf8DetectorEnd(cps, from);
            if (m[0] < 0) {
                break;
            }
            String sub = new String(cps, m[0], m[1] - m[0]);
            appendCodePoints(sb, cps, copied, m[0]);
            sb.append(m[1] - m[0] < cps.length && isBad(sub) ? fixEncoding(sub) : sub);
            copied = m[1];
            from = m[1];
        }
        appendCodePoints(sb, cps, copied, cps.length);
        return sb.toString();
    }

    private static void appendCodePoints(StringBuilder sb, int[] cps, int from, int to) {
        for (int i = from; i < to; i++) {
            sb.appendCodePoint(cps[i]);
        }
    }

    /**
     * The next match of ftfy's UTF8_DETECTOR_RE at or after {@code from}, as {start, end} code point
     * indices ({-1, -1} if none): not after a strict continuation character, then as many UTF-8-like
     * lead+continuation groups as possible (the first fitting alternative each time, as the regex).
     */
    static int[] utf8DetectorEnd(int[] cps, int from) {
        int n = cps.length;
        for (int i = from; i < n; i++) {
            if (i > 0 && CONTINUATION_STRICT.contains(cps[i - 1])) {
                continue;
            }
            int j = i;
            while (true) {
                if (j + 1 < n && FIRST_OF_2.contains(cps[j]) && continuations(cps, j + 1, 1)) {
                    j += 2;
                } else if (j + 2 < n && FIRST_OF_3.contains(cps[j]) && continuations(cps, j + 1, 2)) {
                    j += 3;
                } else if (j + 3 < n && FIRST_OF_4.contains(cps[j]) && continuations(cps, j + 1, 3)) {
                    j += 4;
                } else {
                    break;
                }
            }
            if (j > i) {
                return new int[] {i, j};
            }
        }
        return new int[] {-1, -1};
    }

    private static boolean continuations(int[] cps, int at, int count) {
        for (int k = 0; k < count; k++) {
            if (!CONTINUATION.contains(cps[at + k])) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasC1(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                return true;
            }
        }
        return false;
    }

    /** C1 controls read as their windows-1252 characters. */
    static String fixC1Controls(String s) {
        if (!hasC1(s)) {
            return s;
        }
        char[] cs = s.toCharArray();
        for (int i = 0; i < cs.length; i++) {
            if (cs[i] >= 0x80 && cs[i] <= 0x9F) {
                cs[i] = (char) SLOPPY_WINDOWS_1252[cs[i]];
            }
        }
        return new String(cs);
    }

    // ---- character-level fixes ------------------------------------------------------------

    private static String translate(String s, Map<String, String> map, int lo, int hi, int extra) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = null;
            if ((c >= lo && c <= hi) || c == extra) {
                rep = map.get(String.valueOf(c));
            }
            if (rep != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String fixLatinLigatures(String s) {
        return translate(s, LIGATURES, 0x132, 0xFB06, -1);
    }

    static String fixCharacterWidth(String s) {
        return translate(s, WIDTH, 0xFF01, 0xFFEF, 0x3000);
    }

    static String uncurlQuotes(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char r = c;
            if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) {
                r = '\'';
            } else if (c >= 0x201C && c <= 0x201F) {
                r = '"';
            }
            if (r != c && sb == null) {
                sb = new StringBuilder(s).delete(i, s.length());
            }
            if (sb != null) {
                sb.append(r);
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String fixLineBreaks(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean brk = c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (brk && sb == null) {
                sb = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (sb != null) {
                if (brk) {
                    sb.append('\n');
                    if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                        i++;
                    }
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Unpaired surrogates become U+FFFD (pairs are already single code points in Java). */
    static String fixSurrogates(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone = false;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    if (sb != null) {
                        sb.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
                lone = true;
            } else if (Character.isLowSurrogate(c)) {
                lone = true;
            }
            if (lone && sb == null) {
                sb = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (sb != null) {
                sb.append(lone ? '\uFFFD' : c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Removes {@code ESC [ (\d|;)* [a-zA-Z]} with Python's Unicode \d. */
    static String removeTerminalEscapes(String s) {
        int esc = s.indexOf('\u001B');
        if (esc < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        int n = s.length();
        for (int i = esc; i >= 0 && i < n; ) {
            int q = i + 1;
            if (q < n && s.charAt(q) == '[') {
                q++;
                while (q < n) {
                    int cp = s.codePointAt(q);
                    if (cp != ';' && !DIGIT.contains(cp)) {
                        break;
                    }
                    q += Character.charCount(cp);
                }
                if (q < n && ((s.charAt(q) >= 'a' && s.charAt(q) <= 'z')
                        || (s.charAt(q) >= 'A' && s.charAt(q) <= 'Z'))) {
                    sb.append(s, copied, i);
                    copied = q + 1;
                    i = s.indexOf('\u001B', q + 1);
                    continue;
                }
            }
            i = s.indexOf('\u001B', i + 1);
        }
        return sb.append(s, copied, n).toString();
    }

    static String removeControlChars(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean drop = (c < 0x20 || c == 0x7F || c >= 0x206A) && CONTROL.contains(c);
            if (drop && sb == null) {
                sb = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (sb != null && !drop) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
