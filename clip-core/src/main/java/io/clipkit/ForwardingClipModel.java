package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model that hands every call to another one; subclasses override what they change (the info a
 * fallback reports, the text side an index-only run skips). The interface's default methods
 * ({@code encodeBufferedImages}, {@code encodeTexts(List)}) are deliberately not forwarded: they
 * route through the methods here, so an override of {@code encodeTexts(List, boolean)} holds for
 * both. Closing closes the delegate unless a subclass says otherwise.
 */
abstract class ForwardingClipModel implements ClipModel {
    final ClipModel delegate;

    ForwardingClipModel(ClipModel delegate) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public ModelInfo info() {
        return delegate.info();
    }

    @Override
    public ClipTokenizer tokenizer() {
        return delegate.tokenizer();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return delegate.preprocessor();
    }

    @Override
    public float logitScale() {
        return delegate.logitScale();
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws IOException {
        return delegate.encodeImages(images);
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        return delegate.encodePreprocessed(chw, normalize);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        return delegate.encodeTexts(texts, normalize);
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        return delegate.encodeTokens(tokens, normalize);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
