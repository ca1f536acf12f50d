package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.EmbeddingIndex;
import io.clipkit.ImagePreprocessor;
import io.clipkit.TagListener;
import io.clipkit.TagResult;
import io.clipkit.TagSummary;
import io.clipkit.Tagger;
import io.clipkit.XmpMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code clip tag}: tags folders of photos in batch, resumably, with an embedding index and
 * optional XMP keywords.
 */
@Command(name = "tag", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tag folders of photos in batch: one record per file (JSON Lines, or CSV by --out extension), "
                + "written as it goes; rerun the same command to resume.",
            "Exit codes: 0 every file tagged (or skipped as not a file), 3 some files failed (their records say why), "
                + "1 fatal error, 2 usage error, 4 the model could not be loaded."},
        footer = {"", "Examples:", "  clip tag ~/Pictures -r --labels beach,mountain,city --out tags.jsonl",
            "  clip tag ~/Pictures -r --labels-file labels.txt --xmp sidecar --min-score 0.2 --out tags.csv"})
final class TagCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR|FILE", description = "Folders to search and image files to tag.")
    List<Path> inputs;

    @Mixin LabelOptionsMixin labelOptions;

    @Mixin ModelOptionsMixin modelOptions;

    @Mixin DecodeOptionsMixin decode;

    @Mixin VideoOptionsMixin video;

    @Option(names = {"-r", "--recursive"}, description = "Search sub-folders too.")
    boolean recursive;

    @Option(names = "--include", paramLabel = "GLOB", description = "Only matching files (on the name, or the path below the folder if it has a /). Default: image extensions.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Leave out matching files and folders.")
    List<String> excludes = new ArrayList<>();

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Results file: .jsonl (JSON Lines) or .csv. Without it, JSON Lines go to stdout (no resume).")
    Path out;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "5", description = "Labels kept per file (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--min-score", paramLabel = "S", defaultValue = "0", description = "Leave out labels with a lower probability, in records and XMP (default: ${DEFAULT-VALUE}).")
    float minScore;

    @Option(names = "--xmp", paramLabel = "sidecar|embed", converter = XmpConverter.class,
            description = "Write keywords as XMP: 'sidecar' (<file>.xmp beside each image) or 'embed' (into JPEGs, through "
                    + "symbolic links, keeping owner, mode and mtime; others get a sidecar).")
    XmpMode xmp;

    @Option(names = "--threads", paramLabel = "T", description = "Decoding threads (default: number of CPUs).")
    Integer threads;

    @Option(names = "--force", description = "Redo every file: start the output afresh instead of resuming.")
    boolean force;

    @Option(names = "--decode-memory", paramLabel = "MB", defaultValue = "512",
            description = "Memory spent on decoding at once, and the most one image may need (larger ones are refused "
                    + "before decoding). Default: ${DEFAULT-VALUE}.")
    int decodeMemoryMb;

    @Option(names = "--index", paramLabel = "FILE", description = "Embedding index (SQLite) to use (default: one per model in the cache directory).")
    Path index;

    @Option(names = "--no-index", description = "Do not read or write an embedding index.")
    boolean noIndex;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10", hidden = true,
            description = "Seconds between progress lines when stderr is not a terminal.")
    double progressInterval;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        List<String> labels = labelOptions.labels();
        java.util.Optional<List<String>> templates = labelOptions.templates(); // empty: the model's own
        XmpMode xmpMode = xmp == null ? XmpMode.NONE : xmp;
        for (Path in : inputs) {
            if (in.toString().isEmpty()) {
                // An unset shell variable: never fall back to tagging the current folder.
                throw new CommandLine.ParameterException(spec.commandLine(), "an input path is empty");
            }
        }
        if (noIndex && index != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--index and --no-index exclude each other");
        }
        decode.check();
        video.check();
        ClipModel.Builder mb = modelOptions.builder();
        int intraOp = modelOptions.encoderThreads();
        int encoderCalls = 1;
        if (intraOp == 0 && "cpu".equalsIgnoreCase(modelOptions.device)) {
            // Several batches encoded at once, each on fewer threads: on a few (or shared) cores the
            // per-operation barriers of a multi-threaded encoder cost more than they gain.
            int cpus = Runtime.getRuntime().availableProcessors();
            encoderCalls = Math.min(cpus, 4);
            intraOp = Math.max(1, cpus / encoderCalls);
        }
        mb.threads(intraOp);
        mb.weightsInBackground(true); // decoding starts while the weights load (Tagger waits for them before writing)
        int batchSize = modelOptions.batchSize();
        try (ClipModel m = modelOptions.load(mb)) {
            ImagePreprocessor pre = decode.builder(m).build();
            // Fast decoding gives other pixels: the index key says so (Tagger), and the default index is another file.
            Tagger.Builder b = Tagger.builder(m).preprocessor(pre, decode.exifRotate())
                    .labels(labels).topK(topK)
                    .minScore(minScore).recursive(recursive).xmp(xmpMode).batchSize(batchSize).force(force)
                    .encoderCalls(encoderCalls).decodeMemoryMb(decodeMemoryMb)
                    .decodeTimeout(decode.decodeTimeout()).video(video.options(decode.decodeTimeout()));
            templates.ifPresent(b::templates);
            includes.forEach(b::include);
            excludes.forEach(b::exclude);
            if (threads != null) {
                b.threads(threads);
            }
            PrintWriter stdout = spec.commandLine().getOut();
            if (out != null) {
                b.output(out);
            } else {
                b.stream(stdout);
            }
            if (!noIndex) {
                Path def = EmbeddingIndex.defaultPath(modelOptions.cacheDir(), m.info());
                if (pre.fast()) {
                    def = def.resolveSibling(def.getFileName().toString().replaceFirst("\\.sqlite$", "-fast.sqlite"));
                }
                b.index(index != null ? index : def);
            }
            Progress progress = new Progress();
            TagSummary s;
            try {
                s = b.build().run(inputs, progress);
            } finally {
                progress.close();
            }
            summary(err, s);
            return s.anyFailed() ? ClipCommand.EXIT_PARTIAL : 0;
        }
    }

    /** {@code --xmp} values, any case. */
    static final class XmpConverter implements CommandLine.ITypeConverter<XmpMode> {
        @Override
        public XmpMode convert(String value) {
            try {
                return XmpMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("bad --xmp value '" + value + "': use none, sidecar or embed");
            }
        }
    }

    private void summary(PrintWriter err, TagSummary s) {
        if (s.processed() + s.resumed() == 0) {
            err.println("clip tag: warning: no image files found in " + String.join(", ", inputs.stream().map(Path::toString).toList())
                    + (recursive ? "" : " (sub-folders are searched with -r)") + (includes.isEmpty() ? "" : " matching --include"));
        }
        err.printf(Locale.ROOT, "clip tag: %d ok, %d failed, %d skipped, %d already done (%d of them failed) in %.2f s"
                + " (%.1f files/s; %d images encoded, %d from the index; setup %.1f s)%n", s.ok(), s.failed(), s.skipped(),
                s.resumed(), s.resumedFailed(), s.elapsed().toNanos() / 1e9, s.filesPerSecond(), s.encoded(), s.cacheHits(),
                s.setup().toNanos() / 1e9);
        io.clipkit.Provenance p = s.provenance();
        err.printf(Locale.ROOT, "clip tag: model %s (sha256 %s), %d prompt template(s), device %s, %s (%s)%s%n", p.model(),
                p.checkpointSha256(), p.templates().size(), p.device(), p.dtype().name().toLowerCase(Locale.ROOT), p.kernel(),
                out != null ? "; results in " + out : "");
        err.flush();
    }

    /** Progress on stderr: a bar on a terminal, a line every few seconds otherwise. */
    private final class Progress implements TagListener, AutoCloseable {
        private final PrintWriter err = spec.commandLine().getErr();
        private final ProgressBar bar;
        private final long start = System.nanoTime();
        private long lastLine = System.nanoTime();
        private long done;
        private long failed;
        private long total;
        private boolean totalKnown;

        Progress() {
            this.bar = System.console() != null ? ProgressBars.builder("tag", " files", 1).setInitialMax(-1).build() : null;
        }

        @Override
        public void discovered(long files, boolean complete) {
            total = files;
            totalKnown = complete;
            if (bar != null) {
                bar.maxHint(complete ? files : -1);
            }
        }

        @Override
        public void result(TagResult r) {
            done++;
            if (r.status() == TagResult.Status.ERROR) {
                failed++;
            }
            tick();
        }

        @Override
        public void resumed(Path path) {
            done++;
            tick();
        }

        @Override
        public void warning(String message) {
            err.println("clip tag: warning: " + message);
        }

        private void tick() {
            if (bar != null) {
                bar.stepTo(done);
                bar.setExtraMessage(failed > 0 ? failed + " failed" : "");
                return;
            }
            long now = System.nanoTime();
            if ((now - lastLine) / 1e9 >= progressInterval) {
                lastLine = now;
                double secs = (now - start) / 1e9;
                double rate = done / Math.max(secs, 1e-9);
                String of = totalKnown ? "/" + total : " (" + total + "+ found)";
                String eta = totalKnown && rate > 0 ? String.format(Locale.ROOT, ", ETA %.0f s", (total - done) / rate) : "";
                err.printf(Locale.ROOT, "clip tag: %d%s files, %.1f files/s, %d failed%s%n", done, of, rate, failed, eta);
                err.flush();
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
