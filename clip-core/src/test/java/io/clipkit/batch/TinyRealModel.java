package io.clipkit.batch;

import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ModelOptions;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real fixture checkpoint ({@code models/fixtures/models/vit-p32-r64}, 64 px ViT) with its real
 * image pipeline and image encoder. Its text tower has a 400-token vocabulary, so prompts are
 * tokenized by the word-hashing test tokenizer and folded into that range: label embeddings are
 * arbitrary but deterministic, which is all the tagging tests need from the text side.
 */
public final class TinyRealModel extends io.clipkit.ForwardingTestModel {
    public final AtomicLong encodedImages = new AtomicLong();
    private final ClipModel model;

    public TinyRealModel() throws IOException {
        this(io.clipkit.model.ModelLoader.load(TestFiles.fixture("models/vit-p32-r64/model.pt"),
                ModelOptions.builder().name("vit-p32-r64").batchSize(8).build()));
    }

    private TinyRealModel(ClipModel model) {
        super(model);
        this.model = model;
    }

    public ClipModel delegate() {
        return model;
    }

    @Override
    public ClipTokenizer tokenizer() {
        return io.clipkit.testing.FakeClipModel.small().tokenizer();
    }

    @Override
    public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
        encodedImages.addAndGet(chw.size());
        return model.encodePreprocessed(chw, normalize);
    }

    @Override
    public float[][] encodeTexts(List<String> texts, boolean normalize) {
        throw new UnsupportedOperationException("use encodeTokens");
    }

    @Override
    public float[][] encodeTokens(int[][] tokens, boolean normalize) {
        int vocab = model.info().vocabSize();
        int[][] folded = new int[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            folded[i] = new int[tokens[i].length];
            boolean ended = false;
            for (int j = 0; j < tokens[i].length; j++) {
                int t = tokens[i][j];
                // Keep the end-of-text position (the text tower pools at the arg-max id) as the largest id.
                folded[i][j] = ended ? 0 : t == ClipTokenizer.END_OF_TEXT ? vocab - 1 : Math.floorMod(t, vocab - 1);
                ended |= t == ClipTokenizer.END_OF_TEXT;
            }
        }
        return model.encodeTokens(folded, normalize);
    }

}
