package io.clipkit;

import java.util.List;

/**
 * The model {@link IndexUpdate} hands to the tagging pipeline: the real image side, and a text side
 * that answers without running the text tower (a constant unit vector). Indexing ranks nothing, and
 * a model whose text tower cannot embed the placeholder label (a small vocabulary) still indexes.
 * Closing it leaves the caller's model open.
 */
final class ImageOnlyModel extends ForwardingClipModel {
    ImageOnlyModel(ClipModel model) {
        super(model);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        return constant(texts.size());
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        return constant(tokens.length);
    }

    private float[][] constant(int n) {
        float[][] out = new float[n][delegate.info().embedDim()];
        for (float[] v : out) {
            v[0] = 1;
        }
        return out;
    }

    @Override
    public void close() {
        // the caller's model: not ours to close
    }
}
