package io.clipkit.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipTokenizer;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heap-based merge used for long words gives exactly the result of CLIP's merge loop (which
 * the golden corpora check against the reference) on words of every kind and length.
 */
class BpeMergeTest {
    private static BpeTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        tok = (BpeTokenizer) ClipTokenizer.load(TestFiles.vocabulary());
    }

    private static void check(String word) {
        int[] sym = tok.initialSymbols(word);
        assertArrayEquals(tok.mergeSimple(sym), tok.mergeWithHeap(sym), () -> Golden.escape(word));
    }

    @Test
    void goldenCorpusWords() {
        int n = 0;
        for (String file : new String[] {"tokens/corpus.jsonl", "tokens/random.jsonl"}) {
            for (Golden.Case c : Golden.read(file)) {
                for (String w : PreTokenizer.split(BpeTokenizer.clean(c.text()))) {
                    check(w);
                    n++;
                }
            }
        }
        assertTrue(n > 3000, "words checked: " + n);
    }

    @Test
    void randomAndRepetitiveWords() {
        Random rnd = new Random(11);
        String[] alphabets = {"ab", "a", "abc", "etaoinshrdlu", "abcdefghijklmnopqrstuvwxyz",
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "日本語中文字的一是不了", "😀👍🏽❤", "ßçéèêëñöü", "lo"};
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String alphabet = alphabets[rnd.nextInt(alphabets.length)];
            int len = 1 + rnd.nextInt(i < 1200 ? 60 : 1500);
            StringBuilder sb = new StringBuilder();
            int[] cps = alphabet.codePoints().toArray();
            for (int k = 0; k < len; k++) {
                sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            words.add(sb.toString());
        }
        words.add("a".repeat(2000));
        words.add("ab".repeat(1000));
        words.add("supercalifragilisticexpialidocious".repeat(20));
        words.forEach(BpeMergeTest::check);
    }
}
