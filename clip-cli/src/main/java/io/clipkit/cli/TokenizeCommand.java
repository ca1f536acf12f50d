package io.clipkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clip tokenize [--json] [--vocab PATH] TEXT...}: CLIP token ids of each text, with the
 * start and end tokens, neither padded nor truncated.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the CLIP token ids of texts (start and end tokens included, not padded, "
                + "not truncated), one line per text."},
        footer = {"", "The vocabulary (" + TokenizeCommand.VOCAB_FILE + ") is taken from --vocab, else from "
                + "$CLIPKIT_HOME, $XDG_CACHE_HOME/clipkit or ~/.cache/clipkit."})
final class TokenizeCommand implements Callable<Integer> {
    static final String VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "One JSON object per line: {\"text\": ..., \"ids\": [...]}.")
    boolean json;

    @Option(names = "--vocab", paramLabel = "PATH", description = "The BPE merges file (" + VOCAB_FILE + ").")
    Path vocab;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts;

    /** Environment and home folder used for the vocabulary lookup (replaced in tests). */
    Map<String, String> env = System.getenv();
    String userHome = System.getProperty("user.home");

    @Override
    public Integer call() throws IOException {
        ClipTokenizer tokenizer = ClipTokenizer.load(findVocabulary());
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper mapper = json ? new ObjectMapper() : null;
        for (String text : texts) {
            int[] ids = tokenizer.encode(text);
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", text);
                row.put("ids", ids);
                out.println(mapper.writeValueAsString(row));
            } else {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    if (sb.length() > 0) {
                        sb.append(' ');
                    }
                    sb.append(id);
                }
                out.println(sb);
            }
        }
        out.flush();
        return 0;
    }

    /** --vocab, else the first existing of the default locations; a clear error otherwise. */
    Path findVocabulary() throws IOException {
        if (vocab != null) {
            if (!Files.isRegularFile(vocab)) {
                throw new java.nio.file.NoSuchFileException(vocab.toString(), null,
                        "vocabulary file given by --vocab not found");
            }
            return vocab;
        }
        List<Path> candidates = defaultLocations(env, userHome);
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<String> names = new ArrayList<>();
        candidates.forEach(p -> names.add(p.toString()));
        throw new IOException("CLIP vocabulary not found: looked for " + String.join(", ", names)
                + ". Put " + VOCAB_FILE + " in one of these folders (or set $CLIPKIT_HOME) or pass --vocab PATH");
    }

    static List<Path> defaultLocations(Map<String, String> env, String userHome) {
        List<Path> dirs = new ArrayList<>();
        String home = env.get("CLIPKIT_HOME");
        if (home != null && !home.isBlank()) {
            dirs.add(Path.of(home));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            dirs.add(Path.of(xdg, "clipkit"));
        }
        if (userHome != null && !userHome.isBlank()) {
            dirs.add(Path.of(userHome, ".cache", "clipkit"));
        }
        List<Path> files = new ArrayList<>();
        for (Path d : dirs) {
            files.add(d.resolve(VOCAB_FILE));
        }
        return files;
    }
}
