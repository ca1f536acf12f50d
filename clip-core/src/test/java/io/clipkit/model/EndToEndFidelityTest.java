package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * From image files and prompt texts to embeddings, against the Python reference pipeline
 * (models/tools/clip_ref/make_e2e_fixtures.py): image pipeline + encoder, tokenizer + encoder.
 * Hard limit: cosine >= 0.99999.
 */
class EndToEndFidelityTest {
    static JsonNode manifest() throws Exception {
        return new ObjectMapper().readTree(TestFiles.fixture("models/e2e/e2e.json").toFile());
    }

    static Stream<String> imageModels() throws Exception {
        List<String> out = new ArrayList<>();
        manifest().get("image_models").forEach(n -> out.add(n.asText()));
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void imageFilesMatchTheReference(String model) throws Exception {
        JsonNode m = manifest();
        List<Path> files = new ArrayList<>();
        m.get("images").forEach(n -> files.add(TestFiles.fixture("images/src/" + n.asText())));
        float[][] want = ModelFixtures.rows(Npy.read(TestFiles.fixture("models/e2e/" + model.split("/")[0] + ".images.npy")));
        try (ClipModel clip = io.clipkit.model.ModelLoader.load(TestFiles.fixture("models/" + model),
                ModelOptions.builder().batchSize(4).build())) {
            float[][] got = clip.encodeImages(files);
            Fidelity worst = Fidelity.perfect();
            for (int i = 0; i < got.length; i++) {
                DjlClipModel.normalizeInPlace(want[i]);
                Fidelity f = Fidelity.of(got[i], want[i]);
                worst = worst.worst(f);
                assertTrue(f.cosine() >= Fidelity.MIN_COSINE, files.get(i) + ": " + f);
            }
            System.out.println("end to end from image files, " + model + ": " + worst);
            // in-memory images give what their files give once decoded (a PNG: no EXIF, no JPEG decoder choice)
            Path png = TestFiles.fixture("images/src/png_rgb.png");
            float[] fromFile = clip.encodeImages(List.of(png))[0];
            float[] fromMemory = clip.encodeBufferedImages(List.of(javax.imageio.ImageIO.read(png.toFile())))[0];
            assertTrue(Fidelity.of(fromMemory, fromFile).cosine() >= 0.999999, "BufferedImage vs file");
        }
    }

    @Test
    void promptTextsMatchTheReference() throws Exception {
        JsonNode m = manifest();
        Checkpoint ck = Checkpoint.read(TestFiles.fixture("models/" + m.get("text_model").asText()));
        Map<String, TensorData> t = new LinkedHashMap<>(ck.tensors());
        int width = (int) t.get("token_embedding.weight").shape()[1];
        t.put("token_embedding.weight", formulaTable(49408, width));
        Checkpoint full = new Checkpoint(ck.format(), t, ck.scalars(), ck.sha256());
        ModelOptions opts = ModelOptions.builder().vocabulary(TestFiles.vocabulary()).build();
        List<String> prompts = new ArrayList<>();
        m.get("prompts").forEach(n -> prompts.add(n.asText()));
        float[][] want = ModelFixtures.rows(Npy.read(TestFiles.fixture("models/e2e/text.npy")));
        try (ClipModel clip = ModelLoader.build(full, null, "full-vocab", opts)) {
            List<String> fitting = prompts.subList(0, prompts.size() - 1);
            float[][] got = clip.encodeTexts(fitting);
            Fidelity worst = Fidelity.perfect();
            for (int i = 0; i < got.length; i++) {
                DjlClipModel.normalizeInPlace(want[i]);
                Fidelity f = Fidelity.of(got[i], want[i]);
                worst = worst.worst(f);
                assertTrue(f.withinLimits(), prompts.get(i) + ": " + f);
            }
            System.out.println("end to end from prompt texts: " + worst);
            // too long for the context: an error naming the length, not a silent truncation
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> clip.encodeTexts(List.of(prompts.get(prompts.size() - 1))));
            assertTrue(e.getMessage().contains("77"), e.getMessage());
            // the truncated ids (as clip.tokenize(truncate=True)) still match through encodeTokens
            Npy.Array ids = Npy.read(TestFiles.fixture("models/e2e/text.tokens.npy"));
            int ctx = ids.shape()[1];
            int[] last = new int[ctx];
            for (int j = 0; j < ctx; j++) {
                last[j] = Math.round(ids.data()[(prompts.size() - 1) * ctx + j]);
            }
            float[] lastGot = clip.encodeTokens(new int[][] {last}, true)[0];
            float[] lastWant = want[prompts.size() - 1];
            DjlClipModel.normalizeInPlace(lastWant);
            assertTrue(Fidelity.of(lastGot, lastWant).withinLimits());
            assertEquals(77, clip.info().contextLength());
        }
    }

    /** The token table make_e2e_fixtures.py uses: exact small multiples of 1/1024. */
    static TensorData formulaTable(int vocab, int width) {
        ByteBuffer b = ByteBuffer.allocate(vocab * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < vocab; i++) {
            for (long j = 0; j < width; j++) {
                b.putFloat((((i * 7919 + j * 104729) % 41) - 20) / 1024f);
            }
        }
        b.flip();
        return new TensorData("token_embedding.weight", new long[] {vocab, width}, TensorData.Dtype.F32, b);
    }
}
