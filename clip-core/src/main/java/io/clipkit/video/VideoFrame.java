package io.clipkit.video;

import java.time.Duration;
import java.util.Objects;

/**
 * One sampled frame of a video, already preprocessed for the model.
 *
 * @param time presentation time of the frame from the start of the video
 * @param sceneChange whether it was taken because the picture changed (else: the regular interval)
 * @param chw the model's input, {@code 3 x size x size} normalized values (CHW)
 */
public record VideoFrame(Duration time, boolean sceneChange, float[] chw) {
    public VideoFrame {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(chw, "chw");
    }

    /** {@code hh:mm:ss.s}, the form results and search hits print. */
    public String timecode() {
        return timecode(time);
    }

    /** {@code hh:mm:ss.s} of a duration. */
    public static String timecode(Duration d) {
        long ms = d.toMillis();
        return String.format(java.util.Locale.ROOT, "%02d:%02d:%02d.%d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                ms / 100 % 10);
    }
}
