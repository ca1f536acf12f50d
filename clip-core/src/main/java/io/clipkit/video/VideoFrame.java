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

    /** The file a key names: the video of a frame key {@code <path>#t=<seconds>}, else the key itself. */
    public static String source(String key) {
        return display(key).equals(key) ? key : key.substring(0, key.lastIndexOf("#t="));
    }

    /**
     * A frame's key as results and the embedding index hold it ({@code <path>#t=<seconds>}) in the
     * form search hits print: {@code <path> @ hh:mm:ss.s}. Any other path is returned unchanged.
     *
     * <pre>{@code
     * VideoFrame.display("/photos/clip.mp4#t=72.000"); // "/photos/clip.mp4 @ 00:01:12.0"
     * }</pre>
     */
    public static String display(String key) {
        int at = key.lastIndexOf("#t=");
        if (at < 0) {
            return key;
        }
        try {
            double seconds = Double.parseDouble(key.substring(at + 3));
            if (!(seconds >= 0) || Double.isInfinite(seconds)) {
                return key;
            }
            return key.substring(0, at) + " @ " + timecode(Duration.ofMillis(Math.round(seconds * 1000)));
        } catch (NumberFormatException e) {
            return key; // a file name that merely contains "#t="
        }
    }

    /** {@code hh:mm:ss.s} of a duration. */
    public static String timecode(Duration d) {
        long ms = d.toMillis();
        return String.format(java.util.Locale.ROOT, "%02d:%02d:%02d.%d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                ms / 100 % 10);
    }
}
