package io.clipkit.video;

import java.time.Duration;

/**
 * How frames are sampled from a video: one every {@code every}, plus scene cuts (a mean colour
 * change between check points above {@code sceneThreshold}, 0..1; 1 turns it off), at most
 * {@code maxFrames}, within {@code timeout} of decoding.
 *
 * <pre>{@code
 * VideoOptions o = VideoOptions.builder().every(Duration.ofSeconds(1)).maxFrames(500).build();
 * }</pre>
 */
public record VideoOptions(Duration every, double sceneThreshold, int maxFrames, Duration timeout) {
    /** Validates every value, so no path around the builder's checks exists. */
    public VideoOptions {
        checkEvery(every);
        checkSceneThreshold(sceneThreshold);
        checkMaxFrames(maxFrames);
        checkTimeout(timeout);
    }

    private static Duration checkEvery(Duration every) {
        if (every == null || every.isNegative() || every.isZero() || every.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("sampling interval must be in (0, 1 h], got " + every);
        }
        return every;
    }

    private static double checkSceneThreshold(double sceneThreshold) {
        if (!(sceneThreshold > 0 && sceneThreshold <= 1)) {
            throw new IllegalArgumentException("scene threshold must be in (0, 1], got " + sceneThreshold);
        }
        return sceneThreshold;
    }

    private static int checkMaxFrames(int maxFrames) {
        if (maxFrames < 1 || maxFrames > 1_000_000) {
            throw new IllegalArgumentException("max frames must be in 1..1000000, got " + maxFrames);
        }
        return maxFrames;
    }

    private static Duration checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("decode timeout must be positive, got " + timeout);
        }
        return timeout;
    }

    /** Every 2 s, scene threshold 0.12, at most 1000 frames, 5 minutes. */
    public static VideoOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder: each setter checks its value at once. */
    public static final class Builder {
        private Duration every = Duration.ofSeconds(2);
        private double sceneThreshold = 0.12;
        private int maxFrames = 1000;
        private Duration timeout = Duration.ofMinutes(5);

        private Builder() {}

        /** The regular sampling interval (default 2 s). */
        public Builder every(Duration every) {
            this.every = checkEvery(every);
            return this;
        }

        /** Mean colour change (0..1) between check points that counts as a scene cut (default 0.12); 1 turns it off. */
        public Builder sceneThreshold(double threshold) {
            this.sceneThreshold = checkSceneThreshold(threshold);
            return this;
        }

        /** The most frames sampled from one video (default 1000): bounds a 10-hour file. */
        public Builder maxFrames(int maxFrames) {
            this.maxFrames = checkMaxFrames(maxFrames);
            return this;
        }

        /** How long one video may take to decode (default 5 min). */
        public Builder timeout(Duration timeout) {
            this.timeout = checkTimeout(timeout);
            return this;
        }

        public VideoOptions build() {
            return new VideoOptions(every, sceneThreshold, maxFrames, timeout);
        }
    }
}
