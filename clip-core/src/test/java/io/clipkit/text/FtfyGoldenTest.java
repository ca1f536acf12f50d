package io.clipkit.text;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ftfy.fixText against ftfy 6.3.1's fix_text output recorded in the golden corpora. */
class FtfyGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"tokens/corpus.jsonl", "tokens/random.jsonl", "tokens/long.jsonl"})
    void fixTextMatchesFtfy(String file) {
        List<String> bad = new ArrayList<>();
        List<Golden.Case> cases = Golden.read(file);
        for (Golden.Case c : cases) {
            String got = Ftfy.fixText(c.text());
            if (!got.equals(c.ftfy())) {
                bad.add(c.file() + ":" + c.line() + " \"" + Golden.escape(c.text()) + "\"\n  expected \""
                        + Golden.escape(c.ftfy()) + "\"\n  got      \"" + Golden.escape(got) + "\"");
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " of " + cases.size() + " strings differ:\n" + String.join("\n", bad));
        }
    }
}
