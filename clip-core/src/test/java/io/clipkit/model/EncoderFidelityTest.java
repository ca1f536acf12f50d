package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipModel;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import io.clipkit.Activation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-file fidelity of the encoders against the Python reference model, for every fixture
 * checkpoint, format and activation: same preprocessed tensors and token ids in, embeddings and
 * logits out. Hard limits (fp32, CPU): cosine >= 0.99999 and max |diff| <= 1e-4 x norm.
 */
class EncoderFidelityTest {
    private static final StringBuilder REPORT = new StringBuilder();

    static Stream<Arguments> cases() {
        return ModelFixtures.cases().stream()
                .flatMap(c -> Stream.of(Activation.values()).map(a -> Arguments.of(c, a)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheReference(ModelFixtures.Case c, Activation act) throws Exception {
        ModelOptions opts = ModelOptions.builder().activation(act).batchSize(3).build();
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), opts)) {
            ModelInfo info = model.info();
            assertEquals(c.architecture(), info.architecture());
            assertEquals(c.format(), info.format());
            assertEquals(c.config().get("image_resolution").asInt(), info.imageResolution());
            assertEquals(c.config().get("embed_dim").asInt(), info.embedDim());
            assertEquals(c.config().get("context_length").asInt(), info.contextLength());
            assertEquals(c.config().get("vocab_size").asInt(), info.vocabSize());
            assertEquals(c.config().get("transformer_width").asInt(), info.textWidth());
            assertEquals(c.config().get("transformer_layers").asInt(), info.textLayers());
            assertEquals(c.config().get("transformer_heads").asInt(), info.textHeads());
            assertEquals(c.config().get("vision_width").asInt(), info.visionWidth());
            if (info.architecture().equals("vit")) {
                assertEquals(c.config().get("vision_patch_size").asInt(), info.patchSize());
                assertEquals(c.config().get("vision_layers").asInt(), info.visionLayers());
            } else {
                List<Integer> blocks = new java.util.ArrayList<>();
                c.config().get("vision_layers").forEach(n -> blocks.add(n.asInt()));
                assertEquals(blocks, info.visionBlocks());
            }
            assertEquals(c.logitScale(), model.logitScale(), 1e-6f * c.logitScale(), "logit scale");

            float[][] img = model.encodePreprocessed(ModelFixtures.images(c.images()), false);
            float[][] txt = model.encodeTokens(c.tokens(), false);
            Fidelity fi = worst(img, ModelFixtures.rows(c.expected(act, "image")));
            Fidelity ft = worst(txt, ModelFixtures.rows(c.expected(act, "text")));

            // logits as the reference forward(): scale * normalized image . normalized text
            float[][] ni = model.encodePreprocessed(ModelFixtures.images(c.images()), true);
            float[][] nt = model.encodeTokens(c.tokens(), true);
            float[][] want = ModelFixtures.rows(c.expected(act, "logits"));
            double maxLogitDiff = 0;
            for (int i = 0; i < ni.length; i++) {
                for (int j = 0; j < nt.length; j++) {
                    double l = 0;
                    for (int k = 0; k < ni[i].length; k++) {
                        l += ni[i][k] * nt[j][k];
                    }
                    maxLogitDiff = Math.max(maxLogitDiff, Math.abs(model.logitScale() * l - want[i][j]));
                }
            }
            String line = String.format("%-45s %-10s image %s | text %s | logits max diff %.2e%n",
                    c, act.cliName(), fi, ft, maxLogitDiff);
            synchronized (REPORT) {
                REPORT.append(line);
            }
            assertTrue(fi.withinLimits(), "image embeddings: " + fi);
            assertTrue(ft.withinLimits(), "text embeddings: " + ft);
            assertTrue(maxLogitDiff <= 1e-3, "logits differ by " + maxLogitDiff);
        }
    }

    static Fidelity worst(float[][] got, float[][] want) {
        assertEquals(want.length, got.length, "rows");
        Fidelity f = Fidelity.perfect();
        for (int i = 0; i < got.length; i++) {
            f = f.worst(Fidelity.of(got[i], want[i]));
        }
        return f;
    }

    @AfterAll
    static void print() {
        System.out.print("Encoder fidelity vs reference (worst row per case):\n" + REPORT);
    }
}
