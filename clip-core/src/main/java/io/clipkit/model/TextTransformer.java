package io.clipkit.model;

import io.clipkit.Activation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ModelOptions;

/** CLIP's text tower: embeddings, causal blocks, ln_final at the end-of-text token (the argmax id), projection. */
final class TextTransformer {
    private final int contextLength;
    private final int vocabSize;
    private final int width;
    private final NDArray tokenEmbedding;
    private final NDArray positional;
    private final Transformer transformer;
    private final NDArray lnW;
    private final NDArray lnB;
    private final Linear projection;

    TextTransformer(Weights w, ModelConfig c, Activation act) {
        contextLength = c.contextLength();
        vocabSize = c.vocabSize();
        width = c.textWidth();
        tokenEmbedding = w.get("token_embedding.weight", vocabSize, width);
        positional = w.get("positional_embedding", contextLength, width);
        transformer = new Transformer(w, "transformer", width, c.textLayers(), c.textHeads(), act);
        lnW = w.getFloat("ln_final.weight", width);
        lnB = w.getFloat("ln_final.bias", width);
        projection = w.projection("text_projection", width, c.embedDim());
    }

    int contextLength() {
        return contextLength;
    }

    /**
     * Checks id rows and returns each row's end-of-text position (the first maximum id, as
     * torch.argmax), naming the first bad row.
     */
    int[] endPositions(int[][] tokens) {
        int[] eot = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            int[] row = tokens[i];
            if (row == null || row.length != contextLength) {
                throw new IllegalArgumentException("token row " + i + " has " + (row == null ? 0 : row.length)
                        + " ids; this model's context length is " + contextLength);
            }
            int best = 0;
            for (int j = 0; j < contextLength; j++) {
                int id = row[j];
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException("token row " + i + " has id " + id + " at " + j
                            + ", outside this model's vocabulary of " + vocabSize);
                }
                if (id > row[best]) {
                    best = j;
                }
            }
            eot[i] = best;
        }
        return eot;
    }

    /**
     * Embeds checked id rows; unnormalized {@code [B,E]}. The attention is causal and the output is
     * read at the end-of-text token, so positions after the batch's last end token cannot change it:
     * they are not computed.
     */
    NDArray forward(NDManager m, int[][] tokens, int[] eot, DataType type) {
        int b = tokens.length;
        int len = 0;
        for (int e : eot) {
            len = Math.max(len, e + 1);
        }
        long[] ids = new long[b * len];
        long[] pick = new long[b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < len; j++) {
                ids[i * len + j] = tokens[i][j];
            }
            pick[i] = eot[i];
        }
        NDArray x = Nn.embedding(m.create(ids, new Shape(b, len)), tokenEmbedding).toType(type, false);
        x = x.addi(Nn.embedding(m.arange(0, len, 1, DataType.INT64), positional).toType(type, false));
        float[] causal = new float[len * len];
        for (int i = 0; i < len; i++) {
            for (int j = i + 1; j < len; j++) {
                causal[i * len + j] = Float.NEGATIVE_INFINITY; // a token sees itself and earlier ones
            }
        }
        NDArray mask = m.create(causal, new Shape(len, len)).toType(type, false);
        NDArray pooled = transformer.forward(x, mask, pick); // [B, W] at the end-of-text tokens
        return projection.apply(Nn.layerNorm(pooled, lnW, lnB));
    }
}
