package io.clipkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reading and checking label lists. Labels may contain spaces and commas; a labels file holds one
 * per line, with {@code #} comment lines and blank lines ignored.
 *
 * <pre>{@code
 * List<String> labels = Labels.readFile(Path.of("labels.txt"));   // "golden retriever", "cat, tabby"
 * List<String> more = Labels.parseCsv("cat,dog,car");
 * }</pre>
 */
public final class Labels {
    private Labels() {}

    /** Splits {@code a,b,c} on commas, trimming each; empty items are kept so that {@link #check} names them. */
    public static List<String> parseCsv(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",", -1)) {
            out.add(s.strip());
        }
        return out;
    }

    /**
     * Reads a list file: one item per line (stripped), {@code #} comment lines and blank lines ignored.
     *
     * @throws IOException naming the file if it cannot be read or is not UTF-8
     */
    public static List<String> readFile(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not a UTF-8 text file", e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException(file + ": " + io.clipkit.util.IoReasons.reason(e), e);
        }
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip();
            if (s.startsWith("\uFEFF")) {
                s = s.substring(1).strip();
            }
            if (!s.isEmpty() && !s.startsWith("#")) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Checks a label list: not empty, no empty or blank label, no duplicates.
     *
     * @return an unmodifiable copy
     * @throws IllegalArgumentException naming the empty positions or the duplicated labels
     */
    public static List<String> check(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("no labels given");
        }
        List<Integer> empty = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        List<String> dups = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            String l = labels.get(i);
            if (l == null || l.isBlank()) {
                empty.add(i + 1);
            } else {
                // CLIP's tokenizer lowercases and collapses whitespace: "Cat" and "cat" are the same
                // prompt and would split one probability between them.
                String key = l.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
                Integer first = seen.putIfAbsent(key, i);
                if (first != null) {
                    String other = labels.get(first);
                    String d = "'" + l + "'" + (other.equals(l) ? ""
                            : " (same as '" + other + "' to CLIP, which ignores case and extra spaces)");
                    if (!dups.contains(d)) {
                        dups.add(d);
                    }
                }
            }
        }
        if (!empty.isEmpty()) {
            throw new IllegalArgumentException("empty label at position " + join(empty) + " of " + labels.size());
        }
        if (!dups.isEmpty()) {
            StringBuilder sb = new StringBuilder("duplicate label");
            sb.append(dups.size() > 1 ? "s " : " ");
            for (int i = 0; i < dups.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(dups.get(i));
            }
            throw new IllegalArgumentException(sb.toString());
        }
        return List.copyOf(labels);
    }

    private static String join(List<Integer> xs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < xs.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(xs.get(i));
        }
        return sb.toString();
    }
}
