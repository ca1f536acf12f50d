package io.clipkit;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The bundled model standing in for one that could not be had ({@link ClipModel.Builder#fallbackToBundled}):
 * the same model, with {@link ModelInfo#fallbackFor()} set, so that every result's provenance
 * (built from {@code info()}) says which model it replaced. Closing it closes the model.
 */
final class BundledFallback implements ClipModel {
    private final ClipModel model;
    private final ModelInfo info;

    BundledFallback(ClipModel model, String standsInFor) {
        this.model = model;
        this.info = model.info().asFallbackFor(standsInFor);
    }

    @Override
    public ModelInfo info() {
        return info;
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
    public float[][] encodeBufferedImages(List<BufferedImage> images) {
        return model.encodeBufferedImages(images);
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        return model.encodePreprocessed(chw, normalize);
    }

    @Override
    public float[][] encodeTexts(List<String> texts) {
        return model.encodeTexts(texts);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        return model.encodeTexts(texts, normalize);
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        return model.encodeTokens(tokens, normalize);
    }

    @Override
    public void close() {
        model.close();
    }
}
