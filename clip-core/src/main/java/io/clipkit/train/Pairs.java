package io.clipkit.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.PromptTemplates;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The image-caption pairs of a data set, in file order. */
final class Pairs {
    private Pairs() {}

    /** One image and the captions to choose from; {@code where} names its origin (file:line). */
    record Pair(Path image, List<String> captions, String where) {}

    /** The extensions a folder-per-class data set takes (those {@code clip tag} discovers). */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "jfif", "png", "gif", "bmp", "tif",
            "tiff", "webp");

    static List<Pair> read(Path data, List<String> templates) throws IOException {
        if (!Files.exists(data)) {
            throw new NoSuchFileException(data.toString(), null, "training data does not exist");
        }
        List<Pair> pairs;
        if (Files.isDirectory(data)) {
            pairs = folders(data, templates);
        } else {
            String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
                pairs = jsonl(data);
            } else if (name.endsWith(".tsv") || name.endsWith(".txt")) {
                pairs = tsv(data);
            } else {
                throw new IllegalArgumentException(data + ": training data must be a .tsv or .jsonl file, or a folder "
                        + "with one sub-folder of images per class");
            }
        }
        if (pairs.size() < 2) {
            throw new IllegalArgumentException(data + ": " + pairs.size()
                    + " image-caption pairs; contrastive training needs at least 2");
        }
        return pairs;
    }

    private static Path image(Path file, String path, String where) {
        if (path.isBlank()) {
            throw new IllegalArgumentException(where + ": empty image path");
        }
        Path p = Path.of(path);
        Path base = file.toAbsolutePath().getParent();
        return p.isAbsolute() || base == null ? p : base.resolve(p).normalize();
    }

    private static String caption(String c, String where) {
        if (c == null || c.isBlank()) {
            throw new IllegalArgumentException(where + ": empty caption");
        }
        return c.strip();
    }

    static List<Pair> tsv(Path file) throws IOException {
        List<Pair> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (n == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + n;
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IllegalArgumentException(where + ": expected path<TAB>caption, found no tab");
                }
                out.add(new Pair(image(file, line.substring(0, tab).strip(), where),
                        List.of(caption(line.substring(tab + 1), where)), where));
            }
        }
        return out;
    }

    static List<Pair> jsonl(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Pair> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + n;
                JsonNode o;
                try {
                    o = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": not a JSON object: " + e.getOriginalMessage());
                }
                if (o == null || !o.isObject() || !o.path("image").isTextual()) {
                    throw new IllegalArgumentException(where + ": expected {\"image\": \"path\", \"caption\": \"...\"}");
                }
                List<String> captions = new ArrayList<>();
                if (o.has("caption")) {
                    captions.add(caption(o.get("caption").isTextual() ? o.get("caption").asText() : null, where));
                }
                if (o.has("captions")) {
                    JsonNode a = o.get("captions");
                    if (!a.isArray() || a.isEmpty()) {
                        throw new IllegalArgumentException(where + ": \"captions\" must be a non-empty array of strings");
                    }
                    for (JsonNode c : a) {
                        captions.add(caption(c.isTextual() ? c.asText() : null, where));
                    }
                }
                if (captions.isEmpty()) {
                    throw new IllegalArgumentException(where + ": empty caption (no \"caption\" or \"captions\")");
                }
                out.add(new Pair(image(file, o.get("image").asText().strip(), where), List.copyOf(captions), where));
            }
        }
        return out;
    }

    /** One sub-folder per class: its name (underscores as spaces) through every template. */
    static List<Pair> folders(Path root, List<String> templates) throws IOException {
        List<Pair> out = new ArrayList<>();
        List<Path> classes;
        try (Stream<Path> s = Files.list(root)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path dir : classes) {
            String label = dir.getFileName().toString().replace('_', ' ').strip();
            if (label.isEmpty()) {
                continue;
            }
            List<String> captions = templates.stream().map(t -> PromptTemplates.apply(t, label)).toList();
            List<Path> images;
            try (Stream<Path> s = Files.list(dir)) {
                images = s.filter(Files::isRegularFile).filter(Pairs::isImage).sorted().toList();
            }
            for (Path img : images) {
                out.add(new Pair(img, captions, img.toString()));
            }
        }
        return out;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
