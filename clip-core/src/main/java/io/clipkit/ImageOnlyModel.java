package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The model {@link IndexUpdate} hands to the tagging pipeline: the real image side, and a text side
 * that answers without running the text tower (a constant unit vector). Indexing ranks nothing, and
 * a model whose text tower cannot embed the placeholder label (a small vocabulary) still indexes.
 * Closing it leaves the caller's model open.
 */
final class ImageOnlyModel implements ClipModel {
    private final ClipModel model;

    ImageOnlyModel(ClipModel model) {
        this.model = model;
    }

    @Override
    public ModelInfo info() {
        return model.info();
    }

    @Override
    public ClipTokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return model.preprocessor();
    }

    @Override
    public float logitScale() {
        return model.logitScale();
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws IOException {
        return model.encodeImages(images);
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        return model.encodePreprocessed(chw, normalize);
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
        float[][] out = new float[n][model.info().embedDim()];
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
