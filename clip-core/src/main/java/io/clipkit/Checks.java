package io.clipkit;

/** Validation shared by the public builders, so the same value gets the same message everywhere. */
final class Checks {
    private Checks() {}

    static int topK(int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + topK);
        }
        return topK;
    }

    static float minScore(float minScore) {
        if (!(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException("min-score must be in 0..1, got " + minScore);
        }
        return minScore;
    }

    static int batchSize(int batchSize) {
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("batch size must be in 1..4096, got " + batchSize);
        }
        return batchSize;
    }
}
