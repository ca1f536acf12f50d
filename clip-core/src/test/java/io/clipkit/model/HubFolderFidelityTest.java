package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Activation;
import io.clipkit.ClipModel;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * transformers and open_clip folders (models/tools/hub/make_hub_fixtures.py) loaded from the
 * folder alone (no vocabulary option, an empty cache): token ids, preprocessed pixels (bit-exact)
 * and embeddings of raw image files and texts against the plain-torch references of transformers'
 * CLIPModel + CLIPImageProcessor and of open_clip. Hard limit: cosine >= 0.99999.
 */
class HubFolderFidelityTest {
    private static final StringBuilder REPORT = new StringBuilder();

    record Case(String name, JsonNode json) {
        Path dir() {
            return TestFiles.fixture("hub").resolve(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        try {
            JsonNode root = new ObjectMapper().readTree(TestFiles.fixture("hub/fixtures.json").toFile());
            List<Case> out = new ArrayList<>();
            for (JsonNode m : root.get("models")) {
                out.add(new Case(m.get("name").asText(), m));
            }
            assertTrue(out.size() >= 5, "hub fixtures missing");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void folderAloneGivesTheReferenceNumbers(Case c, @TempDir Path emptyCache) throws IOException {
        JsonNode j = c.json();
        try (ClipModel model = ClipModel.builder().path(c.dir()).cacheDir(emptyCache).allowDownload(false).load()) {
            assertEquals(j.get("layout").asText(), model.info().spec().family());
            assertEquals(Activation.parse(j.get("activation").asText()), model.info().activation(), "activation from the config");
            assertEquals(j.get("size").asInt(), model.info().imageResolution());
            assertEquals((float) j.get("logit_scale").asDouble(), model.logitScale(), 1e-5f * model.logitScale());

            List<String> texts = new ArrayList<>();
            j.get("texts").forEach(t -> texts.add(t.asText()));
            int ctx = model.info().contextLength();
            int[][] want = new int[texts.size()][];
            for (int i = 0; i < texts.size(); i++) {
                int[] ids = new int[ctx];
                JsonNode row = j.get("tokens").get(i);
                for (int k = 0; k < row.size(); k++) {
                    ids[k] = row.get(k).asInt();
                }
                want[i] = ids;
                assertArrayEquals(ids, model.tokenizer().encodeForModel(texts.get(i), ctx, false), "ids of '" + texts.get(i) + "'");
            }

            List<Path> images = new ArrayList<>();
            List<float[]> pixels = new ArrayList<>();
            int exact = 0;
            for (JsonNode n : j.get("images")) {
                Path img = c.dir().resolve("images").resolve(n.asText());
                images.add(img);
                float[] mine = model.preprocessor().preprocess(img);
                float[] ref = Npy.read(c.dir().resolve("expected").resolve(n.asText() + ".npy")).data();
                assertEquals(ref.length, mine.length);
                int differ = 0;
                for (int i = 0; i < ref.length; i++) {
                    differ += Float.floatToIntBits(ref[i]) == Float.floatToIntBits(mine[i]) ? 0 : 1;
                }
                assertEquals(0, differ, n.asText() + ": preprocessed values differing from the reference");
                exact++;
                pixels.add(mine);
            }
            // encodeImages returns unit vectors: compare with the normalized reference
            Fidelity fi = worst(model.encodeImages(images), ModelFixtures.rows(Npy.read(c.dir().resolve("expected/image_embeds.npy"))), true);
            Fidelity fi2 = worst(model.encodePreprocessed(pixels, false),
                    ModelFixtures.rows(Npy.read(c.dir().resolve("expected/image_embeds.npy"))), false);
            Fidelity ft = worst(model.encodeTexts(texts, false), ModelFixtures.rows(Npy.read(c.dir().resolve("expected/text_embeds.npy"))), false);
            Fidelity ft2 = worst(model.encodeTokens(want, false), ModelFixtures.rows(Npy.read(c.dir().resolve("expected/text_embeds.npy"))), false);
            String line = String.format("%-30s %-12s %-10s pixels bit-exact %d/%d | image %s | text %s%n", c, j.get("layout").asText(),
                    model.info().activation().cliName(), exact, images.size(), fi.worst(fi2), ft.worst(ft2));
            synchronized (REPORT) {
                REPORT.append(line);
            }
            assertTrue(fi.worst(fi2).withinLimits(), "image embeddings: " + fi);
            assertTrue(ft.worst(ft2).withinLimits(), "text embeddings: " + ft);
        }
    }

    private static Fidelity worst(float[][] got, float[][] want, boolean normalizeWant) {
        assertEquals(want.length, got.length);
        Fidelity f = Fidelity.perfect();
        for (int i = 0; i < got.length; i++) {
            float[] w = want[i].clone();
            if (normalizeWant) {
                double n = 0;
                for (float x : w) {
                    n += (double) x * x;
                }
                for (int k = 0; k < w.length; k++) {
                    w[k] = (float) (w[k] / Math.sqrt(n));
                }
            }
            f = f.worst(Fidelity.of(got[i], w));
        }
        return f;
    }

    @AfterAll
    static void report() throws IOException {
        System.out.print("hub fidelity:\n" + REPORT);
        Path out = Path.of("target", "hub-fidelity.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, REPORT.toString());
    }
}
