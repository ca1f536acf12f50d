package io.clipkit.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VectorsCosineTest {
    @Test
    void cosineIsScaleFreeAndSigned() {
        assertEquals(1.0, Vectors.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
        assertEquals(-1.0, Vectors.cosine(new float[] {1, 0}, new float[] {-3, 0}), 1e-12);
        assertEquals(0.0, Vectors.cosine(new float[] {1, 0}, new float[] {0, 5}), 1e-12);
        assertEquals(0.6, Vectors.cosine(new float[] {3, 4}, new float[] {1, 0}), 1e-12);
    }

    @Test
    void differentLengthsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vectors.cosine(new float[3], new float[4]));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("4"), e.getMessage());
    }
}
