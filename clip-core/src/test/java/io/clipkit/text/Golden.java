package io.clipkit.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The golden corpora written by models/tools/tokens/make_token_fixtures.py. */
final class Golden {
    record Case(String file, int line, String text, int[] ids, String ftfy) {}

    static final String[] FILES = {"tokens/corpus.jsonl", "tokens/random.jsonl"};

    private Golden() {}

    static List<Case> read(String relative) {
        ObjectMapper json = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        try {
            int line = 0;
            for (String l : Files.readAllLines(TestFiles.fixture(relative), StandardCharsets.UTF_8)) {
                line++;
                if (l.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(l);
                JsonNode idsNode = n.get("ids");
                int[] ids = new int[idsNode.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = idsNode.get(i).asInt();
                }
                cases.add(new Case(relative, line, n.get("text").asText(), ids, n.get("ftfy").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    /** A string with everything outside printable ASCII escaped, for failure messages. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                sb.append((char) cp);
            } else {
                sb.append(String.format(cp > 0xFFFF ? "\\U%08x" : "\\u%04x", cp));
            }
        });
        return sb.toString();
    }
}
