package io.clipkit.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfTest {
    /** binary16 by its definition: (-1)^s * 2^(e-15) * 1.m, or 2^-14 * 0.m for e = 0. */
    static float reference(int h) {
        int s = (h >> 15) & 1;
        int e = (h >> 10) & 0x1f;
        int m = h & 0x3ff;
        double v = e == 0 ? Math.scalb((double) m, -24) : Math.scalb(1 + m / 1024.0, e - 15);
        return (float) (s == 1 ? -v : v);
    }

    @Test
    void everyFiniteHalfConvertsExactlyAndRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            if (((h >> 10) & 0x1f) == 0x1f) {
                continue; // infinity and NaN never occur in unit vectors
            }
            float f = Half.toFloat((short) h);
            assertEquals(Float.floatToIntBits(reference(h)), Float.floatToIntBits(f), "half 0x" + Integer.toHexString(h));
            assertEquals((short) h, Half.fromFloat(f), "round trip 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void floatsRoundToTheNearestHalf() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 6));
            float back = Half.toFloat(Half.fromFloat(f));
            // the neighbours of the result are no closer
            short h = Half.fromFloat(f);
            float up = Half.toFloat((short) (h + 1));
            float down = Half.toFloat((short) (h - 1));
            double err = Math.abs((double) f - back);
            assertTrue(err <= Math.abs((double) f - up) && err <= Math.abs((double) f - down), f + " -> " + back);
        }
    }
}
