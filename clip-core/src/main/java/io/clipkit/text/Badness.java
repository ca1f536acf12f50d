package io.clipkit.text;

import java.util.List;

/**
 * ftfy's mojibake heuristic ({@code badness.is_bad}): whether BADNESS_RE matches anywhere. The
 * regex is a list of short sequences of character classes; it is matched here directly, with
 * bitmap classes, because java.util.regex evaluates such large classes member by member. The
 * alternatives are generated from ftfy's regex (and checked against it) by make_text_tables.py.
 */
final class Badness {
    private record Atom(CodePointSet set, boolean negated, boolean optional) {
        boolean matches(int cp) {
            return set.contains(cp) != negated;
        }
    }

    /** Each alternative: atoms, with a null atom for the start anchor {@code ^}. */
    private static final Atom[][] ALTERNATIVES;
    /**
     * Union of the atoms every match needs: each alternative has a required atom of non-ASCII
     * characters only, so text with none of these cannot match.
     */
    private static final CodePointSet REQUIRED;

    static {
        List<String> lines = TextTables.get().badness();
        ALTERNATIVES = new Atom[lines.size()][];
        StringBuilder required = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String[] parts = lines.get(i).split(" ");
            Atom[] atoms = new Atom[parts.length];
            boolean hasRequired = false;
            for (int k = 0; k < parts.length; k++) {
                String p = parts[k];
                if (p.equals("^")) {
                    continue; // null = anchor
                }
                boolean optional = p.startsWith("?");
                if (optional) {
                    p = p.substring(1);
                }
                boolean negated = p.startsWith("!");
                if (negated) {
                    p = p.substring(1);
                }
                atoms[k] = new Atom(CodePointSet.parse(p), negated, optional);
                if (!optional && !negated
                        && minCodePoint(p) >= 0x80) {
                    required.append(required.length() > 0 ? "," : "").append(p);
                    hasRequired = true;
                }
            }
            if (!hasRequired) {
                throw new IllegalStateException("badness alternative " + (i + 1) + " has no required non-ASCII atom");
            }
            ALTERNATIVES[i] = atoms;
        }
        REQUIRED = CodePointSet.parse(required.toString());
    }

    private static int minCodePoint(String spec) {
        int min = Integer.MAX_VALUE;
        for (String part : spec.split(",")) {
            int dash = part.indexOf('-');
            min = Math.min(min, Integer.parseInt(dash < 0 ? part : part.substring(0, dash), 16));
        }
        return min;
    }

    private Badness() {}

    static boolean isBad(String text) {
        int[] cps = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && REQUIRED.contains(c)) {
                cps = text.codePoints().toArray();
                break;
            }
        }
        if (cps == null) {
            return false;
        }
        for (int i = 0; i <= cps.length; i++) {
            for (Atom[] alt : ALTERNATIVES) {
                if (match(alt, 0, cps, i)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean match(Atom[] atoms, int k, int[] cps, int i) {
        if (k == atoms.length) {
            return true;
        }
        Atom a = atoms[k];
        if (a == null) {
            return i == 0 && match(atoms, k + 1, cps, i);
        }
        if (i < cps.length && a.matches(cps[i]) && match(atoms, k + 1, cps, i + 1)) {
            return true;
        }
        return a.optional && match(atoms, k + 1, cps, i);
    }
}
