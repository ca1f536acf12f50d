package io.clipkit.cli;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.batch.ClassifyStages;
import io.clipkit.batch.ResultJson;
import io.clipkit.util.Trace;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/** {@code clip classify IMAGE... --labels a,b,c}: zero-shot classification of image files. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Zero-shot classify images against labels.",
            "Prints a table per image, or with --json one JSON line per image. A bad image is reported on stderr "
                    + "and the others are still classified (exit 1). For folders of photos use 'clip tag'."})
final class ClassifyCommand implements Callable<Integer> {
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

        int[] failed = {0};
        try (ClipModel model = modelOptions.load();
             // The stages start decoding at once, up to one batch ahead: the first batch while the
             // labels are embedded, the next ones while a batch is encoded.
             ClassifyStages stages = ClassifyStages.start(decode.preprocessor(model), images, modelOptions.batchSize());
             ZeroShotClassifier classifier = builder.model(model).build()) {
            Trace.mark("classify: labels embedded");
            try {
                stages.run(model, classifier, c -> {
                    if (c.error().isPresent()) {
                        failed[0]++;
                        err.println("clip classify: " + c.image().map(Path::toString).orElse("?") + ": "
                                + CliNames.cli(c.error().get()));
                        err.flush();
                        return;
                    }
                    print(out, c);
                    out.flush();
                    if (out.checkError()) {
                        // PrintWriter swallows write errors: results that cannot be delivered end the run.
                        throw new UncheckedIOException(new IOException(
                                "cannot write the results to standard output (closed pipe or full disk)"));
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        Trace.mark("classify: done");
        return failed[0] == 0 ? 0 : 1;
    }

    private void print(PrintWriter out, Classification c) {
        if (json) {
            out.println(ResultJson.classification(c));
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
}
