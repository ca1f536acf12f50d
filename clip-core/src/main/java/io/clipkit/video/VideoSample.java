package io.clipkit.video;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The frames sampled from one video, with what the container said about it.
 *
 * @param file the video file
 * @param frames the sampled frames, in time order
 * @param duration the container's duration (zero if it does not say)
 * @param width coded width in pixels (before rotation)
 * @param height coded height in pixels (before rotation)
 * @param rotation clockwise rotation applied to every frame (0, 90, 180 or 270), from the stream's
 *     display matrix (phone videos)
 * @param codec the video codec's name
 * @param note what the user should know that is not an error (e.g. "stopped after 1000 frames"),
 *     or empty
 */
public record VideoSample(Path file, List<VideoFrame> frames, Duration duration, int width, int height, int rotation,
                          String codec, String note) {
    public VideoSample {
        Objects.requireNonNull(file, "file");
        frames = List.copyOf(frames);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(note, "note");
    }
}
