package io.clipkit.model;

/** Cosine and max-abs/norm between an embedding and its reference; the hard limits. */
record Fidelity(double cosine, double maxAbsOverNorm) {
    static final double MIN_COSINE = 0.99999;
    static final double MAX_ABS_OVER_NORM = 1e-4;

    static Fidelity of(float[] got, float[] want) {
        if (got.length != want.length) {
            throw new AssertionError("length " + got.length + " != reference " + want.length);
        }
        double dot = 0;
        double ng = 0;
        double nw = 0;
        double maxAbs = 0;
        for (int i = 0; i < got.length; i++) {
            dot += (double) got[i] * want[i];
            ng += (double) got[i] * got[i];
            nw += (double) want[i] * want[i];
            maxAbs = Math.max(maxAbs, Math.abs((double) got[i] - want[i]));
        }
        return new Fidelity(dot / Math.sqrt(ng * nw), maxAbs / Math.sqrt(nw));
    }

    /** The worse of two. */
    Fidelity worst(Fidelity o) {
        return new Fidelity(Math.min(cosine, o.cosine), Math.max(maxAbsOverNorm, o.maxAbsOverNorm));
    }

    boolean withinLimits() {
        return cosine >= MIN_COSINE && maxAbsOverNorm <= MAX_ABS_OVER_NORM;
    }

    static Fidelity perfect() {
        return new Fidelity(1, 0);
    }

    @Override
    public String toString() {
        return String.format("cos %.8f, maxabs/norm %.2e", cosine, maxAbsOverNorm);
    }
}
