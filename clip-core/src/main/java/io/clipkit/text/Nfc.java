package io.clipkit.text;

import java.text.Normalizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NFC as Python's {@code unicodedata} computes it. The JDK's normalizer is exact for the characters
 * its (older) Unicode data knows; combining marks added since then are treated by it as starters.
 * Text containing such a mark is normalized here instead: the JDK's decomposition (no newer
 * character has a canonical decomposition), canonical reordering and composition with Python's
 * combining classes, pairs composed through the JDK.
 */
final class Nfc {
    private static final Map<Integer, Integer> CCC = TextTables.get().values("py.ccc");
    private static final Map<Long, Integer> PAIRS = new ConcurrentHashMap<>();

    private Nfc() {}

    static String normalize(String s) {
        String jdk = Normalizer.normalize(s, Normalizer.Form.NFC);
        return hasMarkUnknownToJdk(jdk) ? pythonNfc(s) : jdk;
    }

    private static int ccc(int cp) {
        return cp < 0x300 ? 0 : CCC.getOrDefault(cp, 0);
    }

    static boolean hasMarkUnknownToJdk(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp >= 0x300 && !Character.isDefined(cp) && ccc(cp) != 0) {
                return true;
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    static String pythonNfc(String s) {
        int[] cps = Normalizer.normalize(s, Normalizer.Form.NFD).codePoints().toArray();
        int n = cps.length;
        // canonical ordering: stable sort of each run of non-starters by combining class
        for (int i = 1; i < n; i++) {
            int c = cps[i];
            int cc = ccc(c);
            if (cc == 0) {
                continue;
            }
            int j = i - 1;
            while (j >= 0 && ccc(cps[j]) > cc) {
                cps[j + 1] = cps[j];
                j--;
            }
            cps[j + 1] = c;
        }
        // canonical composition
        int[] out = new int[n];
        int len = 0;
        int starter = -1;
        int lastCcc = -1;
        for (int i = 0; i < n; i++) {
            int c = cps[i];
            int cc = ccc(c);
            if (starter >= 0) {
                boolean blocked = len - 1 != starter && (lastCcc == 0 || lastCcc >= cc);
                if (!blocked) {
                    int p = compose(out[starter], c);
                    if (p >= 0) {
                        out[starter] = p;
                        continue;
                    }
                }
            }
            if (cc == 0) {
                starter = len;
            }
            lastCcc = cc;
            out[len++] = c;
        }
        return new String(out, 0, len);
    }

    /** The primary composite of a starter and a following character, or -1. */
    private static int compose(int a, int b) {
        long key = ((long) a << 32) | b;
        Integer p = PAIRS.get(key);
        if (p == null) {
            String pair = new StringBuilder().appendCodePoint(a).appendCodePoint(b).toString();
            String c = Normalizer.normalize(pair, Normalizer.Form.NFC);
            p = c.codePointCount(0, c.length()) == 1 ? c.codePointAt(0) : -1;
            PAIRS.put(key, p);
        }
        return p;
    }
}
