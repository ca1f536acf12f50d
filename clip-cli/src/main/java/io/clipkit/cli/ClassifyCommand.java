package io.clipkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.util.Trace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clip classify IMAGE... --labels a,b,c}: zero-shot classification of image files. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Zero-shot classify images against labels.",
            "Prints a table per image, or with --json one JSON line per image. A bad image is reported on stderr "
                    + "and the others are still classified (exit 1). For folders of photos use 'clip tag'."})
final class ClassifyCommand implements Callable<Integer> {
    /** Jackson takes ~0.1 s to initialize: only when --json is used (picocli loads every command class). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Mixin LabelOptionsMixin labelOptions;

    @Mixin ModelOptionsMixin modelOptions;

    @Mixin DecodeOptionsMixin decode;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", description = "Show the K most probable labels (default: all).")
    Integer topK;

    @Option(names = "--min-score", paramLabel = "P", description = "Hide labels below this probability (0..1).")
    Float minScore;

    @Option(names = "--json", description = "One JSON object per image per line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Trace.mark("classify: parsed");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Path p : images) {
            if (p.toString().isEmpty()) {
                // Path.of("") is the current folder: name the real mistake instead.
                throw new CommandLine.ParameterException(spec.commandLine(), "empty image argument ('')");
            }
            if (Files.isDirectory(p)) {
                throw new CommandLine.ParameterException(spec.commandLine(), p + " is a folder; classify takes image files. "
                        + "To classify a folder of photos use 'clip tag " + p + " --labels ...'");
            }
        }
        // Usage errors before the (slow) model load.
        List<String> labels;
        List<String> templates;
        try {
            labels = labelOptions.labels();
            templates = labelOptions.templates();
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        ZeroShotClassifier.Builder builder = ZeroShotClassifier.builder().labels(labels).templates(templates)
                .warnings(w -> {
                    err.println("clip classify: warning: " + w);
                    err.flush();
                });
        // Checked here too so the message names the option, not the builder method.
        if (topK != null && topK < 1) {
            throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        }
        if (minScore != null && !(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException("--min-score must be in 0..1, got " + minScore);
        }
        if (topK != null) {
            builder.topK(topK);
        }
        if (minScore != null) {
            builder.minScore(minScore);
        }
        modelOptions.check();
        decode.check();

        int failed = 0;
        int batch = modelOptions.batchSize();
        try (ClipModel model = modelOptions.load();
             // Images are decoded and resized on a background thread, up to one batch ahead: the
             // first batch while the labels are embedded, the next ones while a batch is encoded.
             Prefetch prefetch = new Prefetch(decode.preprocessor(model), images, batch);
             ZeroShotClassifier classifier = builder.model(model).build()) {
            Trace.mark("classify: labels embedded");
            List<Path> names = new ArrayList<>(batch);
            List<float[]> pixels = new ArrayList<>(batch);
            for (int i = 0; i < images.size(); i++) {
                Path p = images.get(i);
                try {
                    pixels.add(prefetch.next());
                    names.add(p);
                } catch (IOException e) {
                    failed++;
                    err.println("clip classify: " + describe(p, e));
                    err.flush();
                }
                if (names.size() == batch || (i == images.size() - 1 && !names.isEmpty())) {
                    float[][] emb = model.encodePreprocessed(pixels, true);
                    Trace.mark("classify: images encoded");
                    for (Classification c : classifier.classifyEmbeddings(names, emb)) {
                        print(out, c);
                    }
                    out.flush();
                    names.clear();
                    pixels.clear();
                }
            }
        }
        Trace.mark("classify: done");
        return failed == 0 ? 0 : 1;
    }

    /** Preprocesses the images in order on one daemon thread, at most {@code window} images ahead of {@link #next}. */
    static final class Prefetch implements AutoCloseable {
        private final ImagePreprocessor pre;
        private final List<Path> images;
        private final int window;
        private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "clipkit-images");
            t.setDaemon(true);
            return t;
        });
        private final ArrayDeque<Future<float[]>> ahead = new ArrayDeque<>();
        private int submitted;

        Prefetch(ImagePreprocessor pre, List<Path> images, int window) {
            this.pre = pre;
            this.images = images;
            this.window = window;
            fill();
        }

        private void fill() {
            while (submitted < images.size() && ahead.size() < window) {
                Path p = images.get(submitted++);
                ahead.add(worker.submit(() -> {
                    float[] px = pre.preprocess(p);
                    Trace.mark("classify: preprocessed " + p);
                    return px;
                }));
            }
        }

        /** The next image's pixels, or the exception its preprocessing threw. */
        float[] next() throws IOException {
            Future<float[]> f = ahead.remove();
            fill();
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading images");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(c);
            }
        }

        @Override
        public void close() {
            worker.shutdownNow();
        }
    }

    static String describe(Path p, IOException e) {
        if (e instanceof ImageDecodeException) {
            return CliNames.cli(e.getMessage());
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return p + ": no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return p + ": permission denied";
        }
        return p + ": " + ClipCommand.describe(e);
    }

    private void print(PrintWriter out, Classification c) throws IOException {
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(toJson(c)));
            return;
        }
        Provenance pv = c.provenance();
        out.println(c.image().map(Path::toString).orElse("?") + "  (" + pv.model() + ")");
        int w = Math.max(5, c.labels().stream().mapToInt(l -> DisplayWidth.of(l.label())).max().orElse(5));
        out.printf(Locale.ROOT, "  %s  %11s  %7s%n", DisplayWidth.padRight("label", w), "probability", "cosine");
        for (LabelScore s : c.labels()) {
            out.printf(Locale.ROOT, "  %s  %11.4f  %7.4f%n", DisplayWidth.padRight(s.label(), w), s.probability(), s.cosine());
        }
    }

    /** One result as the JSON line documented in the README. */
    static ObjectNode toJson(Classification c) {
        Provenance pv = c.provenance();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("image", c.image().map(Path::toString).orElse(null));
        o.put("model", pv.model());
        ArrayNode arr = o.putArray("labels");
        for (LabelScore s : c.labels()) {
            ObjectNode l = arr.addObject();
            l.put("label", s.label());
            l.put("probability", s.probability());
            l.put("cosine", s.cosine());
        }
        o.put("checkpoint_sha256", pv.checkpointSha256());
        o.put("device", pv.device());
        o.put("logit_scale", pv.logitScale());
        ArrayNode t = o.putArray("templates");
        pv.templates().forEach(t::add);
        return o;
    }
}
