package io.clipkit.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints for tests in other modules (the CLI): the end-to-end text fixture model
 * (models/e2e/e2e.json: vit-p32-r64 with the full-vocabulary formula token table), written as an
 * F32 safetensors file whose reference outputs are models/e2e/text.npy and
 * vit-p32-r64.images.npy.
 */
public final class TestCheckpoints {
    private TestCheckpoints() {}

    /** The prompts whose reference text embeddings are rows of models/e2e/text.npy. */
    public static List<String> e2ePrompts() throws IOException {
        List<String> out = new java.util.ArrayList<>();
        new ObjectMapper().readTree(TestFiles.fixture("models/e2e/e2e.json").toFile()).get("prompts")
                .forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Writes the full-vocabulary e2e model to {@code file} (about 13 MB). */
    public static Path writeFullVocabModel(Path file) throws IOException {
        Checkpoint ck = Checkpoint.read(TestFiles.fixture("models/vit-p32-r64/model.pt"));
        Map<String, TensorData> t = new LinkedHashMap<>(ck.tensors());
        int width = (int) t.get("token_embedding.weight").shape()[1];
        t.put("token_embedding.weight", EndToEndFidelityTest.formulaTable(49408, width));
        writeSafetensorsF32(file, t);
        return file;
    }

    static void writeSafetensorsF32(Path file, Map<String, TensorData> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (TensorData t : tensors.values()) {
            if (t.dtype() == TensorData.Dtype.I64) {
                continue;
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", "F32");
            var shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(offset).add(offset + t.numel() * 4);
            offset += t.numel() * 4;
        }
        byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (TensorData t : tensors.values()) {
                if (t.dtype() == TensorData.Dtype.I64) {
                    continue;
                }
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * 4)).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.toFloatArray());
                out.write(b.array());
            }
        }
    }
}
