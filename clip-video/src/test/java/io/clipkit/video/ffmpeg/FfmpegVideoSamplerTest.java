package io.clipkit.video.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.testing.StillsModel;
import io.clipkit.testing.TestFiles;
import io.clipkit.video.VideoClassification;
import io.clipkit.video.VideoClassifier;
import io.clipkit.video.VideoFrame;
import io.clipkit.video.VideoOptions;
import io.clipkit.video.VideoSample;
import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Videos made by models/tools/video/make_video_fixtures.py from three still images (2 s each):
 * the sampled frames fall in the right segments, and each frame's embedding matches the reference
 * embedding of its still (PIL + torchvision + the plain-torch CLIP) on a fixture model.
 */
class FfmpegVideoSamplerTest {
    static ClipModel model;
    static final VideoSampler sampler = VideoSampler.find().orElseThrow();
    static JsonNode expected;

    @BeforeAll
    static void load() throws IOException {
        expected = new ObjectMapper().readTree(TestFiles.fixture("video/expected.json").toFile());
        model = ClipModel.builder().path(TestFiles.fixture("models/" + expected.get("model").asText())).load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static float[] expectedEmbedding(int still) {
        JsonNode row = expected.get("embeddings").get(still);
        float[] v = new float[row.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) row.get(i).asDouble();
        }
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"three_stills.mkv", "three_stills.mp4", "rotated.mp4"})
    void framesMatchTheReferenceEmbeddingOfTheirStill(String file) throws IOException {
        VideoOptions opts = VideoOptions.builder().every(Duration.ofMillis(500)).build();
        VideoSample s = sampler.sample(TestFiles.fixture("video/" + file), model.preprocessor(), opts);
        assertEquals(file.startsWith("rotated") ? 90 : 0, s.rotation(), "display rotation read from the stream");
        // 6 s at 4 fps sampled every 0.5 s: 12 regular frames at 0.0, 0.5, ... 5.5 s
        List<Double> times = new ArrayList<>();
        s.frames().forEach(f -> times.add(f.time().toNanos() / 1e9));
        assertEquals(12, s.frames().stream().filter(f -> !f.sceneChange()).count(), times.toString());
        float[][] emb = model.encodePreprocessed(s.frames().stream().map(VideoFrame::chw).toList(), true);
        double worst = 1;
        for (int i = 0; i < emb.length; i++) {
            int still = (int) Math.min(2, Math.floor(times.get(i) / 2.0));
            double c = io.clipkit.util.Vectors.cosine(emb[i], expectedEmbedding(still));
            worst = Math.min(worst, c);
            assertTrue(c >= 0.999, file + " frame at " + times.get(i) + " s: cosine " + c + " to still " + still);
        }
        System.out.printf("%s: %d frames, worst cosine to the reference still %.7f%n", file, emb.length, worst);
    }

    @Test
    void threeStillsGiveThreeSegmentsAtTheRightTimes() throws IOException {
        VideoOptions opts = VideoOptions.builder().every(Duration.ofMillis(500)).build();
        VideoSample s = sampler.sample(TestFiles.fixture("video/three_stills.mkv"), model.preprocessor(), opts);
        float[][] emb = model.encodePreprocessed(s.frames().stream().map(VideoFrame::chw).toList(), true);
        // Not closed: it would close the shared model (closed after all tests).
        ZeroShotClassifier c = ZeroShotClassifier.builder().model(StillsModel.wrap(model))
                .labels("still0", "still1", "still2").templates(List.of("{}")).build();
        VideoClassification r = new VideoClassifier(model, c, sampler, opts).rank(s, emb);
        assertEquals(3, r.segments().size(), r.segments().toString());
        for (int i = 0; i < 3; i++) {
            VideoClassification.Segment seg = r.segments().get(i);
            assertEquals(2.0 * i, seg.start().toNanos() / 1e9, 1e-6, "segment " + i + " start");
            assertEquals(2.0 * (i + 1), seg.end().toNanos() / 1e9, 0.26, "segment " + i + " end");
            assertEquals(4, seg.frames());
            assertEquals("still" + i, seg.labels().get(0).label());
        }
    }

    @Test
    void sceneCutsBetweenRegularSamplesAreTaken() throws IOException {
        // Sampling every 3 s would see 0 s and 3 s only; the cut at 2 s and at 4 s are caught by the
        // frame-difference test.
        VideoOptions opts = VideoOptions.builder().every(Duration.ofSeconds(3)).build();
        VideoSample s = sampler.sample(TestFiles.fixture("video/three_stills.mkv"), model.preprocessor(), opts);
        List<Double> cuts = s.frames().stream().filter(VideoFrame::sceneChange).map(f -> f.time().toNanos() / 1e9).toList();
        assertTrue(cuts.stream().anyMatch(t -> Math.abs(t - 2.0) < 0.76), "a frame taken at the cut near 2 s: " + cuts);
        assertTrue(cuts.stream().anyMatch(t -> Math.abs(t - 4.0) < 0.76), "a frame taken at the cut near 4 s: " + cuts);
    }

    @Test
    void frameLimitBoundsLongVideos() throws IOException {
        VideoOptions opts = VideoOptions.builder().every(Duration.ofMillis(250)).maxFrames(5).build();
        VideoSample s = sampler.sample(TestFiles.fixture("video/three_stills.mp4"), model.preprocessor(), opts);
        assertEquals(5, s.frames().size());
        assertTrue(s.note().contains("5 frames"), s.note());
    }

    @Test
    void hostileFilesGetSpecificReasons(@TempDir Path dir) throws IOException {
        VideoOptions opts = VideoOptions.builder().build();
        Path empty = Files.write(dir.resolve("empty.mp4"), new byte[0]);
        assertReason(opts, empty, "empty file");
        Path jpeg = Files.copy(TestFiles.fixture("video/still_0.png"), dir.resolve("photo.mp4"));
        assertReason(opts, jpeg, "not a video file");
        assertReason(opts, TestFiles.fixture("video/audio_only.m4a"), "audio only");
        byte[] whole = Files.readAllBytes(TestFiles.fixture("video/three_stills.mp4"));
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(whole, 600));
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> sampler.sample(cut, model.preprocessor(), opts));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    private static void assertReason(VideoOptions opts, Path file, String reason) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> sampler.sample(file, model.preprocessor(), opts));
        assertTrue(e.reason().contains(reason), e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void theFfmpegSamplerIsFoundAsAService() {
        assertTrue(sampler instanceof FfmpegVideoSampler, sampler.getClass().getName());
    }

    @Test
    void builderRefusesBadValues() {
        var b = VideoOptions.builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.every(Duration.ZERO)).getMessage().contains("PT0S"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.maxFrames(0)).getMessage().contains("0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.sceneThreshold(0)).getMessage().contains("scene"));
    }

    @Test
    void containerSniffing() {
        byte[] mp4 = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        byte[] heic = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'};
        byte[] mkv = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};
        assertTrue(VideoSampler.looksLikeVideo(mp4, mp4.length));
        assertTrue(!VideoSampler.looksLikeVideo(heic, heic.length), "HEIC stills are not videos");
        assertTrue(VideoSampler.looksLikeVideo(mkv, mkv.length));
    }
}
