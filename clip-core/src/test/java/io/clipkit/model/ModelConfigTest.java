package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Shape inference on OpenAI's real layouts (../shared/clip/*.state_dict.tsv); the expected values
 * are the released models' configurations, which the reference's infer_config recovers from the
 * same shapes (models/tools/clip_ref/check_layout.py).
 */
class ModelConfigTest {
    @Test
    void inferViTB32FromItsLayout() throws IOException {
        ModelConfig c = ModelConfig.infer(shapes("ViT-B-32.state_dict.tsv"));
        assertEquals(new ModelConfig(true, 512, 224, 768, 12, List.of(), 32, 12, 77, 49408, 512, 8, 12), c);
    }

    @Test
    void inferRN50FromItsLayout() throws IOException {
        ModelConfig c = ModelConfig.infer(shapes("RN50.state_dict.tsv"));
        assertEquals(new ModelConfig(false, 1024, 224, 64, 16, List.of(3, 4, 6, 3), 0, 32, 77, 49408, 512, 8, 12), c);
    }

    static Map<String, long[]> shapes(String tsv) throws IOException {
        Map<String, long[]> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(TestFiles.shared(tsv));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            long[] s = f[1].equals("scalar") ? new long[0]
                    : java.util.Arrays.stream(f[1].split("x")).mapToLong(Long::parseLong).toArray();
            m.put(f[0], s);
        }
        return m;
    }
}
