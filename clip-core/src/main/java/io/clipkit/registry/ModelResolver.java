package io.clipkit.registry;

import io.clipkit.ModelOptions.Activation;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns what the user passed as {@code --model} into a checkpoint file and its vocabulary: a
 * registry name (downloaded into the cache on first use, with a one-line notice), a checkpoint
 * file, or a folder holding one checkpoint.
 *
 * <pre>{@code
 * ModelResolver r = new ModelResolver(ClipHome.cacheDir(null), new Downloader(), Downloader.SILENT, System.err::println);
 * ModelResolver.Resolved m = r.resolve("ViT-B-32", null);
 * }</pre>
 */
public final class ModelResolver {
    /** Default model for the CLI and examples. */
    public static final String DEFAULT_MODEL = "ViT-B-32";
    /** Checkpoint file endings looked for in a model folder. */
    static final List<String> CHECKPOINT_ENDINGS = List.of(".pt", ".pth", ".bin", ".safetensors", ".ckpt");

    /**
     * A model ready to load.
     *
     * @param name name for provenance (registry name, or the checkpoint's file name)
     * @param checkpoint the checkpoint file
     * @param vocabulary the BPE vocabulary (null only when resolved without needing one)
     * @param activation the registry's activation for it, if it came from the registry
     * @param entry the registry entry, if any
     */
    public record Resolved(String name, Path checkpoint, Path vocabulary, Optional<Activation> activation,
                           Optional<ModelRegistry.Entry> entry) {}

    private final Path cacheDir;
    private final ModelRegistry registry;
    private final Downloader downloader;
    private final Downloader.Listener listener;
    private final Consumer<String> notices;

    public ModelResolver(Path cacheDir, Downloader downloader, Downloader.Listener listener, Consumer<String> notices)
            throws IOException {
        this(cacheDir, ModelRegistry.load(cacheDir), downloader, listener, notices);
    }

    public ModelResolver(Path cacheDir, ModelRegistry registry, Downloader downloader, Downloader.Listener listener,
                         Consumer<String> notices) {
        this.cacheDir = Objects.requireNonNull(cacheDir).toAbsolutePath();
        this.registry = Objects.requireNonNull(registry);
        this.downloader = Objects.requireNonNull(downloader);
        this.listener = Objects.requireNonNull(listener);
        this.notices = Objects.requireNonNull(notices);
    }

    public ModelRegistry registry() {
        return registry;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** Where a registry model lives in the cache. */
    public Path cachedPath(ModelRegistry.Entry e) {
        return cacheDir.resolve("models").resolve(e.file());
    }

    /** Where the shared vocabulary lives in the cache. */
    public Path cachedVocabulary() {
        return cacheDir.resolve(registry.vocabulary().file());
    }

    /**
     * Resolves {@code model} (registry name, checkpoint file or folder) and its vocabulary
     * ({@code vocab} if given, else beside the checkpoint, else in the cache, else downloaded for
     * registry models).
     *
     * @throws IOException with what to download, where to put it, or how to pass {@code --model PATH}
     * @throws IllegalArgumentException if {@code model} is neither a registry name nor an existing path
     */
    public Resolved resolve(String model, Path vocab) throws IOException {
        return resolve(model, vocab, true);
    }

    /**
     * As {@link #resolve(String, Path)}; with {@code needVocabulary} false (inspecting or embedding
     * images only), a vocabulary that is not found is no error: {@link Resolved#vocabulary()} is then
     * null and nothing is downloaded for it. A {@code vocab} given but missing is still an error.
     */
    public Resolved resolve(String model, Path vocab, boolean needVocabulary) throws IOException {
        String m = model == null || model.isBlank() ? DEFAULT_MODEL : model.strip();
        Optional<ModelRegistry.Entry> entry = registry.find(m);
        Path asPath = Path.of(m);
        if (entry.isPresent() && !(looksLikePath(m) && Files.exists(asPath))) {
            ModelRegistry.Entry e = entry.get();
            Path file = cachedPath(e);
            if (!Files.isRegularFile(file)) {
                notices.accept("clip: " + e.name() + " is not in the cache; downloading it once (" + describeSize(e)
                        + ") from " + e.url() + " into " + file.getParent());
                pullOrExplain(e);
            }
            Path v = vocab != null ? ClipHome.findVocabulary(vocab, file, cacheDir)
                    : needVocabulary ? vocabularyOrPull() : optionalVocabulary(file);
            return new Resolved(e.name(), file, v, Optional.of(e.activation()), entry);
        }
        if (!Files.exists(asPath)) {
            if (looksLikePath(m)) {
                throw new IllegalArgumentException("model file " + m + " does not exist");
            }
            throw new IllegalArgumentException("unknown model '" + m + "': not a registry name (" + registry.names()
                    + "; see 'clip models list') nor an existing file or folder");
        }
        Path checkpoint = Files.isDirectory(asPath) ? checkpointIn(asPath) : asPath;
        Path v = vocab != null || needVocabulary ? ClipHome.findVocabulary(vocab, checkpoint, cacheDir)
                : optionalVocabulary(checkpoint);
        return new Resolved(checkpoint.getFileName().toString(), checkpoint, v, Optional.empty(), Optional.empty());
    }

    /** Downloads a registry model and the vocabulary into the cache (verified); returns the model file. */
    public Path pull(ModelRegistry.Entry e) throws IOException {
        Path file = downloader.fetch(e.url(), e.sha256(), e.size(), cachedPath(e), listener);
        pullVocabulary();
        return file;
    }

    /** Downloads the vocabulary into the cache unless a verified copy is there. */
    public Path pullVocabulary() throws IOException {
        ModelRegistry.Vocabulary v = registry.vocabulary();
        return downloader.fetch(v.url(), v.sha256(), v.size(), cachedVocabulary(), listener);
    }

    private Path optionalVocabulary(Path checkpoint) {
        try {
            return ClipHome.findVocabulary(null, checkpoint, cacheDir);
        } catch (java.io.FileNotFoundException e) {
            return null;
        }
    }

    private Path vocabularyOrPull() throws IOException {
        Path cached = cachedVocabulary();
        if (Files.isReadable(cached)) {
            return cached;
        }
        ModelRegistry.Vocabulary v = registry.vocabulary();
        try {
            return pullVocabulary();
        } catch (IOException ex) {
            throw new IOException("the CLIP vocabulary is not in the cache (" + cached + ") and could not be downloaded: "
                    + ex.getMessage() + ". Download " + v.url() + " (SHA-256 " + v.sha256() + ") to " + cached
                    + ", or pass --vocab PATH", ex);
        }
    }

    private void pullOrExplain(ModelRegistry.Entry e) throws IOException {
        try {
            pull(e);
        } catch (IOException ex) {
            throw new IOException(e.name() + " is not in the cache and could not be downloaded: " + ex.getMessage()
                    + ". To use it offline, download " + e.url() + " (" + describeSize(e) + ", SHA-256 " + e.sha256()
                    + ") to " + cachedPath(e) + " and the vocabulary " + registry.vocabulary().url() + " to "
                    + cachedVocabulary() + " (or run 'clip models pull " + e.name() + "' when online); or pass --model PATH"
                    + " to a checkpoint you have", ex);
        }
    }

    /** The single checkpoint in a folder. */
    static Path checkpointIn(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(p) && CHECKPOINT_ENDINGS.stream().anyMatch(n::endsWith)) {
                    found.add(p);
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new FileNotFoundException("no checkpoint (" + String.join(", ", CHECKPOINT_ENDINGS) + ") in folder " + dir);
        }
        found.sort(null);
        throw new IllegalArgumentException("folder " + dir + " holds " + found.size() + " checkpoints (" + found
                + "); pass one of them with --model");
    }

    private static boolean looksLikePath(String m) {
        String n = m.toLowerCase(Locale.ROOT);
        return m.contains("/") || m.contains(java.io.File.separator) || m.startsWith(".")
                || CHECKPOINT_ENDINGS.stream().anyMatch(n::endsWith);
    }

    /** "354 MB" (or "about 354 MB" for approximate sizes, "unknown size"). */
    public static String describeSize(ModelRegistry.Entry e) {
        if (e.size() <= 0) {
            return "unknown size";
        }
        return (e.sizeExact() ? "" : "about ") + humanBytes(e.size());
    }

    public static String humanBytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        if (bytes < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
        }
        if (bytes < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
