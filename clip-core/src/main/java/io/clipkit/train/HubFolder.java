package io.clipkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Activation;
import io.clipkit.ModelSpec;
import io.clipkit.model.TrainableClip;
import io.clipkit.model.checkpoint.TensorData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an open_clip hub folder: {@code open_clip_config.json} ({@code model_cfg} with
 * {@code embed_dim}, {@code quick_gelu}, {@code vision_cfg}, {@code text_cfg}, and
 * {@code preprocess_cfg}, as open_clip's {@code save_config_for_hf} writes it) and
 * {@code open_clip_model.safetensors}: fp32 tensors under the state-dict names open_clip's
 * {@code CLIP} module uses, which are OpenAI's. Files are written to a temporary name and moved
 * into place.
 */
final class HubFolder {
    private HubFolder() {}

    static final String CONFIG = "open_clip_config.json";
    static final String WEIGHTS = "open_clip_model.safetensors";

    /**
     * {@link ModelSpec.Image#OPENAI_MEAN} and {@code OPENAI_STD} as open_clip writes them (its
     * {@code OPENAI_DATASET_MEAN/STD}, Python floats): the same fp32 values, and the same digits as a
     * folder open_clip saved.
     */
    static final double[] OPENAI_MEAN = {0.48145466, 0.4578275, 0.40821073};
    static final double[] OPENAI_STD = {0.26862954, 0.26130258, 0.27577711};

    static void write(Path dir, TrainableClip model, Activation activation, ModelSpec.Image image) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> tensors = new LinkedHashMap<>(model.tensors());
        tensors.putAll(model.passThrough());
        writeSafetensors(dir.resolve(WEIGHTS), tensors);
        writeAtomically(dir.resolve(CONFIG), config(model, activation, image).getBytes(StandardCharsets.UTF_8));
    }

    static String config(TrainableClip m, Activation activation, ModelSpec.Image image) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode cfg = root.putObject("model_cfg");
        cfg.put("embed_dim", m.embedDim());
        cfg.put("quick_gelu", activation == Activation.QUICK_GELU);
        ObjectNode vision = cfg.putObject("vision_cfg");
        vision.put("image_size", m.imageResolution());
        if (m.vit()) {
            vision.put("layers", m.visionLayers());
            vision.put("width", m.visionWidth());
            vision.put("patch_size", m.patchSize());
        } else {
            ArrayNode layers = vision.putArray("layers");
            m.visionBlocks().forEach(layers::add);
            vision.put("width", m.visionWidth());
            vision.putNull("patch_size");
        }
        ObjectNode text = cfg.putObject("text_cfg");
        text.put("context_length", m.contextLength());
        text.put("vocab_size", m.vocabSize());
        text.put("width", m.textWidth());
        text.put("heads", m.textHeads());
        text.put("layers", m.textLayers());
        ObjectNode pre = root.putObject("preprocess_cfg");
        boolean openai = image.mean().equals(ModelSpec.Image.OPENAI_MEAN) && image.std().equals(ModelSpec.Image.OPENAI_STD);
        ArrayNode mean = pre.putArray("mean");
        ArrayNode std = pre.putArray("std");
        for (int c = 0; c < 3; c++) {
            mean.add(openai ? OPENAI_MEAN[c] : (double) image.mean().get(c));
            std.add(openai ? OPENAI_STD[c] : (double) image.std().get(c));
        }
        pre.put("interpolation", image.interpolation() == ModelSpec.Interpolation.BILINEAR ? "bilinear" : "bicubic");
        pre.put("resize_mode", image.resize() == ModelSpec.Resize.SQUASH ? "squash" : "shortest");
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A safetensors file of {@link NDArray}s (written as fp32) and {@link TensorData} (as stored),
     * header keys sorted as the reference writer sorts them.
     */
    static void writeSafetensors(Path file, Map<String, ?> tensors) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        Map<String, Object> sorted = new TreeMap<>(tensors);
        long offset = 0;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            long[] shape;
            String dtype;
            long bytes;
            if (e.getValue() instanceof NDArray a) {
                shape = a.getShape().getShape();
                dtype = "F32";
                bytes = a.getShape().size() * 4;
            } else if (e.getValue() instanceof TensorData t) {
                shape = t.shape();
                dtype = t.dtype().name();
                bytes = t.data().remaining();
            } else {
                throw new IllegalArgumentException("not a tensor: " + e.getKey());
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            ArrayNode s = t.putArray("shape");
            for (long d : shape) {
                s.add(d);
            }
            ArrayNode o = t.putArray("data_offsets");
            o.add(offset);
            offset += bytes;
            o.add(offset);
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        byte[] hp = new byte[padded];
        java.util.Arrays.fill(hp, (byte) ' ');
        System.arraycopy(h, 0, hp, 0, h.length);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(hp);
            for (Object v : sorted.values()) { // one tensor in Java memory at a time
                out.write(bytes(v));
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] bytes(Object v) {
        if (v instanceof NDArray a) {
            NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
            float[] values = f.toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return b.array();
        }
        ByteBuffer src = ((TensorData) v).data().duplicate();
        byte[] b = new byte[src.remaining()];
        src.get(b);
        return b;
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
