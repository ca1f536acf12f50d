package io.clipkit.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CLIP's pre-tokenization, {@code re.findall} of
 * {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 * compiled by Python's {@code regex} module with IGNORECASE, as a hand-written scanner: the
 * alternatives are tried in order at each position and characters no alternative matches are
 * skipped. Character classes are the {@code regex} module's (generated tables), so results do not
 * depend on the JDK's Unicode version; IGNORECASE makes e.g. {@code 'ſ} (long s) a contraction.
 */
final class PreTokenizer {
    private static final CodePointSet LETTER;
    private static final CodePointSet NUMBER;
    private static final CodePointSet OTHER;
    /** For each ASCII character of the fixed alternatives: the code points equal to it ignoring case. */
    private static final int[][] FOLD = new int[128][];
    private static final String[] FIXED = {
        "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"
    };

    static {
        TextTables t = TextTables.get();
        LETTER = t.set("clip.letter");
        NUMBER = t.set("clip.number");
        OTHER = t.set("clip.other");
        for (Map.Entry<String, String> e : t.map("clip.fold").entrySet()) {
            FOLD[e.getKey().charAt(0)] = e.getValue().codePoints().toArray();
        }
        for (String f : FIXED) {
            for (char c : f.toCharArray()) {
                if (FOLD[c] == null) {
                    throw new IllegalStateException("no case-folding table for '" + c + "'");
                }
            }
        }
    }

    private PreTokenizer() {}

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        outer:
        while (i < n) {
            char c0 = s.charAt(i);
            if (c0 == '<' || c0 == '\'') {
                for (String f : FIXED) {
                    int end = matchFixed(s, i, f);
                    if (end > 0) {
                        out.add(s.substring(i, end));
                        i = end;
                        continue outer;
                    }
                }
            }
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (isLetter(cp)) {
                int j = i + len;
                while (j < n) {
                    int c = s.codePointAt(j);
                    if (!isLetter(c)) {
                        break;
                    }
                    j += Character.charCount(c);
                }
                out.add(s.substring(i, j));
                i = j;
            } else if (isNumber(cp)) {
                out.add(s.substring(i, i + len));
                i += len;
            } else if (isOther(cp)) {
                int j = i + len;
                while (j < n) {
                    int c = s.codePointAt(j);
                    if (!isOther(c)) {
                        break;
                    }
                    j += Character.charCount(c);
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                i += len;
            }
        }
        return out;
    }

    private static boolean isLetter(int cp) {
        if (cp < 0x80) {
            return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
        }
        return LETTER.contains(cp);
    }

    private static boolean isNumber(int cp) {
        if (cp < 0x80) {
            return cp >= '0' && cp <= '9';
        }
        return NUMBER.contains(cp);
    }

    private static boolean isOther(int cp) {
        return OTHER.contains(cp);
    }

    /** End of a case-insensitive match of {@code f} at {@code i}, or -1. */
    private static int matchFixed(String s, int i, String f) {
        int j = i;
        for (int k = 0; k < f.length(); k++) {
            if (j >= s.length()) {
                return -1;
            }
            int cp = s.codePointAt(j);
            boolean ok = false;
            for (int eq : FOLD[f.charAt(k)]) {
                if (eq == cp) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return -1;
            }
            j += Character.charCount(cp);
        }
        return j;
    }
}
