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

    /**
     * Token ids with start and end tokens, neither padded nor truncated: CLIP's cleaning (ftfy's
     * {@code fix_text}, HTML unescaping twice, whitespace collapsing, Python lower-casing), its
     * pre-tokenization and byte-pair encoding, identical to OpenAI's {@code simple_tokenizer.py}.
     */
    int[] encode(String text);

    /**
     * Ids for the model: start + ids + end, zero-padded to {@code contextLength}. Too long: an
     * {@link IllegalArgumentException} naming the length unless {@code truncate}, which keeps the
     * first {@code contextLength - 1} ids and ends with the end token.
     */
    int[] encodeForModel(String text, int contextLength, boolean truncate);

    /**
     * Like {@code encodeForModel(text, contextLength, true)}, but a text that is too long is also
     * reported to {@code onTruncate} with a message naming its token count and the limit (label
     * prompts are truncated with a warning: {@code tok.encodeForModel(prompt, 77, log::warn)}).
     */
    int[] encodeForModel(String text, int contextLength, java.util.function.Consumer<String> onTruncate);

    /**
     * Decodes ids back to text as {@code simple_tokenizer.decode} does (each word followed by a
     * space); special tokens and padding (0) are dropped.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    String decode(int[] ids);
}
