package io.clipkit.search;

/** IEEE 754 binary16 conversions (Java 17 has no Float.float16ToFloat). */
final class Half {
    private Half() {}

    /**
     * Exact for every finite half: the exponent and mantissa bits moved into float position give
     * the value times 2^-112 (normal and subnormal alike), which one multiply corrects (sign included). Branch-free,
     * so the scoring loop stays tight. Infinity and NaN never occur in unit vectors.
     */
    static float toFloat(short h) {
        // The sign bit goes straight to the float's; the multiply keeps it.
        return Float.intBitsToFloat(((h & 0x8000) << 16) | ((h & 0x7fff) << 13)) * 0x1p112f;
    }

    /** Round to nearest even; values past the half range saturate (never happens for unit vectors). */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        float a = Math.abs(f);
        if (!(a < 65520f)) {
            return (short) (sign | 0x7bff); // saturate (and NaN) to the largest finite half
        }
        if (a < 0x1p-14f) {
            // subnormal: units of 2^-24, rounded to nearest even by the float multiply's rounding
            int m = Math.round(a * 0x1p24f);
            if (Math.abs(a * 0x1p24f - Math.floor(a * 0x1p24f) - 0.5f) == 0 && (m & 1) == 1) {
                m--;
            }
            return (short) (sign | m);
        }
        int ab = Float.floatToRawIntBits(a);
        int exp = ((ab >>> 23) & 0xff) - 127 + 15;
        int mant = ab & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the right result
        }
        return (short) (sign | half);
    }
}
