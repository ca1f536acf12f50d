package io.clipkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt templates: text with one {@code {}} where the label goes. The default is
 * {@value #DEFAULT}; {@link #ensemble()} is clipkit's own ensemble of {@value #ENSEMBLE_SIZE_HINT}
 * templates (photos, close-ups, blurry, cropped, low and high resolution, drawings, paintings,
 * toys, ...), which usually ranks labels more robustly than one template.
 *
 * <pre>{@code
 * List<String> t = PromptTemplates.ensemble();
 * String p = PromptTemplates.apply("a photo of a {}.", "golden retriever");  // a photo of a golden retriever.
 * }</pre>
 */
public final class PromptTemplates {
    /** The single default template. */
    public static final String DEFAULT = "a photo of a {}.";

    /** Approximate number of templates in the built-in ensemble (documentation only). */
    static final int ENSEMBLE_SIZE_HINT = 55;

    private static final String ENSEMBLE_RESOURCE = "prompt-ensemble.txt";
    private static volatile List<String> ensemble;

    private PromptTemplates() {}

    /** The default: {@code [a photo of a {}.]}. */
    public static List<String> defaults() {
        return List.of(DEFAULT);
    }

    /** The built-in ensemble (read once from a resource). */
    public static List<String> ensemble() {
        List<String> e = ensemble;
        if (e == null) {
            try (InputStream in = PromptTemplates.class.getResourceAsStream(ENSEMBLE_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource io/clipkit/" + ENSEMBLE_RESOURCE + " is missing");
                }
                List<String> out = new ArrayList<>();
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = r.readLine()) != null; ) {
                    String s = line.strip();
                    if (!s.isEmpty() && !s.startsWith("#")) {
                        out.add(s);
                    }
                }
                e = check(out);
                ensemble = e;
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return e;
    }

    /** Reads templates from a file: one per line, {@code #} comments and blank lines ignored; checked. */
    public static List<String> readFile(Path file) throws IOException {
        List<String> t = Labels.readFile(file);
        try {
            return check(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks templates: at least one, each containing {@code {}}, no duplicates.
     *
     * @return an unmodifiable copy
     * @throws IllegalArgumentException naming the bad template
     */
    public static List<String> check(List<String> templates) {
        if (templates == null || templates.isEmpty()) {
            throw new IllegalArgumentException("no prompt templates given");
        }
        for (String t : templates) {
            if (t == null || !t.contains("{}")) {
                throw new IllegalArgumentException("prompt template '" + t + "' has no {} where the label goes");
            }
        }
        if (templates.stream().distinct().count() != templates.size()) {
            List<String> seen = new ArrayList<>();
            for (String t : templates) {
                if (seen.contains(t)) {
                    throw new IllegalArgumentException("duplicate prompt template '" + t + "'");
                }
                seen.add(t);
            }
        }
        return List.copyOf(templates);
    }

    /** The prompt for a label: every {@code {}} replaced by it. */
    public static String apply(String template, String label) {
        return template.replace("{}", label);
    }
}
