package io.clipkit.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipTokenizer;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTokenizerTest {
    private static ClipTokenizer tok;

    @BeforeAll
    static void load() throws IOException {
        tok = ClipTokenizer.load(TestFiles.vocabulary());
    }

    @Test
    void encodeForModelPadsWithZeros() {
        int[] ids = tok.encode("a photo of a cat.");
        int[] row = tok.encodeForModel("a photo of a cat.", 77, false);
        assertEquals(77, row.length);
        assertArrayEquals(ids, Arrays.copyOf(row, ids.length));
        for (int i = ids.length; i < 77; i++) {
            assertEquals(0, row[i], "padding at " + i);
        }
    }

    @Test
    void exactlyContextLengthIsNotTruncated() {
        String text = "word ".repeat(75); // 75 tokens + start + end = 77
        int[] ids = tok.encode(text);
        assertEquals(77, ids.length);
        assertArrayEquals(ids, tok.encodeForModel(text, 77, false));
    }

    @Test
    void tooLongIsAnErrorNamingCountAndLimit() {
        String text = "word ".repeat(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.encodeForModel(text, 77, false));
        assertTrue(e.getMessage().contains("102 tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("77"), e.getMessage());
    }

    @Test
    void truncationKeepsTheFirstTokensAndEnds() {
        String text = "word ".repeat(100);
        int[] ids = tok.encode(text);
        int[] row = tok.encodeForModel(text, 77, true);
        assertEquals(77, row.length);
        assertArrayEquals(Arrays.copyOf(ids, 76), Arrays.copyOf(row, 76));
        assertEquals(ClipTokenizer.END_OF_TEXT, row[76]);
    }

    @Test
    void truncationWarningIsReportedOnlyWhenTruncating() {
        List<String> warnings = new ArrayList<>();
        int[] row = tok.encodeForModel("a photo of a " + "very ".repeat(90) + "big dog.", 77, warnings::add);
        assertEquals(ClipTokenizer.END_OF_TEXT, row[76]);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("tokens") && warnings.get(0).contains("77"), warnings.get(0));
        tok.encodeForModel("a photo of a dog.", 77, warnings::add);
        assertEquals(1, warnings.size());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> tok.encode(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.encodeForModel("cat", 1, true));
        assertTrue(e.getMessage().contains("1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {49408}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void decodeAsSimpleTokenizer() {
        // expected strings from reference_tokenizer.py's decode
        assertEquals("a photo of a cat . ", tok.decode(tok.encodeForModel("a photo of a cat.", 77, false)));
        assertEquals("café 😀 日本 ", tok.decode(tok.encode("Café 😀 日本")));
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        List<Golden.Case> cases = Golden.read("tokens/random.jsonl");
        ClipTokenizer fresh = ClipTokenizer.load(TestFiles.vocabulary()); // empty cache: threads race to fill it
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t * 37;
                results.add(pool.submit(() -> {
                    int wrong = 0;
                    for (int i = 0; i < cases.size(); i++) {
                        Golden.Case c = cases.get((i + offset) % cases.size());
                        if (!Arrays.equals(c.ids(), fresh.encode(c.text()))) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(0, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingVocabularyIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("missing.txt.gz");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ClipTokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void notGzipIsNamed(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("vocab.txt.gz"), "#version: 0.2\ni n\n");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void truncatedVocabularyIsNamed(@TempDir Path dir) throws IOException {
        Path small = dir.resolve("small.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(small))) {
            out.write("#version: 0.2\ni n\nt h\n".getBytes(StandardCharsets.UTF_8));
        }
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(small));
        assertTrue(e.getMessage().contains(small.toString()) && e.getMessage().contains("48894"),
                e.getMessage());
    }

    @Test
    void malformedMergeLineIsNamed(@TempDir Path dir) throws IOException {
        StringBuilder sb = new StringBuilder("#version: 0.2\n");
        for (int i = 0; i < BpeTokenizer.MERGES + 5; i++) {
            sb.append(i == 10 ? "broken\n" : "a b\n");
        }
        Path bad = dir.resolve("bad.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bad))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(bad));
        assertTrue(e.getMessage().contains("line 12") && e.getMessage().contains(bad.toString()), e.getMessage());
    }
}
