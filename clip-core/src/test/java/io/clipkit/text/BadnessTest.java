package io.clipkit.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bitmap matcher of ftfy's badness heuristic agrees with ftfy's regex (translated to
 * java.util.regex by make_text_tables.py) on the golden texts and on random mojibake-like strings.
 */
class BadnessTest {
    @ParameterizedTest
    @ValueSource(strings = {"tokens/corpus.jsonl", "tokens/random.jsonl"})
    void agreesWithRegexOnGoldenTexts(String file) {
        int bad = 0;
        for (Golden.Case c : Golden.read(file)) {
            assertEquals(Ftfy.isBadByRegex(c.text()), Badness.isBad(c.text()), () -> Golden.escape(c.text()));
            bad += Badness.isBad(c.text()) ? 1 : 0;
        }
        assertTrue(bad > 50, "the corpus should contain mojibake: " + bad);
    }

    @Test
    void agreesWithRegexOnRandomStrings() {
        // characters that occur in the heuristic's classes, plus ASCII letters, spaces, newline
        String pool = "ÃÂÎÐØÙ€œŠš¢£Ÿž\u00a0\u00ad®©°·»–—´¡¿×²³µ¹¼½¾±∂†≠™≤≥¥ø≈‚Ä"
                + "ìîïòôúùûπâóàäêвЂГўВРС\u0080\u0085\u009fΒΓΞΟβΆāŒ│┌═▀ÒÖàèéßñabzAZ .,?!\n\tᵹ😀";
        Random rnd = new Random(5);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < 20000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(8);
            for (int k = 0; k < len; k++) {
                sb.appendCodePoint(pool.codePointAt(pool.offsetByCodePoints(0,
                        rnd.nextInt(pool.codePointCount(0, pool.length())))));
            }
            samples.add(sb.toString());
        }
        int bad = 0;
        for (String s : samples) {
            assertEquals(Ftfy.isBadByRegex(s), Badness.isBad(s), () -> Golden.escape(s));
            bad += Badness.isBad(s) ? 1 : 0;
        }
        assertTrue(bad > 1000 && bad < 19000, "samples should be mixed: " + bad);
    }
}
