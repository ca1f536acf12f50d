package io.clipkit.model.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Activation;
import io.clipkit.ClipException;
import io.clipkit.ClipTokenizer;
import io.clipkit.ModelSpec;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import io.clipkit.text.BpeTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder policy: layout choice, precedence, and an error naming the file for each broken folder. */
class ModelFolderTest {
    @TempDir Path tmp;

    private static Path fixture(String name) {
        return TestFiles.fixture("hub").resolve(name);
    }

    /** A copy of a fixture folder that a test may damage. */
    private Path copy(String name) throws IOException {
        Path dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(fixture(name))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, dst.resolve(p.getFileName()));
                }
            }
        }
        return dst;
    }

    @Test
    void detectsEachLayout() throws IOException {
        ModelFolder hf = ModelFolder.of(fixture("hf-safetensors-quickgelu"));
        assertEquals(ModelFolder.Layout.TRANSFORMERS, hf.layout());
        assertEquals(List.of("model.safetensors"), hf.weights().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(Activation.QUICK_GELU, hf.activation().orElseThrow());
        assertEquals(2, hf.textHeads());
        ModelFolder sharded = ModelFolder.of(fixture("hf-sharded-tokenizer-json"));
        assertEquals(2, sharded.weights().size());
        assertEquals(List.of("tokenizer.json"), sharded.tokenizerFiles().stream().map(p -> p.getFileName().toString()).toList());
        ModelFolder oc = ModelFolder.of(fixture("openclip-safetensors-squash"));
        assertEquals(ModelFolder.Layout.OPEN_CLIP, oc.layout());
        assertEquals(Activation.GELU, oc.activation().orElseThrow());
        ModelSpec spec = oc.spec(48, 16, 49408, 10f);
        assertEquals(ModelSpec.Resize.SQUASH, spec.image().resize());
        assertEquals(List.of(0.5f, 0.5f, 0.5f), spec.image().mean());
        // a weights file given directly is read with its folder's config
        ModelFolder file = ModelFolder.of(fixture("hf-bin-gelu-bilinear").resolve("pytorch_model.bin"));
        assertEquals(ModelFolder.Layout.TRANSFORMERS, file.layout());
        assertEquals(ModelSpec.Interpolation.BILINEAR, file.spec(48, 16, 1114, 1f).image().interpolation());
    }

    @Test
    void mapsTransformersNamesToOpenAi() throws IOException {
        Checkpoint c = ModelFolder.of(fixture("hf-bin-gelu-bilinear")).read();
        assertTrue(c.tensors().keySet().stream().noneMatch(k -> k.contains("position_ids")), "position_ids dropped");
        assertArrayEquals(new long[] {3 * 64, 64}, c.require("transformer.resblocks.0.attn.in_proj_weight").shape());
        assertArrayEquals(new long[] {32, 16}, c.require("visual.proj").shape()); // [hidden, projection]
        assertArrayEquals(new long[] {64, 16}, c.require("text_projection").shape());
        Checkpoint raw = Checkpoint.read(fixture("hf-bin-gelu-bilinear").resolve("pytorch_model.bin"));
        float[] q = raw.require("text_model.encoder.layers.0.self_attn.q_proj.weight").toFloatArray();
        float[] v = raw.require("text_model.encoder.layers.0.self_attn.v_proj.weight").toFloatArray();
        float[] fused = c.require("transformer.resblocks.0.attn.in_proj_weight").toFloatArray();
        assertEquals(q[5], fused[5]);
        assertEquals(v[7], fused[2 * q.length + 7]);
        float[] p = raw.require("visual_projection.weight").toFloatArray(); // [16, 32]
        float[] t = c.require("visual.proj").toFloatArray(); // [32, 16]
        assertEquals(p[3 * 32 + 5], t[5 * 16 + 3]);
    }

    @Test
    void bothLayoutsInOneFolderReadOpenClipFirst() throws IOException {
        Path d = copy("openclip-bin-bilinear");
        for (String f : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json")) {
            Files.copy(fixture("hf-safetensors-quickgelu").resolve(f), d.resolve(f));
        }
        ModelFolder m = ModelFolder.of(d);
        assertEquals(ModelFolder.Layout.OPEN_CLIP, m.layout());
        assertTrue(m.describe().toString().contains("ignored the transformers files"), m.describe().toString());
    }

    @Test
    void safetensorsPreferredOverBinLikeTransformers() throws IOException {
        Path d = copy("hf-safetensors-quickgelu");
        Files.copy(fixture("hf-bin-gelu-bilinear").resolve("pytorch_model.bin"), d.resolve("pytorch_model.bin"));
        ModelFolder m = ModelFolder.of(d);
        assertEquals("model.safetensors", m.weights().get(0).getFileName().toString());
        assertTrue(m.describe().toString().contains("ignored pytorch_model.bin"));
    }

    @Test
    void configThatIsNotJsonNamesTheFile() throws IOException {
        Path d = copy("hf-safetensors-quickgelu");
        Files.writeString(d.resolve("config.json"), "<html>rate limited</html>");
        IOException e = assertThrows(IOException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains(d.resolve("config.json").toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("download it again"), e.getMessage());
    }

    @Test
    void unsupportedModelTypeIsRefused() throws IOException {
        Path d = copy("hf-safetensors-quickgelu");
        Files.writeString(d.resolve("config.json"), "{\"model_type\": \"siglip\", \"text_config\": {}, \"vision_config\": {}}");
        ClipException e = assertThrows(ClipException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains("model_type 'siglip' is not supported") && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void twoCheckpointsWithoutConfigIsAmbiguous() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("two"));
        Files.write(d.resolve("a.safetensors"), new byte[] {1});
        Files.write(d.resolve("b.pt"), new byte[] {2});
        IOException e = assertThrows(IOException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains("a.safetensors, b.pt") && e.getMessage().contains("pass one of the files"), e.getMessage());
        Files.delete(d.resolve("b.pt"));
        assertEquals(d.resolve("a.safetensors"), ModelFolder.of(d).weights().get(0));
        assertEquals(ModelFolder.Layout.CHECKPOINT, ModelFolder.of(d).layout());
    }

    @Test
    void missingShardAndMissingWeightsAreNamed() throws IOException {
        Path d = copy("hf-sharded-tokenizer-json");
        Files.delete(d.resolve("model-00002-of-00002.safetensors"));
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
        Path w = copy("hf-safetensors-quickgelu");
        Files.delete(w.resolve("model.safetensors"));
        e = assertThrows(FileNotFoundException.class, () -> ModelFolder.of(w));
        assertTrue(e.getMessage().contains("no weights") && e.getMessage().contains("model.safetensors"), e.getMessage());
        Path o = copy("openclip-bin-bilinear");
        Files.delete(o.resolve("open_clip_pytorch_model.bin"));
        e = assertThrows(FileNotFoundException.class, () -> ModelFolder.of(o));
        assertTrue(e.getMessage().contains("open_clip_config.json"), e.getMessage());
    }

    @Test
    void transformersWeightsWithoutTheirFolderSayWhatToPass() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.copy(fixture("hf-safetensors-quickgelu").resolve("model.safetensors"), f);
        ClipException e = assertThrows(ClipException.class, () -> ModelFolder.of(f).read());
        assertTrue(e.getMessage().contains("no config.json beside it"), e.getMessage());
    }

    @Test
    void unsupportedPreprocessingIsNamed() throws IOException {
        Path d = copy("hf-safetensors-quickgelu");
        Files.writeString(d.resolve("preprocessor_config.json"), "{\"size\": {\"shortest_edge\": 40}, \"crop_size\": 40, \"resample\": 1}");
        ClipException e = assertThrows(ClipException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains("resample 1 is not supported"), e.getMessage());
        Files.writeString(d.resolve("preprocessor_config.json"), "{\"size\": 44, \"crop_size\": 40}");
        e = assertThrows(ClipException.class, () -> ModelFolder.of(d));
        assertTrue(e.getMessage().contains("shortest_edge 44 differs from crop_size 40"), e.getMessage());
        // the legacy CLIPFeatureExtractor form with int sizes is read
        Files.writeString(d.resolve("preprocessor_config.json"), "{\"feature_extractor_type\": \"CLIPFeatureExtractor\", "
                + "\"size\": 40, \"crop_size\": 40, \"resample\": 3}");
        assertEquals(ModelSpec.CropRounding.FLOOR, ModelFolder.of(d).spec(40, 24, 1114, 1f).image().crop());
    }

    /** An open_clip folder may state its prompt templates under clipkit's key; none stated: the default. */
    @Test
    void openClipConfigStatesTheModelsTemplates() throws IOException {
        Path d = copy("openclip-safetensors-squash");
        ModelFolder plain = ModelFolder.of(d);
        int size = 48; // the fixture's input size
        assertEquals(List.of(io.clipkit.PromptTemplates.DEFAULT), plain.spec(size, 24, 1114, 1f).templates());
        ObjectMapper json = new ObjectMapper();
        Path config = d.resolve("open_clip_config.json");
        com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
        c.putObject("clipkit").putArray("templates").add("{}").add("a drawing of a {}.");
        json.writeValue(config.toFile(), c);
        ModelFolder f = ModelFolder.of(d);
        assertEquals(List.of("{}", "a drawing of a {}."), f.spec(size, 24, 1114, 1f).templates());
        assertTrue(f.describe().contains(Map.entry("templates from", "from open_clip_config.json clipkit.templates")), f.describe().toString());
        // each mistake names the file and the key
        for (String[] bad : new String[][] {
                {"{\"templates\": [\"a photo\"]}", "prompt template 'a photo' has no {}"},
                {"{\"templates\": [\"{}\", \"{}\"]}", "duplicate prompt template '{}'"},
                {"{\"templates\": \"{}\"}", "clipkit.templates must be an array of strings"},
                {"{\"template\": [\"{}\"]}", "unknown key clipkit.template"},
                {"[\"{}\"]", "clipkit must be an object"}}) {
            c.set("clipkit", json.readTree(bad[0]));
            json.writeValue(config.toFile(), c);
            ClipException e = assertThrows(ClipException.class, () -> ModelFolder.of(d), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]) && e.getMessage().contains(config.toString()), e.getMessage());
        }
    }

    /**
     * CLIP's full vocabulary written as transformers ships it (vocab.json + merges.txt) gives the
     * same ids as the bundled tokenizer.
     */
    @Test
    void fullVocabularyAsVocabJsonGivesClipIds() throws IOException {
        byte[] gz;
        try (InputStream in = new GZIPInputStream(BpeTokenizer.class.getResourceAsStream(BpeTokenizer.BUNDLED_RESOURCE))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            gz = b.toByteArray();
        }
        List<String> lines = List.of(new String(gz, StandardCharsets.UTF_8).split("\n"));
        List<String> merges = lines.subList(1, 1 + 48894);
        ClipTokenizer clip = BpeTokenizer.bundled();
        // the vocabulary as OpenAI builds it: bytes, bytes + </w>, merges, specials; ids via decode of single ids
        Map<String, Integer> vocab = new LinkedHashMap<>();
        char[] byteChar = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            byteChar[b] = printable ? (char) b : (char) (256 + extra++);
        }
        int id = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < 256; b++) {
                if ((byteChar[b] < 256) == (pass == 0)) {
                    vocab.put(String.valueOf(byteChar[b]), id++);
                }
            }
        }
        for (Map.Entry<String, Integer> e : new LinkedHashMap<>(vocab).entrySet()) {
            vocab.put(e.getKey() + "</w>", e.getValue() + 256);
        }
        for (int r = 0; r < merges.size(); r++) {
            String[] p = merges.get(r).split(" ");
            vocab.putIfAbsent(p[0] + p[1], 512 + r);
        }
        vocab.put("<|startoftext|>", 49406);
        vocab.put("<|endoftext|>", 49407);
        Path d = Files.createDirectories(tmp.resolve("tok"));
        new ObjectMapper().writeValue(d.resolve("vocab.json").toFile(), vocab);
        Files.writeString(d.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        BpeTokenizer hub = HubTokenizer.read(List.of(d.resolve("vocab.json"), d.resolve("merges.txt")));
        assertEquals(49406, hub.startId());
        assertEquals(49407, hub.endId());
        for (String s : List.of("a photo of a cat.", "Hello, World! 1234", "naïve café – déjà vu", "日本語のテキスト",
                "emoji 🐈‍⬛ and #hashtags", "don't stop-believing!!!", "   spaces\tand\nnewlines  ", "")) {
            assertArrayEquals(clip.encode(s), hub.encode(s), s);
        }
    }

    @Test
    void tensorTransposeMovesElementBytes() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(6 * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (short i = 0; i < 6; i++) {
            b.putShort(i);
        }
        b.flip();
        TensorData t = HfKeys.transpose(new TensorData("x", new long[] {2, 3}, TensorData.Dtype.F16, b), "y", "here");
        assertArrayEquals(new long[] {3, 2}, t.shape());
        java.nio.ByteBuffer o = t.data();
        short[] got = new short[6];
        for (int i = 0; i < 6; i++) {
            got[i] = o.getShort();
        }
        assertArrayEquals(new short[] {0, 3, 1, 4, 2, 5}, got);
    }
}
