package io.clipkit.cli;

import io.clipkit.video.VideoOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How videos are sampled, the same on {@code classify} and {@code tag}: {@code --every} and
 * {@code --max-frames}. Use as {@code @Mixin VideoOptionsMixin video;} and take
 * {@link #options(Duration)}.
 */
public final class VideoOptionsMixin {
    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "2",
            description = "Videos: sample a frame every SECONDS (plus scene cuts). Default: ${DEFAULT-VALUE}.")
    double everySeconds;

    @Option(names = "--scene-threshold", paramLabel = "T", defaultValue = "0.12",
            description = "Videos: a mean colour change (0..1) between check points that counts as a scene cut and "
                    + "takes a frame too; 1 turns scene cuts off. Default: ${DEFAULT-VALUE}.")
    double sceneThreshold;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "300",
            description = "Videos: sample at most N frames of one video (bounds very long files). Default: ${DEFAULT-VALUE}.")
    int maxFrames;

    /** Checks the values: a usage error (one line, exit 2) names the option. */
    public void check() {
        if (!(everySeconds >= 0.001 && everySeconds <= 3600)) {
            throw new IllegalArgumentException("--every must be in 0.001..3600 seconds, got " + everySeconds);
        }
        if (maxFrames < 1 || maxFrames > 1_000_000) {
            throw new IllegalArgumentException("--max-frames must be in 1..1000000, got " + maxFrames);
        }
        if (!(sceneThreshold > 0 && sceneThreshold <= 1)) {
            throw new IllegalArgumentException("--scene-threshold must be in (0, 1], got " + sceneThreshold);
        }
    }

    /** The sampling options, decoding one video for at most {@code timeout}. */
    public VideoOptions options(Duration timeout) {
        check();
        return VideoOptions.builder().every(Duration.ofNanos(Math.round(everySeconds * 1e9))).maxFrames(maxFrames)
                .sceneThreshold(sceneThreshold).timeout(timeout).build();
    }
}
