package io.clipkit.text;

import java.util.Map;

/**
 * Python {@code str} semantics the CLIP cleaning depends on: {@code str.isspace()} (which, unlike
 * Java, counts U+001C..U+001F as whitespace), {@code strip()}, {@code re.sub(r'\s+', ' ', ...)}
 * and {@code str.lower()} with its Final_Sigma rule, all from tables generated from Python.
 */
final class PyText {
    private static final CodePointSet SPACE;
    private static final CodePointSet CASE_IGNORABLE;
    private static final CodePointSet CASED;
    private static final Map<String, String> LOWER;
    private static final int CAPITAL_SIGMA = 0x3A3;

    static {
        TextTables t = TextTables.get();
        SPACE = t.set("py.space");
        CASE_IGNORABLE = t.set("py.case_ignorable");
        CASED = t.set("py.cased");
        LOWER = t.map("py.lower");
    }

    private PyText() {}

    static boolean isSpace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
        }
        return SPACE.contains(cp);
    }

    /** {@code str.strip()}. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = s.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    /** CLIP's whitespace_clean: {@code re.sub(r'\s+', ' ', text).strip()}. */
    static String collapseWhitespace(String s) {
        StringBuilder sb = null;
        int n = s.length();
        int i = 0;
        while (i < n) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (isSpace(cp)) {
                int j = i + len;
                while (j < n) {
                    int c2 = s.codePointAt(j);
                    if (!isSpace(c2)) {
                        break;
                    }
                    j += Character.charCount(c2);
                }
                if (sb == null && (j - i != 1 || cp != ' ')) {
                    sb = new StringBuilder(n).append(s, 0, i);
                }
                if (sb != null) {
                    sb.append(' ');
                }
                i = j;
            } else {
                if (sb != null) {
                    sb.appendCodePoint(cp);
                }
                i += len;
            }
        }
        return strip(sb == null ? s : sb.toString());
    }

    /** {@code str.lower()}. */
    static String lower(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c >= 0x80 || (c >= 'A' && c <= 'Z')) {
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        while (i < n) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (cp < 0x80) {
                sb.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else if (cp == CAPITAL_SIGMA) {
                sb.append(finalSigma(s, i) ? '\u03C2' : '\u03C3');
            } else {
                String m = LOWER.get(s.substring(i, i + len));
                if (m != null) {
                    sb.append(m);
                } else {
                    sb.appendCodePoint(cp);
                }
            }
            i += len;
        }
        return sb.toString();
    }

    /** CPython's Final_Sigma test: cased, case-ignorables, SIGMA, not (case-ignorables, cased). */
    private static boolean finalSigma(String s, int i) {
        int j = i;
        int c = -1;
        while (j > 0) {
            c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!CASE_IGNORABLE.contains(c)) {
                break;
            }
            c = -1;
        }
        if (c < 0 || !CASED.contains(c)) {
            return false;
        }
        j = i + 1;
        while (j < s.length()) {
            c = s.codePointAt(j);
            if (!CASE_IGNORABLE.contains(c)) {
                return !CASED.contains(c);
            }
            j += Character.charCount(c);
        }
        return true;
    }
}
