package io.clipkit.registry;

import io.clipkit.Activation;
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

    /**
     * Resolves {@code model} (registry name, checkpoint file or folder), pulling a registry model
     * that is not in the cache. The vocabulary is {@code vocab} if given, else one beside the
     * checkpoint, else null (the bundled one is used).
     *
     * @throws IOException with what to download, where to put it, or how to pass a path instead
     * @throws IllegalArgumentException if {@code model} is neither a registry name nor an existing path
     */
    public Resolved resolve(String model, Path vocab) throws IOException {
        return resolve(model, vocab, true);
    }

    /** As {@link #resolve(String, Path)}; without {@code allowDownload} a model missing from the cache is an error. */
    public Resolved resolve(String model, Path vocab, boolean allowDownload) throws IOException {
        String m = model == null || model.isBlank() ? DEFAULT_MODEL : model.strip();
        Optional<ModelRegistry.Entry> entry = registry.find(m);
        Path asPath = Path.of(m);
        if (entry.isPresent() && !(looksLikePath(m) && Files.exists(asPath))) {
            ModelRegistry.Entry e = entry.get();
            Path file = cachedPath(e);
            if (!Files.isRegularFile(file)) {
                if (!allowDownload) {
                    throw new IOException(e.name() + " is not in the cache (" + file + ") and downloads are off; "
                            + "download " + e.url() + " (" + describeSize(e) + ", SHA-256 " + e.sha256() + ") there");
                }
                notices.accept(e.name() + " is not in the cache; downloading it once (" + describeSize(e)
                        + ") from " + e.url() + " into " + file.getParent());
                pullOrExplain(e);
            }
            return new Resolved(e.name(), file, ClipHome.findVocabulary(vocab, file).orElse(null),
                    Optional.of(e.activation()), entry);
        }
        if (!Files.exists(asPath)) {
            if (looksLikePath(m)) {
                throw new IllegalArgumentException("model file " + m + " does not exist");
            }
            throw new IllegalArgumentException("unknown model '" + m + "': not a registry name (known: " + registry.names()
                    + ") nor an existing file or folder");
        }
        Path checkpoint = Files.isDirectory(asPath) ? checkpointIn(asPath) : asPath;
        return new Resolved(checkpoint.getFileName().toString(), checkpoint,
                ClipHome.findVocabulary(vocab, checkpoint).orElse(null), Optional.empty(), Optional.empty());
    }

    /** Downloads a registry model into the cache (verified); returns the model file. */
    public Path pull(ModelRegistry.Entry e) throws IOException {
        return downloader.fetch(e.url(), e.sha256(), e.size(), cachedPath(e), listener);
    }

    private void pullOrExplain(ModelRegistry.Entry e) throws IOException {
        try {
            pull(e);
        } catch (Downloader.ChecksumMismatchException ex) {
            // The server answered, with other bytes: offline advice would not help.
            String mirror = ModelRegistry.baseUrlOverride();
            throw new IOException(e.name() + " is not in the cache, and the server sent a different file: " + ex.getMessage()
                    + (mirror != null && e.builtIn() ? " (the mirror " + mirror + " set by " + ModelRegistry.BASE_URL_ENV
                            + " or " + ModelRegistry.BASE_URL_PROPERTY + " serves another file at this path)"
                            : " (the URL may serve a newer file than the registry entry names)"), ex);
        } catch (IOException ex) {
            throw new IOException(e.name() + " is not in the cache and could not be downloaded: " + ex.getMessage()
                    + ". To use it offline, download " + e.url() + " (" + describeSize(e) + ", SHA-256 " + e.sha256()
                    + ") to " + cachedPath(e) + " (or pull it when online); or load a checkpoint file you have", ex);
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
                + "); pass one of them as the model");
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
