package io.clipkit.video;

import io.clipkit.LabelScore;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a video shows: its overall labels and a timeline of segments.
 *
 * @param sample the frames and what the container said
 * @param labels overall labels, best first: the labels of the mean of the frame embeddings
 * @param segments runs of consecutive frames with the same best label, in time order
 */
public record VideoClassification(VideoSample sample, List<LabelScore> labels, List<Segment> segments) {
    public VideoClassification {
        Objects.requireNonNull(sample, "sample");
        labels = List.copyOf(labels);
        segments = List.copyOf(segments);
    }

    /**
     * A stretch of the video.
     *
     * @param start time of its first sampled frame
     * @param end time of the next segment's first frame, or the end of the video
     * @param frames how many sampled frames it holds
     * @param labels labels of the mean of its frame embeddings, best first
     */
    public record Segment(Duration start, Duration end, int frames, List<LabelScore> labels) {
        public Segment {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            labels = List.copyOf(labels);
        }
    }
}
