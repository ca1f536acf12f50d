package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's messages speak of its own settings, not of the command line's flags: a server or a
 * photo app that gets "use --device cpu" cannot follow the advice (the CLI translates; see
 * {@code clip-cli/.../CliNames}).
 */
class CoreMessagesTest {
    /** A flag, a CLI command or a launcher variable inside a string literal. */
    private static final Pattern CLI_WORDS = Pattern.compile(
            "\"[^\"\\n]*(--[a-z][a-z-]+|\\bclip (classify|tag|embed|models|tokenize|preprocess)\\b|CLIP_JAVA_OPTS)[^\"\\n]*\"");

    @Test
    void noCoreMessageNamesACommandLineFlag() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the clip-core module folder");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                        continue; // comments may say what the CLI does
                    }
                    Matcher m = CLI_WORDS.matcher(line);
                    if (m.find()) {
                        found.add(f + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), String.join("\n", found));
    }
}
