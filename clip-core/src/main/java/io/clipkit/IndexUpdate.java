package io.clipkit;

import java.io.IOException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@link EmbeddingIndex.Updater} run. The embedding is {@link Tagger}'s own pipeline (discovery,
 * triage by path/size/mtime then SHA-256, bounded decoding, batched encoding, the index sink), so
 * {@code clip index} and {@code clip tag} fill the same entries the same way and a broken file is
 * handled identically. Tagging needs labels, so the run ranks against one placeholder label and
 * drops the ranking; the pipeline gets an {@link ImageOnlyModel}, so no text is ever encoded. (When
 * the staged pipeline has an embed-only sink, this becomes a direct call.)
 * Afterwards the entries under the inputs that this run did not embed or find are removed.
 */
final class IndexUpdate {
    /**
     * Ranked against and thrown away; see the class comment. A string no one labels with, since the
     * JVM-wide label-embedding cache keys entries by checkpoint and label.
     */
    private static final String PLACEHOLDER_LABEL = "\u0001clipkit index: no label";

    private final EmbeddingIndex index;
    private final ClipModel model;
    private final ImagePreprocessor preprocessor;
    private final boolean recursive;
    private final boolean keepMissing;
    private final int batchSize;
    private final int threads;
    private final List<String> includes;
    private final List<String> excludes;
    private final Duration decodeTimeout;
    private final TagListener listener;

    IndexUpdate(EmbeddingIndex index, ClipModel model, ImagePreprocessor preprocessor, boolean recursive,
            boolean keepMissing, int batchSize, int threads, List<String> includes, List<String> excludes,
            Duration decodeTimeout, TagListener listener) {
        this.index = index;
        this.model = model;
        this.preprocessor = preprocessor != null ? preprocessor : model.preprocessor();
        this.recursive = recursive;
        this.keepMissing = keepMissing;
        this.batchSize = batchSize;
        this.threads = threads;
        this.includes = includes;
        this.excludes = excludes;
        this.decodeTimeout = decodeTimeout;
        this.listener = listener;
    }

    EmbeddingIndex.UpdateSummary run(List<Path> inputs) throws IOException {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("no input files or folders given");
        }
        long t0 = System.nanoTime();
        Tagger.Builder b = Tagger.builder(new ImageOnlyModel(model)).preprocessor(preprocessor, index.key().preprocessing())
                .labels(List.of(PLACEHOLDER_LABEL)).templates(List.of("{}")).topK(1).recursive(recursive)
                .batchSize(batchSize).threads(threads).decodeTimeout(decodeTimeout).index(index.file());
        includes.forEach(b::include);
        excludes.forEach(b::exclude);
        Set<String> present = new HashSet<>();
        List<TagResult> failures = new ArrayList<>();
        TagSummary s = b.build().run(inputs, new TagListener() {
            @Override
            public void discovered(long files, boolean complete) {
                listener.discovered(files, complete);
            }

            @Override
            public void result(TagResult r) {
                TagResult plain = new TagResult(r.path(), r.status(), r.size(), r.mtime(), List.of(), r.error(), r.note());
                if (r.status() == TagResult.Status.OK) {
                    present.add(EmbeddingIndex.absolute(r.path()));
                } else if (r.status() == TagResult.Status.ERROR) {
                    failures.add(plain);
                }
                listener.result(plain);
            }

            @Override
            public void resumed(Path path) {
                listener.resumed(path);
            }

            @Override
            public void warning(String message) {
                listener.warning(message);
            }
        });
        long removed = prune(inputs, present);
        return new EmbeddingIndex.UpdateSummary(s.encoded(), s.cacheHits(), s.failed(), removed, index.size(),
                failures, Duration.ofNanos(System.nanoTime() - t0), false);
    }

    /**
     * Drops the entries this run covered but did not see as images: gone (unless keepMissing),
     * or now failing (their vector describes content that is no longer there).
     */
    private long prune(List<Path> inputs, Set<String> present) throws IOException {
        List<String> dirs = new ArrayList<>();
        Set<String> files = new HashSet<>();
        for (Path in : inputs) {
            String abs = EmbeddingIndex.absolute(in);
            if (Files.isDirectory(in)) {
                dirs.add(abs.endsWith(File.separator) ? abs : abs + File.separator);
            } else {
                files.add(abs);
            }
        }
        List<String> stale = new ArrayList<>();
        index.cache().scanPaths(p -> {
            if (present.contains(p) || !covered(p, dirs, files)) {
                return;
            }
            if (keepMissing && !Files.exists(Path.of(p))) {
                return;
            }
            stale.add(p);
        });
        return stale.isEmpty() ? 0 : index.remove(stale);
    }

    private boolean covered(String p, List<String> dirs, Set<String> files) {
        if (files.contains(p)) {
            return true;
        }
        for (String d : dirs) {
            if (p.startsWith(d) && (recursive || p.indexOf(File.separatorChar, d.length()) < 0)) {
                return true;
            }
        }
        return false;
    }
}
