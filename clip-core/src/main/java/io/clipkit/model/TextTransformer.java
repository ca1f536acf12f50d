package io.clipkit.model;

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
    private final NDArray projection;

    TextTransformer(Weights w, ModelConfig c, ModelOptions.Activation act) {
        contextLength = c.contextLength();
        vocabSize = c.vocabSize();
        width = c.textWidth();
        tokenEmbedding = w.get("token_embedding.weight", vocabSize, width);
        positional = w.get("positional_embedding", contextLength, width);
        transformer = new Transformer(w, "transformer", width, c.textLayers(), c.textHeads(), act);
        lnW = w.getFloat("ln_final.weight", width);
        lnB = w.getFloat("ln_final.bias", width);
        projection = w.get("text_projection", width, c.embedDim());
    }

    int contextLength() {
        return contextLength;
    }

    /** Embeds id rows (each {@code contextLength} long); unnormalized {@code [B,E]}. */
    NDArray forward(NDManager m, int[][] tokens, DataType type) {
        int b = tokens.length;
        long[] ids = new long[b * contextLength];
        long[] eot = new long[b];
        for (int i = 0; i < b; i++) {
            int[] row = tokens[i];
            if (row.length != contextLength) {
                throw new IllegalArgumentException("token row " + i + " has " + row.length
                        + " ids; this model's context length is " + contextLength);
            }
            int best = 0;
            for (int j = 0; j < contextLength; j++) {
                int id = row[j];
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException("token row " + i + " has id " + id + " at " + j
                            + ", outside this model's vocabulary of " + vocabSize);
                }
                ids[i * contextLength + j] = id;
                if (id > row[best]) {
                    best = j; // first maximum, as torch.argmax
                }
            }
            eot[i] = (long) i * contextLength + best;
        }
        NDArray idArray = m.create(ids, new Shape(b, contextLength));
        NDArray x = Nn.embedding(idArray, tokenEmbedding).toType(type, false).addi(positional);
        float[] causal = new float[contextLength * contextLength];
        for (int i = 0; i < contextLength; i++) {
            for (int j = i + 1; j < contextLength; j++) {
                causal[i * contextLength + j] = Float.NEGATIVE_INFINITY; // a token sees itself and earlier ones
            }
        }
        NDArray mask = m.create(causal, new Shape(contextLength, contextLength)).toType(type, false);
        x = transformer.forward(x, mask);
        NDArray pooled = Nn.embedding(m.create(eot), x.reshape(-1, width)); // rows at the end-of-text tokens
        return Nn.layerNorm(pooled, lnW, lnB).matMul(projection);
    }
}
