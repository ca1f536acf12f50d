package io.clipkit.model.checkpoint;

/** IEEE 754 binary16 to float32 conversion (Java 17 has no Float.float16ToFloat). */
final class Half {
    private static volatile float[] table;

    private Half() {}

    /** All 65536 half values as floats: 256 KiB, built once, makes conversion a lookup. */
    static float[] table() {
        float[] t = table;
        if (t == null) {
            t = new float[65536];
            for (int h = 0; h < 65536; h++) {
                t[h] = toFloat((short) h);
            }
            table = t;
        }
        return t;
    }

    static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value = mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
