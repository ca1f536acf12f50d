package io.clipkit.cli;

import io.clipkit.DType;
import io.clipkit.Activation;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.ClipModel;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clip embed}: image and text embeddings from a checkpoint. An input that fails (an
 * unreadable image, a text too long for the context) is reported by name and the others are still
 * embedded; the exit code is then 1.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Print image and text embeddings (L2-normalized unless --raw).",
            "With --json: one JSON line per input, {\"type\": \"image\"|\"text\", \"input\": ..., \"embedding\": [...]}.",
            "Exit 1 if any input failed (the others are still printed)."})
final class EmbedCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin ModelOptionsMixin modelOptions;

    @picocli.CommandLine.Mixin DecodeOptionsMixin decode;

    @Option(names = "--image", paramLabel = "FILE", description = "An image to embed (repeatable).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to embed (repeatable).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--json", description = "JSON Lines output.")
    boolean json;

    @Option(names = "--raw", description = "Print the embeddings as the model outputs them, not L2-normalized.")
    boolean raw;

    private record Result(String type, String input, float[] embedding) {}

    @Override
    public Integer call() throws IOException {
        if (images.isEmpty() && texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give at least one --image FILE or --text TEXT");
        }
        modelOptions.check();
        decode.check();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int failed = 0;
        List<Result> results = new ArrayList<>();
        try (ClipModel clip = modelOptions.load()) {
            // Preprocess / tokenize one by one so a bad input is named and skipped; run the rest batched.
            io.clipkit.ImagePreprocessor pre = decode.preprocessor(clip);
            List<float[]> pixels = new ArrayList<>();
            List<Path> okImages = new ArrayList<>();
            for (Path image : images) {
                try {
                    pixels.add(pre.preprocess(image));
                    okImages.add(image);
                } catch (IOException | IllegalArgumentException e) {
                    err.println("clip embed: " + describe(image.toString(), e));
                    failed++;
                }
            }
            float[][] img = clip.encodePreprocessed(pixels, !raw);
            for (int i = 0; i < img.length; i++) {
                results.add(new Result("image", okImages.get(i).toString(), img[i]));
            }
            List<int[]> rows = new ArrayList<>();
            List<String> okTexts = new ArrayList<>();
            int vocabSize = clip.info().vocabSize();
            for (String text : texts) {
                try {
                    int[] row = clip.tokenizer().encodeForModel(text, clip.info().contextLength(), false);
                    int bad = java.util.Arrays.stream(row).filter(id -> id >= vocabSize).findFirst().orElse(-1);
                    if (bad >= 0) {
                        // A mismatched checkpoint/vocabulary pair: name it, not the encoder's index check.
                        err.println("clip embed: text \"" + abbreviate(text) + "\" has token id " + bad + ", but model "
                                + clip.info().name() + " has only " + vocabSize + " token embeddings: its checkpoint and "
                                + "the vocabulary file do not belong together");
                        failed++;
                        continue;
                    }
                    rows.add(row);
                    okTexts.add(text);
                } catch (IllegalArgumentException e) {
                    // The tokenizer's message quotes the text already.
                    err.println("clip embed: " + e.getMessage());
                    failed++;
                }
            }
            float[][] txt = clip.encodeTokens(rows.toArray(new int[0][]), !raw);
            for (int i = 0; i < txt.length; i++) {
                results.add(new Result("text", okTexts.get(i), txt[i]));
            }
            print(out, clip.info(), results);
        }
        return failed == 0 ? 0 : ClipCommand.EXIT_FAILURE;
    }

    private void print(PrintWriter out, ModelInfo info, List<Result> results) throws IOException {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            for (Result r : results) {
                ObjectNode o = mapper.createObjectNode();
                o.put("type", r.type());
                o.put("input", r.input());
                ArrayNode a = o.putArray("embedding");
                for (float v : r.embedding()) {
                    a.add(v);
                }
                out.println(mapper.writeValueAsString(o));
            }
        } else {
            out.printf(Locale.ROOT, "model %s (%s, %d-d, %dpx, sha256 %s, %s)%n", info.name(), info.architecture(),
                    info.embedDim(), info.imageResolution(), info.checkpointSha256().substring(0, 12), info.device());
            for (Result r : results) {
                double n = 0;
                for (float v : r.embedding()) {
                    n += (double) v * v;
                }
                StringBuilder head = new StringBuilder();
                for (int i = 0; i < Math.min(4, r.embedding().length); i++) {
                    head.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", r.embedding()[i]));
                }
                out.printf(Locale.ROOT, "%-5s  %s  norm %.4f  [%s, ...]%n", r.type(),
                        r.type().equals("text") ? "\"" + abbreviate(r.input()) + "\"" : r.input(), Math.sqrt(n), head);
            }
        }
        out.flush();
    }

    private static String describe(String what, Exception e) {
        String m = e.getMessage() == null ? null : CliNames.cli(e.getMessage());
        return m != null && m.contains(what) ? m : what + ": " + (m == null ? e.getClass().getSimpleName() : m);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
