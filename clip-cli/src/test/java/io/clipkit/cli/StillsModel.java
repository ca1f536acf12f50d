package io.clipkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test model for the video commands. The fixture model (random weights) encodes the frames for
 * real; the labels {@code still0..2} get the reference embeddings of the three stills of
 * models/fixtures/video as their text embeddings, so a frame ranks the label of the still it shows.
 */
final class StillsModel implements ClipModel {
    private final ClipModel real;
    private final float[][] stills;
    /** Frames or images encoded, to show what a re-run had to decode. */
    final AtomicLong encoded = new AtomicLong();

    private StillsModel(ClipModel real, float[][] stills) {
        this.real = real;
        this.stills = stills;
    }

    static StillsModel load() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.fixture("video/expected.json").toFile());
        ClipModel real = ClipModel.builder().path(TestFiles.fixture("models/" + expected.get("model").asText())).load();
        float[][] stills = new float[3][];
        for (int s = 0; s < 3; s++) {
            JsonNode row = expected.get("embeddings").get(s);
            stills[s] = new float[row.size()];
            for (int i = 0; i < row.size(); i++) {
                stills[s][i] = (float) row.get(i).asDouble();
            }
        }
        return new StillsModel(real, stills);
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            String text = tokenizer().decode(tokens[i]).strip();
            int digit = text.charAt(text.length() - 1) - '0';
            out[i] = stills[Math.floorMod(digit, 3)].clone();
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
        encoded.addAndGet(images.size());
        return real.encodeImages(images);
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        encoded.addAndGet(chw.size());
        return real.encodePreprocessed(chw, normalize);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        real.close();
    }
}
