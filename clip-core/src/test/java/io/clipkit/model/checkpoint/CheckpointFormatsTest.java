package io.clipkit.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipException;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every format fixture (written by models/tools/checkpoints/make_checkpoint_fixtures.py) must give
 * exactly the tensors PyTorch saved: same keys in state_dict order (buffers included), shapes,
 * stored dtypes and values.
 */
class CheckpointFormatsTest {
    static JsonNode expected(String name) throws IOException {
        return new ObjectMapper().readTree(TestFiles.fixture("checkpoints/" + name).toFile());
    }

    static List<String> keys(JsonNode exp) {
        List<String> keys = new ArrayList<>();
        exp.get("keys").forEach(k -> keys.add(k.asText()));
        return keys;
    }

    static void assertTensorsEqual(JsonNode exp, Checkpoint ckpt) {
        for (Map.Entry<String, JsonNode> e : exp.get("tensors").properties()) {
            String key = e.getKey();
            JsonNode t = e.getValue();
            TensorData td = ckpt.require(key);
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            assertArrayEquals(shape, td.shape(), key);
            String dtype = switch (t.get("dtype").asText()) {
                case "float32" -> "F32";
                case "float16" -> "F16";
                case "bfloat16" -> "BF16";
                case "int64" -> "I64";
                default -> throw new AssertionError(t.get("dtype").asText());
            };
            assertEquals(dtype, td.dtype().name(), key);
            float[] values = td.toFloatArray();
            float[] want = new float[t.get("values").size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = (float) t.get("values").get(i).asDouble();
            }
            assertArrayEquals(want, values, key); // exact: both are the stored values upcast
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tiny-f32.safetensors, expected-f32.json, safetensors",
        "tiny-f16.safetensors, expected-f16.json, safetensors",
        "tiny-bf16.safetensors, expected-bf16.json, safetensors",
        "official-f16.safetensors, expected-f16.json, safetensors",
        "tiny-f32.pt, expected-f32.json, state-dict",
        "tiny-f16.pt, expected-f16.json, state-dict",
        "tiny-bf16.pt, expected-bf16.json, state-dict",
        "tiny-wrapped.pt, expected-f32.json, state-dict",
        "views.pt, expected-views.json, state-dict",
        "legacy.pt, expected-f32.json, state-dict",
    })
    void readsEveryTensorExactly(String file, String expectedFile, String format) throws IOException {
        Checkpoint ckpt = Checkpoint.read(TestFiles.fixture("checkpoints/" + file));
        JsonNode exp = expected(expectedFile);
        assertEquals(format, ckpt.format());
        if (file.startsWith("official")) { // the official writer orders by alignment and name
            assertEquals(new java.util.HashSet<>(keys(exp)), ckpt.tensors().keySet());
        } else {
            assertEquals(keys(exp), new ArrayList<>(ckpt.tensors().keySet()));
        }
        assertTensorsEqual(exp, ckpt);
        assertEquals(64, ckpt.sha256().length());
    }

    @Test
    void torchScriptArchiveGivesModuleAttributesAsStateDictAndScalars() throws IOException {
        Checkpoint ckpt = Checkpoint.read(TestFiles.fixture("checkpoints/tiny-torchscript-f16.pt"));
        JsonNode exp = expected("expected-torchscript.json");
        assertEquals("torchscript", ckpt.format());
        // same keys, in the order torch.jit's state_dict() lists them, BatchNorm buffers included
        assertEquals(keys(exp), new ArrayList<>(ckpt.tensors().keySet()));
        assertTrue(ckpt.tensors().containsKey("visual.bn1.running_var"));
        assertTrue(ckpt.tensors().containsKey("visual.bn1.num_batches_tracked"));
        for (Map.Entry<String, JsonNode> e : exp.get("scalars").properties()) {
            assertEquals(e.getValue().asLong(), ckpt.scalars().get(e.getKey()), e.getKey());
        }
        // the archive holds the same weights as the fp16 state dict, in fp16
        assertTensorsEqual(expected("expected-f16.json"), ckpt);
    }

    @Test
    void everyHalfValueUpcastsAsNumpyDoes() throws IOException {
        float[] got = Checkpoint.read(TestFiles.fixture("checkpoints/f16-all-values.safetensors")).require("all", 65536).toFloatArray();
        float[] want = io.clipkit.util.Npy.read(TestFiles.fixture("checkpoints/f16-all-values.npy")).data();
        for (int h = 0; h < 65536; h++) {
            assertEquals(Float.floatToIntBits(want[h]), Float.floatToIntBits(got[h]), "fp16 bits " + h);
        }
    }

    @Test
    void bf16IsTheTopHalfOfFloat32() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] values = {1.5f, -0.0f, Float.NEGATIVE_INFINITY, 3.0e38f};
        for (float v : values) {
            b.putShort((short) (Float.floatToIntBits(v) >>> 16)); // exact in bf16 (7 mantissa bits)
        }
        TensorData t = new TensorData("x", new long[] {4}, TensorData.Dtype.BF16, b.flip());
        float[] got = t.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToIntBits(values[i]) & 0xffff0000, Float.floatToIntBits(got[i]));
        }
    }

    @Test
    void sha256IsOfTheWholeFile() throws Exception {
        Path f = TestFiles.fixture("checkpoints/tiny-f16.pt");
        String want = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(f)));
        assertEquals(want, Checkpoint.read(f).sha256());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "lying-header.safetensors | visual.proj",
        "truncated.safetensors | outside",
        "unknown-dtype.safetensors | F8_E4M3",
        "not-a-checkpoint.txt | text file",
        "truncated.pt | truncated",
        "missing-storage.pt | tensor ",
        "evil-os-system.pt | os.system",
        "evil-stack-global.pt | os.system",
        "whole-module.pt | __main__.Tiny",
    })
    void brokenFilesAreRefusedNamingFileAndCause(String file, String mention) {
        Path f = TestFiles.fixture("checkpoints/" + file);
        ClipException e = assertThrows(ClipException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }
}
