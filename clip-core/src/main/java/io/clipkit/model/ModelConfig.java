package io.clipkit.model;

import io.clipkit.ClipException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hyper-parameters inferred from tensor shapes exactly as OpenAI's {@code build_model} does, so
 * that any size loads, not only the released ones.
 */
record ModelConfig(
        boolean vit,
        int embedDim,
        int imageResolution,
        int visionWidth,
        int visionLayers,
        List<Integer> visionBlocks,
        int patchSize,
        int visionHeads,
        int contextLength,
        int vocabSize,
        int textWidth,
        int textHeads,
        int textLayers) {

    /** Heads are width / 64 in every CLIP tower (ResNet: width * 32 / 64 for the attention pool). */
    static final int HEAD_DIM = 64;

    ModelConfig {
        visionBlocks = List.copyOf(visionBlocks);
    }

    /** This config with the heads a model folder's config states (0 keeps the inferred value). */
    ModelConfig withHeads(int newTextHeads, int newVisionHeads) {
        return new ModelConfig(vit, embedDim, imageResolution, visionWidth, visionLayers, visionBlocks, patchSize,
                newVisionHeads > 0 ? newVisionHeads : visionHeads, contextLength, vocabSize, textWidth,
                newTextHeads > 0 ? newTextHeads : textHeads, textLayers);
    }

    static ModelConfig infer(Map<String, long[]> shapes) {
        boolean vit = shapes.containsKey("visual.proj");
        int visionWidth;
        int visionLayers;
        List<Integer> blocks = new ArrayList<>();
        int patch = 0;
        int resolution;
        int visionHeads;
        if (vit) {
            long[] conv = need(shapes, "visual.conv1.weight", 4);
            visionWidth = (int) conv[0];
            visionLayers = (int) shapes.keySet().stream()
                    .filter(k -> k.startsWith("visual.") && k.endsWith(".attn.in_proj_weight")).count();
            patch = (int) conv[3];
            long positions = need(shapes, "visual.positional_embedding", 2)[0];
            int grid = (int) Math.round(Math.sqrt(positions - 1));
            if (grid * grid + 1 != positions) {
                throw new ClipException("visual.positional_embedding has " + positions
                        + " rows; expected grid*grid+1 for a square patch grid");
            }
            resolution = patch * grid;
            visionHeads = visionWidth / HEAD_DIM;
        } else {
            for (int b = 1; b <= 4; b++) {
                String prefix = "visual.layer" + b + ".";
                Set<String> ids = new TreeSet<>();
                for (String k : shapes.keySet()) {
                    if (k.startsWith(prefix)) {
                        ids.add(k.substring(prefix.length()).split("\\.", 2)[0]);
                    }
                }
                if (ids.isEmpty()) {
                    throw new ClipException("not a CLIP checkpoint: neither visual.proj (vision transformer) nor "
                            + prefix + "* (ResNet) tensors found");
                }
                blocks.add(ids.size());
            }
            visionLayers = blocks.stream().mapToInt(Integer::intValue).sum();
            visionWidth = (int) need(shapes, "visual.layer1.0.conv1.weight", 4)[0];
            long positions = need(shapes, "visual.attnpool.positional_embedding", 2)[0];
            int side = (int) Math.round(Math.sqrt(positions - 1));
            if (side * side + 1 != positions) {
                throw new ClipException("visual.attnpool.positional_embedding has " + positions
                        + " rows; expected side*side+1");
            }
            resolution = side * 32;
            visionHeads = visionWidth * 32 / HEAD_DIM;
        }
        int textWidth = (int) need(shapes, "ln_final.weight", 1)[0];
        Set<String> textBlocks = new TreeSet<>();
        for (String k : shapes.keySet()) {
            if (k.startsWith("transformer.resblocks.")) {
                textBlocks.add(k.split("\\.")[2]);
            }
        }
        return new ModelConfig(
                vit,
                (int) need(shapes, "text_projection", 2)[1],
                resolution,
                visionWidth,
                visionLayers,
                blocks,
                patch,
                visionHeads,
                (int) need(shapes, "positional_embedding", 2)[0],
                (int) need(shapes, "token_embedding.weight", 2)[0],
                textWidth,
                textWidth / HEAD_DIM,
                textBlocks.size());
    }

    private static long[] need(Map<String, long[]> shapes, String key, int rank) {
        long[] s = shapes.get(key);
        if (s == null) {
            throw new ClipException("not a CLIP checkpoint: tensor '" + key + "' is missing");
        }
        if (s.length != rank) {
            throw new ClipException("tensor '" + key + "' has shape " + Arrays.toString(s) + ", expected rank " + rank);
        }
        return s;
    }
}
