package io.clipkit.video;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How frame times print, in timelines and search hits. */
class VideoFrameTest {
    @Test
    void frameKeysPrintAsPathAtTimecode() {
        assertEquals("/photos/clip.mp4 @ 00:01:12.0", VideoFrame.display("/photos/clip.mp4#t=72.000"));
        assertEquals("clip.mp4 @ 01:00:00.5", VideoFrame.display("clip.mp4#t=3600.500"));
        assertEquals("/photos/cat.jpg", VideoFrame.display("/photos/cat.jpg"));
        assertEquals("odd#t=name.jpg", VideoFrame.display("odd#t=name.jpg"), "not a time: left as it is");
        assertEquals("neg#t=-1", VideoFrame.display("neg#t=-1"));
    }

    @Test
    void timecodeIsHoursMinutesSecondsTenths() {
        assertEquals("00:00:02.0", VideoFrame.timecode(Duration.ofSeconds(2)));
        assertEquals("10:02:03.4", VideoFrame.timecode(Duration.ofMillis(36_123_456)));
    }

    @org.junit.jupiter.api.Test
    void sourceNamesTheVideoOfAFrameKey() {
        org.junit.jupiter.api.Assertions.assertEquals("/p/clip.mp4", VideoFrame.source("/p/clip.mp4#t=72.000"));
        org.junit.jupiter.api.Assertions.assertEquals("/p/a#t=x.jpg", VideoFrame.source("/p/a#t=x.jpg"), "not a frame key");
        org.junit.jupiter.api.Assertions.assertEquals("/p/photo.jpg", VideoFrame.source("/p/photo.jpg"));
    }
}
