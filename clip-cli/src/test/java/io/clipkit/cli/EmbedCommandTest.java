package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.model.TestCheckpoints;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {
    @TempDir static Path dir;
    static Path model;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void writeModel() throws Exception {
        model = TestCheckpoints.writeFullVocabModel(dir.resolve("e2e.safetensors"));
    }

    @Test
    void jsonLinesMatchTheReferenceForImagesAndTexts() throws Exception {
        List<String> prompts = TestCheckpoints.e2ePrompts();
        Path img = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Run r = run("embed", "--model", model.toString(), "--vocab", TestFiles.vocabulary().toString(),
                "--image", img.toString(), "--text", prompts.get(0), "--text", prompts.get(1), "--json");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        ObjectMapper m = new ObjectMapper();
        float[] wantImage = Npy.read(TestFiles.fixture("models/e2e/vit-p32-r64.images.npy")).data();
        Npy.Array wantText = Npy.read(TestFiles.fixture("models/e2e/text.npy"));
        int d = wantText.shape()[1];
        for (int i = 0; i < 3; i++) {
            JsonNode o = m.readTree(lines[i]);
            float[] e = new float[o.get("embedding").size()];
            for (int k = 0; k < e.length; k++) {
                e[k] = (float) o.get("embedding").get(k).asDouble();
            }
            assertEquals(d, e.length);
            float[] want = new float[d];
            System.arraycopy(i == 0 ? wantImage : wantText.data(), (i == 0 ? 0 : i - 1) * d, want, 0, d);
            assertEquals(i == 0 ? "image" : "text", o.get("type").asText());
            assertEquals(i == 0 ? img.toString() : prompts.get(i - 1), o.get("input").asText());
            assertEquals(1.0, io.clipkit.util.Vectors.norm(e), 1e-5, "L2-normalized");
            assertTrue(io.clipkit.util.Vectors.cosine(e, want) >= 0.99999, "cosine " + io.clipkit.util.Vectors.cosine(e, want));
        }
    }

    @Test
    void rawKeepsTheModelsScale() throws Exception {
        Run r = run("embed", "--model", model.toString(), "--text", "a photo of a cat.", "--json", "--raw",
                "--vocab", TestFiles.vocabulary().toString());
        assertEquals(0, r.code(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out().strip());
        Npy.Array want = Npy.read(TestFiles.fixture("models/e2e/text.npy"));
        float[] e = new float[o.get("embedding").size()];
        for (int k = 0; k < e.length; k++) {
            e[k] = (float) o.get("embedding").get(k).asDouble();
        }
        float[] w = new float[e.length];
        System.arraycopy(want.data(), 0, w, 0, e.length);
        assertEquals(io.clipkit.util.Vectors.norm(w), io.clipkit.util.Vectors.norm(e), 1e-4 * io.clipkit.util.Vectors.norm(w));
    }

    @Test
    void aBadImageIsNamedAndTheOthersAreStillEmbedded() throws Exception {
        Path bad = dir.resolve("broken.jpg");
        Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
        Path good = TestFiles.fixture("images/src/png_rgba.png");
        Run r = run("embed", "--model", model.toString(), "--image", bad.toString(), "--image", good.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("broken.jpg"), r.err());
        assertTrue(r.out().contains("png_rgba.png") && r.out().contains("norm 1.0000"), r.out());
        assertTrue(r.out().startsWith("model e2e.safetensors (vit, 32-d, 64px, sha256 "), r.out());
    }

    @Test
    void aTooLongTextIsNamedAndTheOthersAreStillEmbedded() throws Exception {
        List<String> prompts = TestCheckpoints.e2ePrompts();
        Run r = run("embed", "--model", model.toString(), "--vocab", TestFiles.vocabulary().toString(),
                "--text", prompts.get(prompts.size() - 1), "--text", "a dog", "--json");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("very very"), r.err());
        assertEquals(1, r.out().strip().split("\n").length);
    }

    /** Regression: a small-vocabulary checkpoint with the real vocabulary aborted everything with exit 2. */
    @Test
    void aTextBeyondTheModelsVocabularyIsNamedAndImagesAreStillEmbedded() throws Exception {
        Path small = TestFiles.fixture("models/vit-p32-r64/model.pt"); // 400-token vocabulary
        Path img = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        Run r = run("embed", "--model", small.toString(), "--vocab", TestFiles.vocabulary().toString(),
                "--image", img.toString(), "--text", "a photo of a cat.", "--json");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("\"a photo of a cat.\" has token id 49406") && r.err().contains("only 400 token"), r.err());
        assertTrue(r.err().contains("do not belong together") && !r.err().contains("\tat "), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(1, lines.length, r.out());
        assertTrue(lines[0].startsWith("{\"type\":\"image\""), r.out());
    }

    @Test
    void usageErrors() {
        assertEquals(2, run("embed", "--model", model.toString()).code());
        Run r = run("embed", "--model", model.toString(), "--text", "x", "--activation", "relu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("relu"), r.err());
        r = run("embed", "--model", dir.resolve("missing.pt").toString(), "--text", "x");
        assertEquals(ClipCommand.EXIT_MODEL, r.code(), "a model that cannot be found: the model exit code, as in classify");
        assertTrue(r.err().contains("missing.pt"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void textWithoutAVocabularyIsAClearError() throws Exception {
        Run r = run("embed", "--model", model.toString(), "--vocab", dir.resolve("nope.txt.gz").toString(), "--text", "x");
        assertEquals(ClipCommand.EXIT_MODEL, r.code());
        assertTrue(r.err().contains("nope.txt.gz"), r.err());
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
