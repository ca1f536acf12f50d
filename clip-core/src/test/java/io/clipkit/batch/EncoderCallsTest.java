package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.Tagger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several encoder calls at once ({@code clipkit.encoderCalls}) give the same records in the same order. */
class EncoderCallsTest {
    @TempDir Path tmp;

    @Test
    void concurrentBatchesKeepTheRecordsAndTheirOrder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        for (int i = 0; i < 11; i++) {
            Images.write(dir.resolve(String.format("img%02d.png", i)), 16 + i, 12 + 2 * i, i);
        }
        Files.writeString(dir.resolve("not-an-image.jpg"), "<html>"); // a record without pixels between batches
        String one = run(dir, "1");
        String three = run(dir, "3");
        assertEquals(one, three);
        assertEquals(12, one.lines().count(), one);
    }

    private String run(Path dir, String calls) throws IOException {
        FakeClipModel model = new FakeClipModel();
        Path out = tmp.resolve("o" + calls + ".jsonl");
        TagSettings s = new TagSettings(model, model.preprocessor, "size=4", List.of("a", "b", "c"), List.of("a photo of a {}."),
                2, 0f, false, List.of(), List.of(), out, Tagger.Xmp.NONE, 2, 2, false, null, Duration.ofSeconds(30));
        String before = System.getProperty("clipkit.encoderCalls");
        System.setProperty("clipkit.encoderCalls", calls);
        try {
            new TagEngine(s).run(List.of(dir), new Tagger.Listener() {});
        } finally {
            if (before == null) {
                System.clearProperty("clipkit.encoderCalls");
            } else {
                System.setProperty("clipkit.encoderCalls", before);
            }
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode r : TagEngineTest.records(out)) {
            b.append(r.get("path").asText()).append(' ').append(r.get("status").asText()).append(' ')
                    .append(r.get("labels")).append('\n');
        }
        return b.toString();
    }
}
