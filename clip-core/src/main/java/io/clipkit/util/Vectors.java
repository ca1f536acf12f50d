package io.clipkit.util;

/**
 * L2 norms and normalisation in one place. Sums are taken in {@code double} (then each value is
 * divided in double and rounded once): the encoders, the label embeddings and the test fakes all
 * go through here, so they agree to the bit.
 */
public final class Vectors {
    private Vectors() {}

    /** The L2 norm, summed in double. */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** The L2 norm, summed in double. */
    public static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** Divides {@code v} by its norm in place; an all-zero vector stays zero. */
    public static void normalizeInPlace(float[] v) {
        double norm = norm(v);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
    }

    /** A normalised copy of {@code v} (all zeros stay zeros). */
    public static float[] normalized(float[] v) {
        float[] out = v.clone();
        normalizeInPlace(out);
        return out;
    }

    /** A normalised float copy of a double vector; null when its norm is not positive. */
    public static float[] normalizedToFloat(double[] v) {
        double norm = norm(v);
        if (!(norm > 0)) {
            return null;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** Cosine similarity of two vectors of the same length, accumulated in double precision. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of different lengths: " + a.length + " and " + b.length);
        }
        double ab = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
        }
        return ab / (norm(a) * norm(b));
    }
}
