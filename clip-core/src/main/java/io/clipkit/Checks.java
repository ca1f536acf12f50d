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

    /** Thread counts: 1..256 (0 allowed where it means "the default"). */
    static int threads(int threads, boolean zeroIsDefault) {
        if (threads < (zeroIsDefault ? 0 : 1) || threads > 256) {
            throw new IllegalArgumentException("threads must be in " + (zeroIsDefault ? 0 : 1) + "..256, got " + threads);
        }
        return threads;
    }

    /** A DJL device name. */
    static String device(String device) {
        if (device == null || !device.matches("cpu|gpu(:\\d+)?")) {
            throw new IllegalArgumentException("bad device '" + device + "': use cpu, gpu or gpu:N");
        }
        return device;
    }
}
