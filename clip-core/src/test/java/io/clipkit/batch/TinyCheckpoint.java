package io.clipkit.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes, at test time, a tiny random CLIP ViT checkpoint (safetensors, OpenAI key layout) with the
 * real 49,408-token vocabulary and 77-token context, so the real tokenizer and the whole CLI run
 * on it: 64 px input, patch 32, width 64, one layer per tower, 32-dim embeddings (about 13 MB, not
 * committed). Random weights: the numbers mean nothing, the plumbing is real.
 */
public final class TinyCheckpoint {
    private TinyCheckpoint() {}

    public static Path write(Path file) throws IOException {
        int w = 64;
        int tw = 64;
        int e = 32;
        int patch = 32;
        int res = 64;
        int grid = res / patch;
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put("positional_embedding", new int[] {77, tw});
        t.put("text_projection", new int[] {tw, e});
        t.put("logit_scale", new int[] {});
        t.put("visual.class_embedding", new int[] {w});
        t.put("visual.positional_embedding", new int[] {grid * grid + 1, w});
        t.put("visual.proj", new int[] {w, e});
        t.put("visual.conv1.weight", new int[] {w, 3, patch, patch});
        t.put("visual.ln_pre.weight", new int[] {w});
        t.put("visual.ln_pre.bias", new int[] {w});
        block(t, "visual.transformer.resblocks.0.", w);
        t.put("visual.ln_post.weight", new int[] {w});
        t.put("visual.ln_post.bias", new int[] {w});
        block(t, "transformer.resblocks.0.", tw);
        t.put("token_embedding.weight", new int[] {49408, tw});
        t.put("ln_final.weight", new int[] {tw});
        t.put("ln_final.bias", new int[] {tw});

        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        long offset = 0;
        for (var en : t.entrySet()) {
            long n = 1;
            for (int d : en.getValue()) {
                n *= d;
            }
            ObjectNode o = header.putObject(en.getKey());
            o.put("dtype", "F32");
            var shape = o.putArray("shape");
            for (int d : en.getValue()) {
                shape.add(d);
            }
            o.putArray("data_offsets").add(offset).add(offset + 4 * n);
            offset += 4 * n;
        }
        byte[] h = om.writeValueAsBytes(header);
        Random r = new Random(5);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (var en : t.entrySet()) {
                String k = en.getKey();
                int n = 1;
                for (int d : en.getValue()) {
                    n *= d;
                }
                ByteBuffer bb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    float v;
                    if (k.equals("logit_scale")) {
                        v = (float) Math.log(100);
                    } else if (k.endsWith("ln_1.weight") || k.endsWith("ln_2.weight") || k.contains("ln_pre.weight")
                            || k.contains("ln_post.weight") || k.equals("ln_final.weight")) {
                        v = 1f;
                    } else if (k.endsWith("bias")) {
                        v = 0f;
                    } else {
                        v = (float) (r.nextGaussian() * 0.05);
                    }
                    bb.putFloat(v);
                }
                out.write(bb.array());
            }
        }
        return file;
    }

    private static void block(Map<String, int[]> t, String p, int w) {
        t.put(p + "attn.in_proj_weight", new int[] {3 * w, w});
        t.put(p + "attn.in_proj_bias", new int[] {3 * w});
        t.put(p + "attn.out_proj.weight", new int[] {w, w});
        t.put(p + "attn.out_proj.bias", new int[] {w});
        t.put(p + "ln_1.weight", new int[] {w});
        t.put(p + "ln_1.bias", new int[] {w});
        t.put(p + "mlp.c_fc.weight", new int[] {4 * w, w});
        t.put(p + "mlp.c_fc.bias", new int[] {4 * w});
        t.put(p + "mlp.c_proj.weight", new int[] {w, 4 * w});
        t.put(p + "mlp.c_proj.bias", new int[] {w});
        t.put(p + "ln_2.weight", new int[] {w});
        t.put(p + "ln_2.bias", new int[] {w});
    }
}
