package io.clipkit.model.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.text.BpeTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transformers folder's CLIP tokenizer: {@code vocab.json} + {@code merges.txt} (the slow
 * tokenizer's files), or the vocabulary and merges inside {@code tokenizer.json} (the fast one's).
 * The text is cleaned as CLIP's own tokenizer does (ftfy, HTML unescaping), which transformers'
 * fast tokenizer does not do; for ordinary text the ids are the same.
 */
final class HubTokenizer {
    private HubTokenizer() {}

    static BpeTokenizer read(List<Path> files) throws IOException {
        if (files.size() == 2) {
            Path vocabFile = files.get(0);
            Path mergesFile = files.get(1);
            Map<String, Integer> vocab = vocab(HubConfigs.readJson(vocabFile), vocabFile.toString());
            List<String> lines = new ArrayList<>(Files.readAllLines(mergesFile, StandardCharsets.UTF_8));
            if (!lines.isEmpty() && lines.get(0).startsWith("#version")) {
                lines.remove(0);
            }
            return BpeTokenizer.fromVocabulary(vocab, lines, vocabFile.getFileName() + " + " + mergesFile);
        }
        Path file = files.get(0);
        JsonNode model = HubConfigs.readJson(file).path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || !model.path("end_of_word_suffix").asText("</w>").equals("</w>")) {
            throw new IOException(file + ": model.type " + model.path("type") + " / end_of_word_suffix "
                    + model.path("end_of_word_suffix") + " is not CLIP's byte-pair encoding");
        }
        Map<String, Integer> vocab = vocab(model.path("vocab"), file + " model.vocab");
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) {
                merges.add(m.asText());
            } else if (m.isArray() && m.size() == 2) {
                merges.add(m.get(0).asText() + " " + m.get(1).asText()); // tokenizers >= 0.20 writes pairs
            } else {
                throw new IOException(file + ": model.merges entry " + m + " is neither \"a b\" nor [a, b]");
            }
        }
        return BpeTokenizer.fromVocabulary(vocab, merges, file.toString());
    }

    private static Map<String, Integer> vocab(JsonNode n, String where) throws IOException {
        if (!n.isObject() || n.isEmpty()) {
            throw new IOException(where + ": expected a JSON object of token -> id");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().canConvertToInt()) {
                throw new IOException(where + ": token '" + e.getKey() + "' has id " + e.getValue() + ", not an integer");
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }
}
