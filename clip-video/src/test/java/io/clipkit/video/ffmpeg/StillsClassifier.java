package io.clipkit.video.ffmpeg;

import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.ZeroShotClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Test helper. The random fixture model has no meaning, so the labels {@code still0..2} are given
 * the reference embeddings of the three stills as their text embeddings: a frame then ranks the
 * label of the still it shows. Everything else is the real model.
 */
final class StillsClassifier implements ClipModel {
    private final ClipModel real;
    private final float[][] stills;

    private StillsClassifier(ClipModel real, float[][] stills) {
        this.real = real;
        this.stills = stills;
    }

    static ZeroShotClassifier forStills(ClipModel model, float[][] stills) {
        return ZeroShotClassifier.builder().model(new StillsClassifier(model, stills))
                .labels("still0", "still1", "still2").templates(List.of("{}")).build();
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            String text = tokenizer().decode(tokens[i]).strip();
            out[i] = stills[text.charAt(text.length() - 1) - '0'].clone(); // "still 0": digits are their own word
        }
        return out;
    }

    @Override
    public ClipTokenizer tokenizer() {
        return io.clipkit.text.BpeTokenizer.bundled();
    }

    @Override
    public ModelInfo info() {
        return real.info();
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return real.preprocessor();
    }

    @Override
    public float logitScale() {
        return real.logitScale();
    }

    @Override
    public float[][] encodeImages(List<Path> images) throws IOException {
        return real.encodeImages(images);
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        return real.encodePreprocessed(chw, normalize);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
