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
        return VideoFrames.timecode(time);
    }
}
