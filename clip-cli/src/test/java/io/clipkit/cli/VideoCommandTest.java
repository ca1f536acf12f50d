package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.testing.StillsModel;
import io.clipkit.testing.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Videos through {@code clip classify} and {@code clip tag}: the fixture video of three stills
 * (2 s each, models/tools/video/make_video_fixtures.py) gives three segments at 0, 2 and 4 s
 * labelled still0..2 (see {@link StillsModel}); hostile files get one reason each.
 */
class VideoCommandTest {
    @TempDir Path dir;
    final List<StillsModel> models = new ArrayList<>();

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(b -> b.loader((path, options) -> {
            StillsModel m = StillsModel.load();
            models.add(m);
            return m;
        }));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--model", TestFiles.fixture("models/vit-p32-r64/model.pt").toString(), "--labels",
                "still0,still1,still2", "--template", "{}"));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static Path video(String name) {
        return TestFiles.fixture("video/" + name);
    }

    static void assertThreeSegments(JsonNode segments, String context) {
        assertEquals(3, segments.size(), context);
        for (int i = 0; i < 3; i++) {
            JsonNode s = segments.get(i);
            assertEquals(2.0 * i, s.get("start").asDouble(), 0.26, "segment " + i + " start: " + context);
            assertEquals(2.0 * (i + 1), s.get("end").asDouble(), 0.26, "segment " + i + " end: " + context);
            assertEquals("still" + i, s.get("labels").get(0).get("label").asText(), context);
            assertTrue(s.get("frames").asInt() >= 1, context);
        }
    }

    @Test
    void classifyJsonGivesOverallLabelsAndThreeSegments() throws Exception {
        Run r = run("classify", video("three_stills.mkv").toString(), "--json", "--every", "0.5");
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out.strip());
        assertEquals(video("three_stills.mkv").toString(), j.get("image").asText());
        assertEquals("ok", j.get("status").asText());
        assertEquals(3, j.get("labels").size());
        assertTrue(j.has("checkpoint_sha256"), "the same provenance fields as an image record");
        assertThreeSegments(j.get("segments"), r.out);
    }

    @Test
    void classifyTablePrintsATimeline() {
        Run r = run("classify", video("three_stills.mp4").toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("timeline"), r.out);
        assertTrue(r.out.contains("00:00:00.0-00:00:02.0  still0 "), r.out);
        assertTrue(r.out.contains("00:00:04.0-00:00:06.0  still2 "), r.out);
    }

    @Test
    void hostileVideosGetTheirReasonAndTheOthersAreClassified() throws Exception {
        Path empty = Files.write(dir.resolve("empty.mp4"), new byte[0]);
        byte[] whole = Files.readAllBytes(video("three_stills.mp4"));
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(whole, 600));
        Path still = Files.copy(video("still_1.png"), dir.resolve("photo.mp4")); // content wins: an image
        Run r = run("classify", empty.toString(), cut.toString(), video("audio_only.m4a").toString(), still.toString(),
                video("three_stills.mkv").toString(), "--json");
        assertEquals(1, r.code, r.err);
        assertTrue(r.err.contains(empty + ": empty file"), r.err);
        assertTrue(r.err.contains(cut + ": "), r.err);
        assertTrue(r.err.contains("audio only"), r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals(2, lines.length, r.out);
        ObjectMapper om = new ObjectMapper();
        JsonNode photo = om.readTree(lines[0]);
        assertEquals(still.toString(), photo.get("image").asText());
        assertEquals("still1", photo.get("labels").get(0).get("label").asText());
        assertTrue(!photo.has("segments"));
        assertEquals(3, om.readTree(lines[1]).get("segments").size());
    }

    @Test
    void badSamplingOptionsAreUsageErrors() {
        Run r = run("classify", video("three_stills.mkv").toString(), "--every", "0");
        assertEquals(2, r.code, r.err);
        assertTrue(r.err.contains("--every"), r.err);
    }

    List<JsonNode> records(Path out) throws Exception {
        List<JsonNode> rs = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        for (String line : Files.readAllLines(out)) {
            rs.add(om.readTree(line));
        }
        return rs;
    }

    @Test
    void tagAFolderWithVideosGivesOneRecordPerVideoWithSegments() throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(video("three_stills.mkv"), photos.resolve("clip.mkv"));
        Files.write(photos.resolve("empty.mp4"), new byte[0]);
        byte[] whole = Files.readAllBytes(video("three_stills.mp4"));
        Files.write(photos.resolve("cut.mp4"), Arrays.copyOf(whole, 600));
        Files.copy(video("audio_only.m4a"), photos.resolve("song.mp4"));
        Files.copy(video("still_2.png"), photos.resolve("renamed.mp4"));
        Path out = dir.resolve("tags.jsonl");
        Run r = run("tag", photos.toString(), "-o", out.toString(), "--no-index", "--every", "0.5", "--xmp", "sidecar");
        assertEquals(ClipCommand.EXIT_PARTIAL, r.code, r.out + r.err);
        java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
        for (JsonNode j : records(out)) {
            byName.put(Path.of(j.get("path").asText()).getFileName().toString(), j);
        }
        assertEquals(5, byName.size(), byName.toString());
        JsonNode clip = byName.get("clip.mkv");
        assertEquals("ok", clip.get("status").asText(), clip.toString());
        assertThreeSegments(clip.get("segments"), clip.toString());
        assertTrue(Files.readString(photos.resolve("clip.mkv.xmp")).contains("still"), "overall keywords in the sidecar");
        assertEquals("error", byName.get("empty.mp4").get("status").asText());
        assertTrue(byName.get("empty.mp4").get("error").asText().contains("empty file"));
        assertEquals("error", byName.get("cut.mp4").get("status").asText(), byName.get("cut.mp4").toString());
        assertTrue(byName.get("song.mp4").get("error").asText().contains("audio only"), byName.get("song.mp4").toString());
        JsonNode renamed = byName.get("renamed.mp4");
        assertEquals("ok", renamed.get("status").asText(), renamed.toString());
        assertEquals("still2", renamed.get("labels").get(0).get("label").asText());
        assertTrue(renamed.get("note").asText().contains("PNG image"), renamed.toString());
        assertTrue(!renamed.has("segments"));
    }

    @Test
    void tagCsvHoldsTheSegmentsAsAJsonCell() throws Exception {
        Path out = dir.resolve("tags.csv");
        Run r = run("tag", video("three_stills.mp4").toString(), "-o", out.toString(), "--no-index", "--every", "0.5");
        assertEquals(0, r.code, r.out + r.err);
        try (var parser = org.apache.commons.csv.CSVFormat.RFC4180.builder().setHeader().build()
                .parse(Files.newBufferedReader(out))) {
            var rows = parser.getRecords();
            assertEquals(1, rows.size());
            assertThreeSegments(new ObjectMapper().readTree(rows.get(0).get("segments")), rows.get(0).toString());
        }
    }

    @Test
    void reTaggingWithNewLabelsDecodesNothing() throws Exception {
        Path index = dir.resolve("index.sqlite");
        Path out = dir.resolve("tags.jsonl");
        Path clip = Files.copy(video("three_stills.mkv"), dir.resolve("clip.mkv"));
        Run first = run("tag", clip.toString(), "-o", out.toString(), "--index", index.toString(), "--every", "0.5");
        assertEquals(0, first.code, first.out + first.err);
        assertTrue(models.get(0).encoded.get() >= 12, "frames encoded on the first run: " + models.get(0).encoded);
        // Other settings (top 2): the record is redone, from the indexed frames.
        Run second = run("tag", clip.toString(), "-o", out.toString(), "--index", index.toString(), "--every", "0.5",
                "-k", "2");
        assertEquals(0, second.code, second.out + second.err);
        assertEquals(0, models.get(1).encoded.get(), "no frame sampled or encoded again: " + second.err);
        assertTrue(second.err.contains("0 images encoded, 1 from the index"), second.err);
        List<JsonNode> rs = records(out);
        JsonNode last = rs.get(rs.size() - 1);
        assertEquals(2, last.get("labels").size(), last.toString());
        assertThreeSegments(last.get("segments"), last.toString());
    }
}
