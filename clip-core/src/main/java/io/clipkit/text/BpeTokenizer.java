package io.clipkit.text;

import io.clipkit.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Path;

/** CLIP BPE tokenizer. (Placeholder until the tokenizer lands.) */
public final class BpeTokenizer {
    private BpeTokenizer() {}

    public static ClipTokenizer load(Path mergesGz) throws IOException {
        throw new UnsupportedOperationException("tokenizer is not implemented yet");
    }
}
