package io.clipkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.DType;
import io.clipkit.PromptTemplates;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job given no templates classifies with the model's own, as clip tag does; given ones win. */
class ExecutorModelsTest {
    @TempDir Path tmp;

    @Test
    void noTemplatesMeansTheModelsOwn() throws IOException {
        // a tiny open_clip folder whose config states its templates
        Path dir = Files.createDirectories(tmp.resolve("tiny-openclip"));
        try (Stream<Path> s = Files.list(TestFiles.fixture("hub/openclip-safetensors-squash"))) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(dir.resolve("open_clip_config.json").toFile());
        c.putObject("clipkit").putArray("templates").add("{}").add("a drawing of a {}.");
        json.writeValue(dir.resolve("open_clip_config.json").toFile(), c);

        ModelSource source = new ModelSource(dir.toString(), "cpu", DType.FP32, 1, 4, tmp.resolve("cache").toString(), false);
        assertEquals(List.of("{}", "a drawing of a {}."),
                ExecutorModels.classifier(source, List.of("cat", "dog"), List.of(), 5, 0f).templates());
        assertEquals(List.of(PromptTemplates.DEFAULT),
                ExecutorModels.classifier(source, List.of("cat", "dog"), PromptTemplates.defaults(), 5, 0f).templates());
    }
}
