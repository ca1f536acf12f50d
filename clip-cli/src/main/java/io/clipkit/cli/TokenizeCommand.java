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
        footer = {"", "The vocabulary (" + TokenizeCommand.VOCAB_FILE + ") is CLIP's, bundled; --vocab takes another file."})
final class TokenizeCommand implements Callable<Integer> {
    static final String VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "One JSON object per line: {\"text\": ..., \"ids\": [...]}.")
    boolean json;

    @Option(names = "--vocab", paramLabel = "PATH", description = "The BPE merges file (" + VOCAB_FILE + "). Default: CLIP's, bundled.")
    Path vocab;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts;

    @Override
    public Integer call() throws IOException {
        ClipTokenizer tokenizer = io.clipkit.registry.ClipHome.tokenizer(vocab, null);
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

}
