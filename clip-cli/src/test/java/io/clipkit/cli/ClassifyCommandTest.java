package io.clipkit.cli;

import io.clipkit.Activation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ModelOptions;
import io.clipkit.testing.FakeClipModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command's behaviour (parsing, output, exit codes, bad images) with a deterministic stand-in
 * model; the numbers themselves are checked against the reference in {@code ClassifyGoldenTest}.
 */
class ClassifyCommandTest {
    io.clipkit.ClipModel.Loader loader = io.clipkit.model.ModelLoader::load;
    @TempDir Path dir;
    final List<ModelOptions> loaded = new ArrayList<>();
    Path ckpt;
    Path a;
    Path b;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws Exception {
        loader = (path, options) -> {
            loaded.add(options);
            return new FakeClipModel(options.name(), "ef".repeat(32), 16, 12, 100f);
        };
        ckpt = Files.write(dir.resolve("tiny.pt"), new byte[] {1});
        Files.write(dir.resolve("bpe_simple_vocab_16e6.txt.gz"), new byte[] {1});
        a = Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        b = Files.write(dir.resolve("b b.jpg"), new byte[] {7, 8, 9, 10});
    }

    @AfterEach
    void tearDown() {
        loader = io.clipkit.model.ModelLoader::load;
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(b -> b.loader(loader));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("classify", "--model", ckpt.toString(), "--cache-dir", dir.resolve("cache").toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void dtypeBf16ReachesTheLoaderOnABf16CpuElseFp32WithANotice() {
        Run r = run(a.toString(), "--labels", "cat,dog", "--dtype", "bf16");
        assertEquals(0, r.code, r.err);
        boolean native_ = io.clipkit.model.CpuFeatures.detect().missingFor(io.clipkit.DType.BF16).isEmpty();
        assertEquals(native_ ? io.clipkit.DType.BF16 : io.clipkit.DType.FP32, loaded.get(0).dtype());
        assertEquals(!native_, r.err.contains("computing in fp32 instead"), r.err);
    }

    @Test
    void jsonLinePerImageSortedByProbabilityWithProvenance() throws Exception {
        Run r = run(a.toString(), b.toString(), "--labels", "cat,dog", "--label", "tabby, striped", "--json");
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals(2, lines.length);
        ObjectMapper om = new ObjectMapper();
        JsonNode j = om.readTree(lines[1]);
        assertEquals(b.toString(), j.get("image").asText());
        assertEquals("tiny.pt", j.get("model").asText());
        assertEquals("ef".repeat(32), j.get("checkpoint_sha256").asText());
        assertEquals("cpu", j.get("device").asText());
        assertEquals("a photo of a {}.", j.get("templates").get(0).asText());
        assertEquals("ok", j.get("status").asText());
        assertEquals("softmax", j.get("scoring").asText());
        assertEquals("fp32", j.get("dtype").asText());
        assertEquals("libtorch", j.get("kernel").asText(), "the stand-in model's kernel, as its info says");
        assertTrue(j.get("preprocessing").asText().startsWith("size="), j.toString());
        assertEquals(64, j.get("vocabulary_sha256").asText().length());
        assertTrue(j.hasNonNull("activation") && j.hasNonNull("clipkit_version"), j.toString());
        JsonNode labels = j.get("labels");
        assertEquals(3, labels.size());
        double sum = 0;
        double prev = 2;
        List<String> names = new ArrayList<>();
        for (JsonNode l : labels) {
            double p = l.get("probability").asDouble();
            assertTrue(p <= prev);
            prev = p;
            sum += p;
            names.add(l.get("label").asText());
            assertTrue(l.get("cosine").isNumber());
        }
        assertEquals(1.0, sum, 1e-5);
        assertTrue(names.containsAll(List.of("cat", "dog", "tabby, striped")));
    }

    /** Issue 9 item 5: results that cannot be written (full disk, closed pipe) end with exit 1 and a message. */
    @Test
    void failedWritesToStdoutExitOneWithAMessage() {
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(m -> m.loader(loader));
        cl.setOut(new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] c, int off, int len) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }

            @Override
            public void flush() throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }

            @Override
            public void close() {}
        }));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("classify", "--model", ckpt.toString(), "--cache-dir", dir.resolve("cache").toString(),
                a.toString(), "--labels", "cat,dog", "--json");
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().contains("cannot write the results to standard output"), err.toString());
    }

    @Test
    void tableAndTopK() {
        Run r = run(a.toString(), "--labels", "cat,dog,car", "-k", "2");
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals(a + "  (tiny.pt)", lines[0]);
        assertTrue(lines[1].contains("label") && lines[1].contains("probability") && lines[1].contains("cosine"));
        assertEquals(4, lines.length, r.out);
    }

    @Test
    void badImageIsReportedAndTheOthersStillClassified() throws Exception {
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Path missing = dir.resolve("missing.jpg");
        Run r = run(a.toString(), empty.toString(), missing.toString(), b.toString(), "--labels", "cat,dog", "--json", "--batch-size", "1");
        assertEquals(1, r.code);
        assertTrue(r.err.contains(empty + ": empty file"), r.err);
        assertTrue(r.err.contains(missing.toString()), r.err);
        assertFalse(r.err.contains("Exception"), r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].contains("a.jpg") && lines[1].contains("b b.jpg"));
    }

    @Test
    void onlyFoldersIsAUsageErrorPointingToTag() {
        Run r = run(dir.toString(), "--labels", "cat,dog");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("clip tag"), r.err);
        assertTrue(loaded.isEmpty(), "no model is loaded for a usage error");
    }

    /** Issue 9: a folder among the arguments is reported for that argument; the images are classified. */
    @Test
    void aFolderAmongImagesIsReportedForThatArgumentAndTheOthersAreClassified() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("holiday"));
        Run r = run(a.toString(), folder.toString(), b.toString(), "--labels", "cat,dog", "--json");
        assertEquals(1, r.code, r.err);
        assertTrue(r.err.contains(folder + ": is a folder, not an image") && r.err.contains("clip tag"), r.err);
        assertFalse(r.err.contains("Usage"), "no usage page: " + r.err);
        String[] lines = r.out.strip().split("\n");
        assertEquals(2, lines.length, r.out);
        assertTrue(lines[0].contains("a.jpg") && lines[1].contains("b b.jpg"), r.out);
    }

    /** Regression: --model "" (an unset variable) silently meant the default model, downloaded. */
    @Test
    void emptyModelIsAUsageError() {
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(b -> b.loader(loader));
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("classify", a.toString(), "--labels", "cat,dog", "--model", "", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().startsWith("clip classify: --model is empty"), err.toString());
        assertFalse(Files.exists(dir.resolve("cache/models")), "nothing is downloaded");
    }

    /** Regression: an empty argument ("$UNSET_VAR") was reported as " is a folder". */
    @Test
    void emptyImageArgumentIsAUsageError() {
        Run r = run("", "--labels", "cat,dog");
        assertEquals(2, r.code);
        assertTrue(r.err.startsWith("empty image argument"), r.err);
        assertTrue(loaded.isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--labels=cat,dog,cat | duplicate label 'cat'",
        "--labels=cat,,dog | empty label at position 2",
        "--template=a photo | has no {}",
        "--top-k=0 | --top-k must be >= 1",
        "--device=tpu | bad --device 'tpu'",
        "--min-score=2 | --min-score must be in 0..1",
        "--labels=cat,Cat | duplicate label 'Cat' (same as 'cat'",
        "--activation=relu | unknown activation 'relu'",
        "--labels-file=/nonexistent/labels.txt | /nonexistent/labels.txt",
    })
    void usageErrorsNameTheBadValue(String option, String message) {
        List<String> args = new ArrayList<>(List.of(a.toString(), option));
        if (!option.startsWith("--labels")) {
            args.add("--labels=cat,dog");
        }
        Run r = run(args.toArray(String[]::new));
        assertEquals(2, r.code, r.out + r.err);
        assertTrue(r.err.contains(message), r.err);
        assertTrue(loaded.isEmpty());
    }

    /** Regression: a checkpoint whose token table is smaller than the vocabulary failed as a usage error (2). */
    @Test
    void vocabularyTooBigForTheCheckpointIsAClearFailure() {
        loader = io.clipkit.model.ModelLoader::load;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine(b -> b.loader(loader));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        Path small = io.clipkit.testing.TestFiles.fixture("models/vit-p32-r64/model.pt"); // 400 tokens
        int code = cl.execute("classify", io.clipkit.testing.TestFiles.fixture("images/src/jpeg_420_4x3.jpg").toString(),
                "--labels", "cat,dog", "--model", small.toString(), "--vocab", io.clipkit.testing.TestFiles.vocabulary().toString());
        assertEquals(ClipCommand.EXIT_MODEL, code, err.toString());
        String e = err.toString();
        assertTrue(e.startsWith("clip classify: prompt 'a photo of a cat.' has token id 49406, but model model.pt has only 400"), e);
        assertFalse(e.contains("\tat "), e);
        assertEquals("", out.toString());
    }

    @Test
    void noLabelsIsAUsageError() {
        Run r = run(a.toString());
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--labels"), r.err);
    }

    @Test
    void labelsFileWithCommentsAndSpaces() throws Exception {
        Path f = Files.writeString(dir.resolve("labels.txt"), "# animals\ncat\n\n  golden retriever  \ntabby, striped\n");
        Run r = run(a.toString(), "--labels-file", f.toString(), "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = new ObjectMapper().readTree(r.out.strip());
        List<String> names = new ArrayList<>();
        j.get("labels").forEach(l -> names.add(l.get("label").asText()));
        assertEquals(3, names.size());
        assertTrue(names.containsAll(List.of("cat", "golden retriever", "tabby, striped")), names.toString());
    }

    @Test
    void ensembleAndTemplatesGoIntoProvenance() throws Exception {
        Run r = run(a.toString(), "--labels", "cat,dog", "--template", "{} in a box", "--ensemble", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode t = new ObjectMapper().readTree(r.out.strip()).get("templates");
        assertEquals(io.clipkit.PromptTemplates.ensemble().size() + 1, t.size());
        assertEquals("{} in a box", t.get(t.size() - 1).asText());
    }

    @Test
    void optionsReachTheModel() {
        Run r = run(a.toString(), "--labels", "cat,dog", "--activation", "gelu", "--batch-size", "3");
        assertEquals(0, r.code, r.err);
        ModelOptions o = loaded.get(0);
        assertEquals(Activation.GELU, o.activation());
        assertEquals(3, o.batchSize());
        assertEquals(dir.resolve("bpe_simple_vocab_16e6.txt.gz"), o.vocabulary().orElseThrow());
    }
}
