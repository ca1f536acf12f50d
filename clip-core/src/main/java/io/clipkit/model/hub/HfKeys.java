package io.clipkit.model.hub;

import io.clipkit.ClipException;
import io.clipkit.model.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' {@code CLIPModel} state dict renamed to OpenAI's: separate q/k/v projections fused
 * into {@code in_proj_*} (rows q, k, v, as {@code nn.MultiheadAttention} stores them), Linear
 * projections ({@code [out, in]}) transposed into OpenAI's {@code x @ proj} matrices, the
 * {@code position_ids} buffers of older files dropped.
 */
final class HfKeys {
    private HfKeys() {}

    private static final Pattern LAYER = Pattern.compile("(text_model|vision_model)\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Map<String, String> FIXED = Map.ofEntries(
            Map.entry("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
            Map.entry("text_model.embeddings.position_embedding.weight", "positional_embedding"),
            Map.entry("text_model.final_layer_norm.weight", "ln_final.weight"),
            Map.entry("text_model.final_layer_norm.bias", "ln_final.bias"),
            Map.entry("vision_model.embeddings.class_embedding", "visual.class_embedding"),
            Map.entry("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
            Map.entry("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
            Map.entry("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"),
            Map.entry("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"),
            Map.entry("vision_model.post_layernorm.weight", "visual.ln_post.weight"),
            Map.entry("vision_model.post_layernorm.bias", "visual.ln_post.bias"),
            Map.entry("logit_scale", "logit_scale"));
    private static final Map<String, String> TRANSPOSED = Map.of(
            "visual_projection.weight", "visual.proj",
            "text_projection.weight", "text_projection");
    private static final Map<String, String> IN_LAYER = Map.ofEntries(
            Map.entry("self_attn.out_proj.weight", "attn.out_proj.weight"),
            Map.entry("self_attn.out_proj.bias", "attn.out_proj.bias"),
            Map.entry("layer_norm1.weight", "ln_1.weight"),
            Map.entry("layer_norm1.bias", "ln_1.bias"),
            Map.entry("layer_norm2.weight", "ln_2.weight"),
            Map.entry("layer_norm2.bias", "ln_2.bias"),
            Map.entry("mlp.fc1.weight", "mlp.c_fc.weight"),
            Map.entry("mlp.fc1.bias", "mlp.c_fc.bias"),
            Map.entry("mlp.fc2.weight", "mlp.c_proj.weight"),
            Map.entry("mlp.fc2.bias", "mlp.c_proj.bias"));

    /** True if the keys are transformers' (a quick check for a file given without its folder). */
    static boolean looksLikeHf(Iterable<String> keys) {
        for (String k : keys) {
            if (k.startsWith("text_model.") || k.startsWith("vision_model.")) {
                return true;
            }
        }
        return false;
    }

    /** The tensors under OpenAI's names; {@code where} names the folder in errors. */
    static Map<String, TensorData> toOpenAi(Map<String, TensorData> hf, String where) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        Map<String, TensorData[]> qkv = new LinkedHashMap<>(); // target -> q, k, v
        for (Map.Entry<String, TensorData> e : hf.entrySet()) {
            String k = e.getKey();
            TensorData t = e.getValue();
            if (k.endsWith("embeddings.position_ids")) {
                continue; // a buffer of older transformers versions: arange(n), not a weight
            }
            String fixed = FIXED.get(k);
            if (fixed != null) {
                put(out, fixed, t, where);
                continue;
            }
            String transposed = TRANSPOSED.get(k);
            if (transposed != null) {
                put(out, transposed, transpose(t, transposed, where), where);
                continue;
            }
            Matcher m = LAYER.matcher(k);
            if (m.matches()) {
                String prefix = (m.group(1).equals("text_model") ? "" : "visual.") + "transformer.resblocks." + m.group(2) + ".";
                String rest = m.group(3);
                String mapped = IN_LAYER.get(rest);
                if (mapped != null) {
                    put(out, prefix + mapped, t, where);
                    continue;
                }
                Matcher p = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)").matcher(rest);
                if (p.matches()) {
                    String target = prefix + "attn.in_proj_" + p.group(2);
                    qkv.computeIfAbsent(target, x -> new TensorData[3])["qkv".indexOf(p.group(1))] = t;
                    continue;
                }
            }
            throw new ClipException(where + ": tensor '" + k + "' is not part of a transformers CLIPModel "
                    + "(text_model.*, vision_model.*, visual_projection, text_projection, logit_scale); "
                    + "is this a CLIPModel checkpoint?");
        }
        for (Map.Entry<String, TensorData[]> e : qkv.entrySet()) {
            put(out, e.getKey(), concatRows(e.getValue(), e.getKey(), where), where);
        }
        return out;
    }

    private static void put(Map<String, TensorData> out, String key, TensorData t, String where) {
        TensorData renamed = new TensorData(key, t.shape(), t.dtype(), t.data());
        if (out.put(key, renamed) != null) {
            throw new ClipException(where + ": two tensors map to " + key);
        }
    }

    /** [q; k; v] along the first dimension. */
    private static TensorData concatRows(TensorData[] parts, String key, String where) {
        String[] names = {"q_proj", "k_proj", "v_proj"};
        for (int i = 0; i < 3; i++) {
            if (parts[i] == null) {
                throw new ClipException(where + ": " + names[i] + " is missing for " + key);
            }
        }
        long[] s = parts[0].shape();
        for (int i = 1; i < 3; i++) {
            if (!Arrays.equals(parts[i].shape(), s) || parts[i].dtype() != parts[0].dtype()) {
                throw new ClipException(where + ": q/k/v projections for " + key + " differ in shape or type ("
                        + Arrays.toString(s) + " " + parts[0].dtype() + " vs " + Arrays.toString(parts[i].shape())
                        + " " + parts[i].dtype() + ")");
            }
        }
        int bytes = parts[0].data().remaining();
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(bytes, 3)).order(ByteOrder.LITTLE_ENDIAN);
        for (TensorData p : parts) {
            buf.put(p.data());
        }
        buf.flip();
        long[] shape = s.clone();
        shape[0] *= 3;
        return new TensorData(key, shape, parts[0].dtype(), buf);
    }

    /** A 2-D tensor transposed (element bytes moved as they are). */
    static TensorData transpose(TensorData t, String key, String where) {
        long[] s = t.shape();
        if (s.length != 2) {
            throw new ClipException(where + ": " + t.name() + " has shape " + Arrays.toString(s) + ", expected a matrix");
        }
        int rows = Math.toIntExact(s[0]);
        int cols = Math.toIntExact(s[1]);
        int e = t.dtype().bytes();
        ByteBuffer in = t.data();
        int base = in.position();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(rows, cols), e)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int src = base + (r * cols + c) * e;
                int dst = (c * rows + r) * e;
                for (int b = 0; b < e; b++) {
                    out[dst + b] = in.get(src + b);
                }
            }
        }
        return new TensorData(key, new long[] {cols, rows}, t.dtype(), ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
    }
}
