package io.clipkit.text;

import java.util.Map;

/**
 * Python's {@code html.unescape}: HTML5 named references (also without the semicolon, longest
 * prefix first), decimal and hex references with the HTML5 replacement rules for invalid code
 * points. Tables come from Python's {@code html.entities} via the generated resource.
 */
final class HtmlUnescape {
    private static final Map<String, String> HTML5;
    private static final Map<String, String> INVALID_CHARREFS;
    private static final CodePointSet INVALID_CODEPOINTS;
    private static final int MAX_NAME = 32;

    static {
        TextTables t = TextTables.get();
        HTML5 = t.map("html5");
        INVALID_CHARREFS = t.map("html.invalid_charrefs");
        INVALID_CODEPOINTS = t.set("html.invalid_codepoints");
    }

    private HtmlUnescape() {}

    static String unescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        int i = amp;
        int n = s.length();
        while (i >= 0 && i < n) {
            int end = matchCharref(s, i + 1);
            if (end < 0) {
                i = s.indexOf('&', i + 1);
                continue;
            }
            sb.append(s, copied, i).append(replace(s.substring(i + 1, end)));
            copied = end;
            i = s.indexOf('&', end);
        }
        return sb.append(s, copied, n).toString();
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * Matches {@code #[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?} at {@code p}; returns
     * the end or -1.
     */
    private static int matchCharref(String s, int p) {
        int n = s.length();
        if (p >= n) {
            return -1;
        }
        if (s.charAt(p) == '#') {
            int q = p + 1;
            while (q < n && isAsciiDigit(s.charAt(q))) {
                q++;
            }
            if (q > p + 1) {
                return q < n && s.charAt(q) == ';' ? q + 1 : q;
            }
            if (q < n && (s.charAt(q) == 'x' || s.charAt(q) == 'X')) {
                int h = q + 1;
                while (h < n && isHexDigit(s.charAt(h))) {
                    h++;
                }
                if (h > q + 1) {
                    return h < n && s.charAt(h) == ';' ? h + 1 : h;
                }
            }
            return -1;
        }
        int q = p;
        int count = 0;
        while (q < n && count < MAX_NAME) {
            char c = s.charAt(q);
            if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#'
                    || c == ';') {
                break;
            }
            q += Character.charCount(s.codePointAt(q));
            count++;
        }
        if (count == 0) {
            return -1;
        }
        return q < n && s.charAt(q) == ';' ? q + 1 : q;
    }

    /** Python's _replace_charref for the reference text after '&'. */
    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            String digits = ref.endsWith(";") ? ref.substring(0, ref.length() - 1) : ref;
            boolean hex = digits.charAt(1) == 'x' || digits.charAt(1) == 'X';
            long num = 0;
            boolean huge = false;
            for (int k = hex ? 2 : 1; k < digits.length(); k++) {
                num = num * (hex ? 16 : 10) + Character.digit(digits.charAt(k), 16);
                if (num > 0x10FFFF) {
                    huge = true;
                    break;
                }
            }
            if (huge) {
                return "\uFFFD";
            }
            int cp = (int) num;
            String invalid = INVALID_CHARREFS.get(new String(Character.toChars(cp)));
            if (invalid != null) {
                return invalid;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                return "\uFFFD";
            }
            if (INVALID_CODEPOINTS.contains(cp)) {
                return "";
            }
            return new String(Character.toChars(cp));
        }
        String v = HTML5.get(ref);
        if (v != null) {
            return v;
        }
        int cps = ref.codePointCount(0, ref.length());
        for (int x = cps - 1; x > 1; x--) {
            int cut = ref.offsetByCodePoints(0, x);
            v = HTML5.get(ref.substring(0, cut));
            if (v != null) {
                return v + ref.substring(cut);
            }
        }
        return "&" + ref;
    }
}
