package io.clipkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test model for videos (clip-video's sampler tests, the CLI's video commands). The fixture model
 * (random weights) encodes the frames for real; the labels {@code still0..2} get the reference
 * embeddings of the three stills of models/fixtures/video as their text embeddings, so a frame ranks
 * the label of the still it shows.
 */
public final class StillsModel extends io.clipkit.ForwardingTestModel {
    private final ClipModel real;
    private final float[][] stills;
    /** Frames or images encoded, to show what a re-run had to decode. */
    public final AtomicLong encoded = new AtomicLong();

    private StillsModel(ClipModel real, float[][] stills) {
        super(real);
        this.real = real;
        this.stills = stills;
    }

    /** The fixture model of models/fixtures/video/expected.json, loaded, with the stills' labels. */
    public static StillsModel load() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.fixture("video/expected.json").toFile());
        return wrap(ClipModel.builder().path(TestFiles.fixture("models/" + expected.get("model").asText())).load());
    }

    /** {@code real} (that fixture model, already loaded) with the stills' labels; closing it closes {@code real}. */
    public static StillsModel wrap(ClipModel real) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.fixture("video/expected.json").toFile());
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

}
