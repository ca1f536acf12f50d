package io.clipkit.text;

import java.util.Arrays;

/** An immutable set of code points: a bitmap for the BMP and sorted ranges above it. */
final class CodePointSet {
    private final long[] bmp = new long[1024];
    private final int[] starts;
    private final int[] ends;

    /** Ranges (inclusive, any order, may overlap). */
    CodePointSet(int[] rangeStarts, int[] rangeEnds) {
        int n = rangeStarts.length;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            packed[i] = ((long) rangeStarts[i] << 32) | rangeEnds[i];
        }
        Arrays.sort(packed);
        int[] s = new int[n];
        int[] e = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int a = (int) (packed[i] >>> 32);
            int b = (int) packed[i];
            for (int c = a; c <= Math.min(b, 0xFFFF); c++) {
                bmp[c >>> 6] |= 1L << c;
            }
            if (b > 0xFFFF) {
                int lo = Math.max(a, 0x10000);
                if (k > 0 && lo <= e[k - 1] + 1) {
                    e[k - 1] = Math.max(e[k - 1], b); // merge overlapping or adjacent ranges
                } else {
                    s[k] = lo;
                    e[k] = b;
                    k++;
                }
            }
        }
        starts = Arrays.copyOf(s, k);
        ends = Arrays.copyOf(e, k);
    }

    /** Parses "41,61-7A" (hexadecimal code points and ranges). */
    static CodePointSet parse(String spec) {
        String[] parts = spec.split(",");
        int[] s = new int[parts.length];
        int[] e = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            int dash = parts[i].indexOf('-');
            s[i] = Integer.parseInt(dash < 0 ? parts[i] : parts[i].substring(0, dash), 16);
            e[i] = dash < 0 ? s[i] : Integer.parseInt(parts[i].substring(dash + 1), 16);
        }
        return new CodePointSet(s, e);
    }

    boolean contains(int cp) {
        if (cp <= 0xFFFF) {
            return cp >= 0 && (bmp[cp >>> 6] & (1L << cp)) != 0;
        }
        int i = Arrays.binarySearch(starts, cp);
        if (i >= 0) {
            return true;
        }
        i = -i - 2;
        return i >= 0 && cp <= ends[i];
    }
}
