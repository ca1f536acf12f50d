package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.TagListener;
import io.clipkit.Tagger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several encoder calls at once ({@code Tagger.Builder.encoderCalls}) give the same records in the same order. */
class EncoderCallsTest {
    @TempDir Path tmp;

    @Test
    void concurrentBatchesKeepTheRecordsAndTheirOrder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("in"));
        for (int i = 0; i < 11; i++) {
            Images.write(dir.resolve(String.format("img%02d.png", i)), 16 + i, 12 + 2 * i, i);
        }
        Files.writeString(dir.resolve("not-an-image.jpg"), "<html>"); // a record without pixels between batches
        String one = run(dir, "1", 2);
        String three = run(dir, "3", 2);
        assertEquals(one, three);
        assertEquals(12, one.lines().count(), one);
        // batches of up to 8 (1, 2, 4, then the rest): the last is split in two, the same way for any number of calls
        assertEquals(run(dir, "1", 8), run(dir, "3", 8));
    }

    private String run(Path dir, String calls, int batch) throws IOException {
        FakeClipModel model = new FakeClipModel();
        Path out = tmp.resolve("o" + calls + "-" + batch + ".jsonl");
        io.clipkit.Tagger.builder(model).preprocessor(model.preprocessor).labels(List.of("a", "b", "c"))
                .templates(List.of("a photo of a {}.")).topK(2).output(out).batchSize(batch).threads(2)
                .encoderCalls(Integer.parseInt(calls)).build().run(List.of(dir), new TagListener() {});
        StringBuilder b = new StringBuilder();
        for (JsonNode r : TagEngineTest.records(out)) {
            b.append(r.get("path").asText()).append(' ').append(r.get("status").asText()).append(' ')
                    .append(r.get("labels")).append('\n');
        }
        return b.toString();
    }
}
