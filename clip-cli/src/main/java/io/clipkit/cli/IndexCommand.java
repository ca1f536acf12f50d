package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.EmbeddingIndex;
import io.clipkit.TagResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clip index}: embeds folders of photos into the model's embedding index, for {@code clip search}. */
@Command(name = "index", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed every image under the folders into the model's embedding index (the one 'clip tag' fills), "
                + "for 'clip search'. Rerun it to update: new and changed files are embedded, unchanged ones cost a stat, "
                + "entries of files that are gone are removed (unless --keep-missing).",
            "Exit codes: 0 every image indexed, 3 some files failed (listed on stderr), 1 fatal error, 2 usage error, 4 the model could not be loaded."},
        footer = {"", "Examples:", "  clip index ~/Pictures -r", "  clip index ~/Pictures -r --model ViT-B-16 --index photos.sqlite"})
final class IndexCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "DIR|FILE", description = "Folders to index and image files.")
    List<Path> inputs;

    @Mixin ModelOptionsMixin modelOptions;

    @Mixin DecodeOptionsMixin decode;

    @Option(names = {"-r", "--recursive"}, description = "Search sub-folders too.")
    boolean recursive;

    @Option(names = "--index", paramLabel = "FILE", description = "Embedding index (SQLite). Default: one per model in the cache directory.")
    Path index;

    @Option(names = "--keep-missing", description = "Keep the entries of files that are gone (e.g. an unplugged drive); search still leaves them out.")
    boolean keepMissing;

    @Option(names = "--include", paramLabel = "GLOB", description = "Only matching files. Default: image extensions.")
    List<String> includes = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Leave out matching files and folders.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "T", description = "Decoding threads (default: number of CPUs).")
    Integer threads;

    @Option(names = "--approximate-above", paramLabel = "N", defaultValue = "" + io.clipkit.Search.DEFAULT_APPROXIMATE_ABOVE,
            description = "Build the approximate search graph once the index holds this many images (default: ${DEFAULT-VALUE}).")
    long approximateAbove;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10", hidden = true,
            description = "Seconds between progress lines when stderr is not a terminal.")
    double progressInterval;

    @Override
    public Integer call() throws IOException {
        for (Path in : inputs) {
            if (in.toString().isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "an input path is empty");
            }
        }
        if (approximateAbove < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--approximate-above must be >= 1, got " + approximateAbove);
        }
        decode.check();
        PrintWriter err = spec.commandLine().getErr();
        // The weights load in the background while the first images decode.
        try (ClipModel m = modelOptions.load(modelOptions.builder().weightsInBackground(true))) {
            Path file = index != null ? index : EmbeddingIndex.defaultPath(modelOptions.cacheDir(), m.info());
            EmbeddingIndex.Key key = EmbeddingIndex.Key.of(m.info(),
                    EmbeddingIndex.Key.preprocessing(m.info().imageResolution(), decode.exifRotate()));
            try (EmbeddingIndex idx = EmbeddingIndex.open(file, key); Progress progress = new Progress(err)) {
                EmbeddingIndex.Updater u = idx.updater(m).preprocessor(decode.builder(m.info().imageResolution()).build()).recursive(recursive)
                        .keepMissing(keepMissing).batchSize(modelOptions.batchSize()).approximateAbove(approximateAbove)
                        .decodeTimeout(decode.decodeTimeout()).listener(progress);
                if (threads != null) {
                    u.threads(threads);
                }
                includes.forEach(u::include);
                excludes.forEach(u::exclude);
                EmbeddingIndex.UpdateSummary s = u.update(inputs);
                progress.finish();
                for (TagResult f : s.failures()) {
                    err.println("clip index: failed: " + f.path() + ": " + f.error());
                }
                err.printf(Locale.ROOT, "clip index: %d embedded, %d unchanged, %d failed, %d removed; %d images in %s"
                        + " (%.2f s)%s%n", s.embedded(), s.unchanged(), s.failed(), s.removed(), s.indexed(), file,
                        s.elapsed().toNanos() / 1e9, s.graphBuilt() ? "; approximate search graph rebuilt" : "");
                err.flush();
                return s.failed() > 0 ? ClipCommand.EXIT_PARTIAL : 0;
            }
        }
    }

    /** A bar on a terminal, a line every few seconds otherwise. */
    private final class Progress implements io.clipkit.TagListener, AutoCloseable {
        private final PrintWriter err;
        private final ProgressBar bar;
        private final long start = System.nanoTime();
        private long lastLine = System.nanoTime();
        private long done;
        private long total;
        private boolean closed;

        Progress(PrintWriter err) {
            this.err = err;
            this.bar = System.console() != null ? ProgressBars.builder("index", " files", 1).setInitialMax(-1).build() : null;
        }

        @Override
        public void discovered(long files, boolean complete) {
            total = files;
            if (bar != null) {
                bar.maxHint(complete ? files : -1);
            }
        }

        @Override
        public void result(TagResult r) {
            tick();
        }

        @Override
        public void warning(String message) {
            err.println("clip index: warning: " + message);
        }

        private void tick() {
            done++;
            if (bar != null) {
                bar.stepTo(done);
                return;
            }
            long now = System.nanoTime();
            if ((now - lastLine) / 1e9 >= progressInterval) {
                lastLine = now;
                double rate = done / Math.max((now - start) / 1e9, 1e-9);
                err.printf(Locale.ROOT, "clip index: %d/%d files, %.1f files/s%n", done, total, rate);
                err.flush();
            }
        }

        /** Ends the bar before the summary is printed. */
        void finish() {
            close();
        }

        @Override
        public void close() {
            if (bar != null && !closed) {
                bar.close();
            }
            closed = true;
        }
    }
}
