package io.clipkit.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.clipkit.ClipTokenizer;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every id of the reference tokenizer's golden corpora (designed and randomized) must match. */
class TokenizerGoldenTest {
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = ClipTokenizer.load(TestFiles.vocabulary());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokens/corpus.jsonl", "tokens/random.jsonl", "tokens/long.jsonl"})
    void idsMatchReference(String file) {
        List<Golden.Case> cases = Golden.read(file);
        assertTrue(cases.size() >= (file.contains("long") ? 8 : 300), "corpus too small: " + cases.size());
        List<String> bad = new ArrayList<>();
        for (Golden.Case c : cases) {
            int[] got;
            try {
                got = tokenizer.encode(c.text());
            } catch (RuntimeException e) {
                bad.add(c.file() + ":" + c.line() + " \"" + Golden.escape(c.text()) + "\" threw " + e);
                continue;
            }
            if (!Arrays.equals(got, c.ids())) {
                bad.add(c.file() + ":" + c.line() + " \"" + Golden.escape(c.text()) + "\"\n  expected "
                        + Arrays.toString(c.ids()) + "\n  got      " + Arrays.toString(got)
                        + "\n  cleaned  \"" + Golden.escape(BpeTokenizer.clean(c.text())) + "\"");
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " of " + cases.size() + " strings differ:\n" + String.join("\n", bad));
        }
    }
}
