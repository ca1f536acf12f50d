package io.clipkit.text;

import java.util.Arrays;

/** An immutable set of code points: a bitmap for the BMP and sorted ranges above it. */
final class CodePointSet {
    private final long[] bmp = new long[1024];
    private final int[] starts;
    private final int[] ends;

    CodePointSet(int[] rangeStarts, int[] rangeEnds) {
        int n = rangeStarts.length;
        int[] s = new int[n];
        int[] e = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int a = rangeStarts[i];
            int b = rangeEnds[i];
            for (int c = a; c <= Math.min(b, 0xFFFF); c++) {
                bmp[c >>> 6] |= 1L << c;
            }
            if (b > 0xFFFF) {
                s[k] = Math.max(a, 0x10000);
                e[k] = b;
                k++;
            }
        }
        starts = Arrays.copyOf(s, k);
        ends = Arrays.copyOf(e, k);
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
