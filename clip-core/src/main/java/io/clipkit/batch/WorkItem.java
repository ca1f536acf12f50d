package io.clipkit.batch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One unit of work through the stages: a source file and, for a frame of a video, its time in
 * the source. Its {@link #key()} identifies its record in a results file: for a plain image the
 * path as discovered (the key wave-1 files already use, so they still resume), for a frame the
 * path and a media-fragment time ({@code clip.mp4#t=12.500}).
 *
 * @param path the source file, as discovered
 * @param frameTime the frame's time in the source, empty for a still image
 */
public record WorkItem(Path path, Optional<Duration> frameTime) {
    public WorkItem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(frameTime, "frameTime");
    }

    /** A still image. */
    public static WorkItem file(Path path) {
        return new WorkItem(path, Optional.empty());
    }

    /** The record key: the path, plus {@code #t=<seconds>} for a frame. */
    public String key() {
        return frameTime.map(t -> path + String.format(Locale.ROOT, "#t=%.3f", t.toMillis() / 1000.0))
                .orElseGet(path::toString);
    }
}
