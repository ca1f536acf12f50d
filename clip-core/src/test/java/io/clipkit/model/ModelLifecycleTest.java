package io.clipkit.model;

import io.clipkit.Activation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory scoping, concurrency, closing and the loader's errors. */
class ModelLifecycleTest {
    static final String VIT = "models/vit-p16-r64-fp32/model.safetensors";
    static final String RN = "models/rn-w8-1211-r96/model.pt";

    @Test
    void callsLeaveNoNativeArraysBehind() throws Exception {
        for (String f : List.of(VIT, RN)) {
            ModelFixtures.Case c = caseOf(f);
            try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults())) {
                DjlClipModel m = (DjlClipModel) model;
                int weights = m.managedArrays();
                assertTrue(weights > 10, "weights are attached to the model manager: " + weights);
                List<float[]> images = ModelFixtures.images(c.images());
                int[][] tokens = c.tokens();
                for (int i = 0; i < 20; i++) {
                    model.encodePreprocessed(images, i % 2 == 0);
                    model.encodeTokens(tokens, i % 2 == 1);
                }
                assertEquals(weights, m.managedArrays(), f + ": arrays left attached after 40 calls");
            }
        }
    }

    @Test
    void concurrentCallersGetTheSingleThreadResults() throws Exception {
        ModelFixtures.Case c = caseOf(RN);
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults())) {
            List<float[]> images = ModelFixtures.images(c.images());
            int[][] tokens = c.tokens();
            float[][] img = model.encodePreprocessed(images, false);
            float[][] txt = model.encodeTokens(tokens, false);
            int weights = ((DjlClipModel) model).managedArrays();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            float[][] a = model.encodePreprocessed(images, false);
                            float[][] b = model.encodeTokens(tokens, false);
                            for (int r = 0; r < a.length; r++) {
                                assertArrayEquals(img[r], a[r], 1e-6f);
                            }
                            for (int r = 0; r < b.length; r++) {
                                assertArrayEquals(txt[r], b[r], 1e-6f);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(weights, ((DjlClipModel) model).managedArrays());
        }
    }

    @Test
    void batchingDoesNotChangeResults() throws Exception {
        ModelFixtures.Case c = caseOf(VIT);
        float[][] whole;
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults())) {
            whole = model.encodeTokens(c.tokens(), true);
        }
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().batchSize(1).build())) {
            float[][] one = model.encodeTokens(c.tokens(), true);
            for (int i = 0; i < whole.length; i++) {
                assertArrayEquals(whole[i], one[i], 1e-6f);
                double n = 0;
                for (float v : one[i]) {
                    n += v * v;
                }
                assertEquals(1.0, n, 1e-5, "normalized");
            }
        }
    }

    @Test
    void rowsComeBackInTheirOrderWhateverTheirLengths() throws Exception {
        ModelFixtures.Case c = caseOf(VIT);
        int[][] t = c.tokens();
        int[][] shuffled = {t[3], t[0], t[2], t[1], t[0]};
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().batchSize(2).build())) {
            float[][] want = ModelFixtures.rows(c.expected(Activation.QUICK_GELU, "text"));
            float[][] got = model.encodeTokens(shuffled, false);
            int[] source = {3, 0, 2, 1, 0};
            for (int i = 0; i < got.length; i++) {
                assertTrue(Fidelity.of(got[i], want[source[i]]).withinLimits(), "row " + i);
            }
        }
    }

    @Test
    void aClosedModelRefusesCalls() throws Exception {
        ModelFixtures.Case c = caseOf(VIT);
        ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults());
        model.close();
        model.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.encodeTokens(c.tokens(), true));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void imageOnlyUseNeedsNoVocabulary() throws Exception {
        ModelFixtures.Case c = caseOf(VIT);
        Path missing = Path.of("/nonexistent/bpe_simple_vocab_16e6.txt.gz");
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().vocabulary(missing).build())) {
            assertEquals(2, model.encodePreprocessed(ModelFixtures.images(c.images()), true).length);
            ClipException e = assertThrows(ClipException.class, model::tokenizer);
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        }
    }

    @Test
    void theConcurrentlyComputedHashIsTheFilesSha256() throws Exception {
        ModelFixtures.Case c = caseOf(RN);
        String expected = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(c.checkpoint())));
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults())) {
            assertEquals(expected, model.info().checkpointSha256());
        }
        Checkpoint unhashed = Checkpoint.readUnhashed(c.checkpoint());
        assertEquals(null, unhashed.sha256());
        assertEquals(Checkpoint.read(c.checkpoint()).tensors().keySet(), unhashed.tensors().keySet());
        assertEquals(expected, unhashed.withSha256(Checkpoint.sha256(c.checkpoint())).sha256());
    }

    @Test
    void badInputsAreCallerErrors() throws Exception {
        ModelFixtures.Case c = caseOf(VIT);
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.encodePreprocessed(List.of(new float[10]), true));
            assertTrue(e.getMessage().contains("3x64x64"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.encodeTokens(new int[][] {new int[5]}, true));
            assertTrue(e.getMessage().contains("context length is 20"), e.getMessage());
            int[] row = new int[20];
            row[1] = 300;
            e = assertThrows(IllegalArgumentException.class, () -> model.encodeTokens(new int[][] {row}, true));
            assertTrue(e.getMessage().contains("id 300") && e.getMessage().contains("vocabulary of 300"), e.getMessage());
        }
    }

    /** The tensor {@link #wronglyShaped()} changes: 63 values where the ViT fixture has 64. */
    static final String WRONG_SHAPE_TENSOR = "visual.transformer.resblocks.0.mlp.c_proj.bias";

    /** The ViT fixture with {@link #WRONG_SHAPE_TENSOR} of shape [63]; its other tensors and its hash as they are. */
    static Checkpoint wronglyShaped() throws IOException {
        Checkpoint ck = Checkpoint.read(TestFiles.fixture(VIT));
        Map<String, TensorData> t = new LinkedHashMap<>(ck.tensors());
        String name = WRONG_SHAPE_TENSOR;
        t.put(name, new TensorData(name, new long[] {63}, TensorData.Dtype.F32, ByteBuffer.allocate(63 * 4)));
        return new Checkpoint(ck.format(), t, ck.scalars(), ck.sha256());
    }

    @Test
    void aWronglyShapedTensorIsNamedWithItsExpectedShape() throws Exception {
        Checkpoint bad = wronglyShaped();
        String name = WRONG_SHAPE_TENSOR;
        ClipException e = assertThrows(ClipException.class, () -> ModelLoader.build(bad, null, "x", ModelOptions.defaults()));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("[63]")
                && e.getMessage().contains("expected [64]"), e.getMessage());
    }

    @Test
    void aMissingTensorIsNamedWithItsExpectedShape() throws Exception {
        Checkpoint ck = Checkpoint.read(TestFiles.fixture(RN));
        Map<String, TensorData> t = new LinkedHashMap<>(ck.tensors());
        String name = "visual.layer2.0.downsample.1.running_var";
        t.remove(name);
        ClipException e = assertThrows(ClipException.class, () -> ModelLoader.build(
                new Checkpoint(ck.format(), t, ck.scalars(), ck.sha256()), null, "x", ModelOptions.defaults()));
        assertTrue(e.getMessage().contains("missing tensor '" + name + "'") && e.getMessage().contains("[64]"),
                e.getMessage());
    }

    @Test
    void aCheckpointWithoutCLIPTensorsIsRejected() throws Exception {
        Checkpoint ck = Checkpoint.read(TestFiles.fixture(VIT));
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("fc.weight", ck.tensors().get("text_projection"));
        ClipException e = assertThrows(ClipException.class, () -> ModelLoader.build(
                new Checkpoint(ck.format(), t, ck.scalars(), ck.sha256()), null, "x", ModelOptions.defaults()));
        assertTrue(e.getMessage().contains("not a CLIP checkpoint"), e.getMessage());
    }

    @Test
    void aFolderWithOneCheckpointLoadsIt(@TempDir Path dir) throws Exception {
        Files.copy(TestFiles.fixture(VIT), dir.resolve("weights.safetensors"));
        Files.writeString(dir.resolve("README.txt"), "not a checkpoint");
        try (ClipModel model = io.clipkit.model.ModelLoader.load(dir, ModelOptions.defaults())) {
            assertEquals("weights", model.info().name());
            assertEquals(64, model.info().imageResolution());
            assertEquals(64, model.info().checkpointSha256().length());
            assertEquals("cpu", model.info().device());
        }
    }

    @Test
    void aFolderWithSeveralOrNoCheckpointsIsAClearError(@TempDir Path dir) throws Exception {
        IOException e = assertThrows(IOException.class, () -> io.clipkit.model.ModelLoader.load(dir, ModelOptions.defaults()));
        assertTrue(e.getMessage().contains("no checkpoint file"), e.getMessage());
        Path several = TestFiles.fixture("models/rn-w8-1211-r96");
        e = assertThrows(IOException.class, () -> io.clipkit.model.ModelLoader.load(several, ModelOptions.defaults()));
        assertTrue(e.getMessage().contains("model.bin, model.pt"), e.getMessage());
        e = assertThrows(IOException.class, () -> io.clipkit.model.ModelLoader.load(dir.resolve("absent.pt"), ModelOptions.defaults()));
        assertTrue(e.getMessage().contains("absent.pt"), e.getMessage());
    }

    @Test
    void anUnavailableGpuIsAClearError() {
        Path f = TestFiles.fixture(VIT);
        ClipException e = assertThrows(ClipException.class,
                () -> io.clipkit.model.ModelLoader.load(f, ModelOptions.builder().device("gpu:3").build()));
        assertTrue(e.getMessage().contains("gpu:3"), e.getMessage());
    }

    static ModelFixtures.Case caseOf(String relative) {
        return ModelFixtures.cases().stream()
                .filter(c -> ("models/" + c.model() + "/" + c.file()).equals(relative))
                .findFirst().orElseThrow();
    }
}
