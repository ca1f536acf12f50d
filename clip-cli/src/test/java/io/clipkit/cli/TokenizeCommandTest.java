package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.testing.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class TokenizeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs `clip tokenize` with the given environment for the vocabulary lookup. */
    private int run(Map<String, String> env, String home, String... args) {
        CommandLine cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = "tokenize";
        System.arraycopy(args, 0, full, 1, args.length);
        return cl.execute(full);
    }

    @Test
    void printsIdsWithStartAndEnd() {
        String vocab = TestFiles.vocabulary().toString();
        assertEquals(0, run(Map.of(), null, "--vocab", vocab, "a photo of a cat.", "It's"));
        List<String> lines = out.toString().lines().toList();
        // ids from models/tools/tokens/reference_tokenizer.py
        assertEquals(List.of("49406 320 1125 539 320 2368 269 49407", "49406 585 568 49407"), lines);
    }

    @Test
    void jsonLinesUnpaddedAndUntruncated() throws Exception {
        String vocab = TestFiles.vocabulary().toString();
        String longText = "word ".repeat(100);
        assertEquals(0, run(Map.of(), null, "--json", "--vocab", vocab, "a photo of a cat.", longText));
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size());
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertEquals("a photo of a cat.", first.get("text").asText());
        assertEquals("[49406,320,1125,539,320,2368,269,49407]", first.get("ids").toString());
        JsonNode second = json.readTree(lines.get(1));
        assertEquals(102, second.get("ids").size(), "100 words + start + end, not truncated to 77");
    }

    /** A fresh machine: no cache, no --vocab; CLIP's bundled vocabulary gives the reference ids. */
    @Test
    void worksWithoutAnyVocabularyFileUsingTheBundledOne(@TempDir Path dir) throws Exception {
        assertEquals(0, run(Map.of(), null, "a photo of a cat.", "dog"), err.toString());
        assertEquals(List.of("49406 320 1125 539 320 2368 269 49407", "49406 1929 49407"), out.toString().lines().toList());
    }

    @Test
    void missingVocabOptionFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.txt.gz");
        assertEquals(1, run(Map.of(), null, "--vocab", missing.toString(), "cat"));
        assertTrue(err.toString().contains(missing.toString()), err.toString());
    }

    @Test
    void corruptVocabularyIsNamed(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.txt.gz"), "not gzip");
        assertEquals(1, run(Map.of(), null, "--vocab", bad.toString(), "cat"));
        assertTrue(err.toString().contains(bad.toString()), err.toString());
    }

    /** Regression: an empty file said "...: null"; each bad file gets a reason and exit 1, no stack trace. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "empty | the file is empty or cut short",
        "notgzip | Not in GZIP format",
        "truncated | Unexpected end of ZLIB input stream",
        "fewmerges | merges; at least 48894 are needed",
    })
    void badVocabularyFilesGetASpecificReason(String kind, String reason, @TempDir Path dir) throws Exception {
        Path f = dir.resolve(kind + ".txt.gz");
        switch (kind) {
            case "empty" -> Files.write(f, new byte[0]);
            case "notgzip" -> Files.writeString(f, "hello");
            case "truncated" -> Files.write(f, java.util.Arrays.copyOf(Files.readAllBytes(TestFiles.vocabulary()), 5000));
            default -> {
                try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(f))) {
                    gz.write("#version: 0.2\nh e\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        assertEquals(1, run(Map.of(), null, "--vocab", f.toString(), "cat"));
        String e = err.toString();
        assertTrue(e.startsWith("clip tokenize: ") && e.contains(f.toString()) && e.contains(reason), e);
        assertFalse(e.contains("null") || e.contains("\tat "), e);
    }

    @Test
    void noTextIsAUsageError() {
        assertEquals(2, run(Map.of(), null));
        assertTrue(err.toString().contains("Usage"), err.toString());
    }
}
