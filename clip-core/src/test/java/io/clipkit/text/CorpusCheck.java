package io.clipkit.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Compares the Java tokenizer (and its ftfy) with a reference corpus file of any size, e.g. the
 * stress corpus of models/tools/tokens/stress_corpus.py. Run by bench/tokenizer-check.sh.
 * Usage: CorpusCheck VOCAB.gz CORPUS.jsonl...; exit status 1 if any string differs.
 */
public final class CorpusCheck {
    private CorpusCheck() {}

    public static void main(String[] args) throws IOException {
        ClipTokenizer tok = ClipTokenizer.load(Path.of(args[0]));
        ObjectMapper json = new ObjectMapper();
        int total = 0;
        int badIds = 0;
        int badFtfy = 0;
        for (int a = 1; a < args.length; a++) {
            try (BufferedReader r = Files.newBufferedReader(Path.of(args[a]), StandardCharsets.UTF_8)) {
                String line;
                int no = 0;
                while ((line = r.readLine()) != null) {
                    no++;
                    JsonNode n = json.readTree(line);
                    String text = n.get("text").asText();
                    int[] want = json.treeToValue(n.get("ids"), int[].class);
                    total++;
                    String fixed = Ftfy.fixText(text);
                    if (n.has("ftfy") && !fixed.equals(n.get("ftfy").asText())) {
                        badFtfy++;
                        if (badFtfy <= 20) {
                            System.out.println("FTFY " + args[a] + ":" + no + " \"" + Golden.escape(text)
                                    + "\"\n  want \"" + Golden.escape(n.get("ftfy").asText())
                                    + "\"\n  got  \"" + Golden.escape(fixed) + "\"");
                        }
                    }
                    int[] got;
                    try {
                        got = tok.encode(text);
                    } catch (RuntimeException e) {
                        got = new int[0];
                        e.printStackTrace(System.out);
                    }
                    if (!Arrays.equals(got, want)) {
                        badIds++;
                        if (badIds <= 20) {
                            System.out.println("IDS " + args[a] + ":" + no + " \"" + Golden.escape(text)
                                    + "\"\n  want " + Arrays.toString(want) + "\n  got  " + Arrays.toString(got)
                                    + "\n  clean \"" + Golden.escape(BpeTokenizer.clean(text)) + "\"");
                        }
                    }
                }
            }
        }
        System.out.printf("%d strings: %d with different ids, %d with different ftfy output%n",
                total, badIds, badFtfy);
        System.exit(badIds == 0 && badFtfy == 0 ? 0 : 1);
    }
}
