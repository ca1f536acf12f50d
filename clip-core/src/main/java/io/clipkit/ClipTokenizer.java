package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;

/**
 * OpenAI CLIP's byte-pair-encoding tokenizer in pure Java, producing identical ids.
 * Thread-safe.
 *
 * <pre>{@code
 * ClipTokenizer tok = ClipTokenizer.load(Path.of("bpe_simple_vocab_16e6.txt.gz"));
 * int[] ids = tok.encode("a photo of a cat.");          // [49406, 320, 1125, 539, 320, 2368, 269, 49407]
 * int[] row = tok.encodeForModel("a photo of a cat.", 77, false);  // zero-padded to 77
 * }</pre>
 */
public interface ClipTokenizer {
    int START_OF_TEXT = 49406;
    int END_OF_TEXT = 49407;

    /** Reads the gzip'd merges file. */
    static ClipTokenizer load(Path mergesGz) throws IOException {
        return io.clipkit.text.BpeTokenizer.load(mergesGz);
    }

    /** Token ids with start and end tokens, neither padded nor truncated. */
    int[] encode(String text);

    /**
     * Ids for the model: start + ids + end, zero-padded to {@code contextLength}. Too long: an
     * {@link IllegalArgumentException} naming the length unless {@code truncate}, which keeps the
     * first {@code contextLength - 1} ids and ends with the end token.
     */
    int[] encodeForModel(String text, int contextLength, boolean truncate);

    /** Decodes ids back to text (special tokens and padding dropped). */
    String decode(int[] ids);
}
