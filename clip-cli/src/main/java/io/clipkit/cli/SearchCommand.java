package io.clipkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.ClipModel;
import io.clipkit.EmbeddingIndex;
import io.clipkit.Search;
import io.clipkit.SearchHit;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clip search}: finds indexed photos by text, by example, or both. */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search the photos 'clip index' (or 'clip tag') embedded: by text, by example images, or both. "
                + "Texts are embedded as written; each --image adds that image, each --not subtracts a text; "
                + "every indexed image is scored by cosine with the normalised sum.",
            "Exit codes: 0 success (also with no hits), 1 fatal error (missing or foreign index), 2 usage error, 4 the model could not be loaded."},
        footer = {"", "Examples:", "  clip search \"a dog on the beach\"", "  clip search --image IMG_0042.jpg -k 20 --html similar.html",
            "  clip search \"mountains\" --not \"snow\" --json --min-score 0.2"})
final class SearchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "QUERY", description = "Texts to look for.")
    List<String> queries = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", description = "An example image (its indexed embedding when indexed). Repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--not", paramLabel = "TEXT", description = "A text to subtract from the query. Repeatable.")
    List<String> negatives = new ArrayList<>();

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "10", description = "Hits to show (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--min-score", paramLabel = "S", description = "Leave out hits with a lower cosine (-1..1).")
    Float minScore;

    @Option(names = "--template", paramLabel = "T", description = "Embed each text through this template, containing {} (e.g. 'a photo of {}.').")
    String template;

    @Option(names = "--json", description = "JSON Lines {\"path\": ..., \"score\": ...}, best first.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a contact sheet: a self-contained HTML page with thumbnails.")
    Path html;

    @Option(names = "--exact", description = "Score every image even when an approximate graph exists.")
    boolean exact;

    @Option(names = "--index", paramLabel = "FILE", description = "Embedding index. Default: the model's in the cache directory.")
    Path index;

    @Option(names = "--approximate-above", paramLabel = "N", defaultValue = "" + Search.DEFAULT_APPROXIMATE_ABOVE,
            description = "Use the approximate graph from this many images on (default: ${DEFAULT-VALUE}).")
    long approximateAbove;

    @Mixin ModelOptionsMixin modelOptions;

    @Mixin DecodeOptionsMixin decode;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        if (queries.isEmpty() && images.isEmpty()) {
            throw new CommandLine.ParameterException(cl, "nothing to search for: give a QUERY text or --image FILE");
        }
        if (k < 1) {
            throw new CommandLine.ParameterException(cl, "--top-k must be >= 1, got " + k);
        }
        if (minScore != null && !(minScore >= -1f && minScore <= 1f)) {
            throw new CommandLine.ParameterException(cl, "--min-score must be in -1..1, got " + minScore);
        }
        if (approximateAbove < 1) {
            throw new CommandLine.ParameterException(cl, "--approximate-above must be >= 1, got " + approximateAbove);
        }
        for (Path p : images) {
            if (!Files.isRegularFile(p)) {
                throw new CommandLine.ParameterException(cl, "--image " + p + ": no such file");
            }
        }
        if (index != null && !Files.exists(index)) {
            throw noIndex(index);
        }
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        try (ClipModel m = modelOptions.load()) {
            Path file = index != null ? index : EmbeddingIndex.defaultPath(modelOptions.cacheDir(), m.info());
            EmbeddingIndex.Key key = EmbeddingIndex.Key.of(m.info(),
                    EmbeddingIndex.Key.preprocessing(m.info().imageResolution(), decode.exifRotate()));
            EmbeddingIndex idx;
            try {
                idx = EmbeddingIndex.openExisting(file, key);
            } catch (NoSuchFileException e) {
                throw noIndex(file);
            }
            try (idx) {
                Search.Builder b = Search.builder(idx, m).k(k).exact(exact).approximateAbove(approximateAbove)
                        .warnings(w -> err.println("clip search: warning: " + w));
                queries.forEach(b::text);
                images.forEach(b::image);
                negatives.forEach(b::negative);
                if (template != null) {
                    b.template(template);
                }
                if (minScore != null) {
                    b.minScore(minScore);
                }
                List<SearchHit> hits = b.run();
                print(out, hits);
                if (html != null) {
                    Search.contactSheet(html, title(), hits);
                    err.println("clip search: contact sheet of " + hits.size() + " hits in " + html);
                }
                err.flush();
                return 0;
            }
        }
    }

    private static IOException noIndex(Path file) {
        return new NoSuchFileException(file.toString(), null,
                "no embedding index here: build it with 'clip index DIR' (same --model), or pass --index FILE");
    }

    private String title() {
        List<String> parts = new ArrayList<>();
        queries.forEach(q -> parts.add("\"" + q + "\""));
        images.forEach(p -> parts.add("like " + p.getFileName()));
        negatives.forEach(n -> parts.add("not \"" + n + "\""));
        return "clip search: " + String.join(", ", parts);
    }

    private void print(PrintWriter out, List<SearchHit> hits) throws IOException {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            for (SearchHit h : hits) {
                ObjectNode o = mapper.createObjectNode();
                String key = h.path().toString();
                o.put("path", io.clipkit.video.VideoFrame.source(key));
                if (!key.equals(io.clipkit.video.VideoFrame.source(key))) {
                    o.put("time", Double.parseDouble(key.substring(key.lastIndexOf("#t=") + 3))); // a video frame
                }
                o.put("score", h.score());
                out.println(mapper.writeValueAsString(o));
            }
        } else {
            if (!hits.isEmpty()) {
                out.printf(Locale.ROOT, "%4s  %7s  %s%n", "rank", "score", "path");
            }
            for (SearchHit h : hits) {
                out.printf(Locale.ROOT, "%4d  %7.4f  %s%n", h.rank(), h.score(),
                        io.clipkit.video.VideoFrame.display(h.path().toString())); // a frame: clip.mp4 @ 00:01:12.0
            }
        }
        out.flush();
    }
}
