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
 * registry name (downloaded into the cache on first use, with a one-line notice; a bundled model
 * is extracted from the classpath instead), a checkpoint file, or a folder holding one checkpoint.
 *
 * <pre>{@code
 * ModelResolver r = new ModelResolver(ClipHome.cacheDir(null), new Downloader(), Downloader.SILENT, System.err::println);
 * ModelResolver.Resolved m = r.resolve("ViT-B-32", null);
 * }</pre>
 */
public final class ModelResolver {
    /** Default model for the CLI and examples. */
    public static final String DEFAULT_MODEL = "ViT-B-32";
    /**
     * The model that ships with clipkit (artifact {@code io.clipkit:clipkit-mini}): what a loader
     * asked to fall back ({@code ClipModel.Builder.fallbackToBundled}) uses when the default
     * cannot be had.
     */
    public static final String BUNDLED_MODEL = "clipkit-mini";
    /** Checkpoint file endings that make a name look like a path. */
    static final List<String> CHECKPOINT_ENDINGS = io.clipkit.model.hub.ModelFolder.CHECKPOINT_ENDINGS;

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

    /**
     * Where a registry model's weights file lives in the cache: {@code <cache>/models/<name>/<file>},
     * one folder per registry name (two entries whose URLs end in the same file name never share a
     * file).
     */
    public Path cachedPath(ModelRegistry.Entry e) {
        return folderOf(e).resolve(e.file());
    }

    /** The cache folder of a registry name. */
    public Path folderOf(ModelRegistry.Entry e) {
        return cacheDir.resolve("models").resolve(e.name());
    }

    /** What the loader is given: the folder for hub entries, else the weights file. */
    public Path modelPath(ModelRegistry.Entry e) {
        return e.folder() ? folderOf(e) : cachedPath(e);
    }

    /** Whether every file of the entry is in the cache (moving a file of the old flat layout first). */
    public boolean isCached(ModelRegistry.Entry e) throws IOException {
        if (e.bundled()) {
            return io.clipkit.model.BundledModels.available(e.resource()); // on the classpath: as good as cached
        }
        migrateFlatLayout(e);
        for (ModelRegistry.FileRef f : e.files()) {
            if (!Files.isRegularFile(folderOf(e).resolve(f.file()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Before one folder per name, models were cached as {@code <cache>/models/<file>}; such a file is
     * moved into the name's folder if its SHA-256 is this entry's (so a file another entry wrote
     * under the same name is left alone).
     */
    void migrateFlatLayout(ModelRegistry.Entry e) throws IOException {
        Path old = cacheDir.resolve("models").resolve(e.file());
        Path target = cachedPath(e);
        if (e.folder() || e.sha256().isEmpty() || Files.exists(target) || !Files.isRegularFile(old)) {
            return;
        }
        if (Downloader.sha256(old).equalsIgnoreCase(e.sha256())) {
            Files.createDirectories(target.getParent());
            Files.move(old, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            notices.accept("moved " + old + " to " + target + " (one cache folder per model name)");
        }
    }

    /**
     * The SHA-256 a cached weights file must have: the registry's, else the one recorded when the
     * file was verified against the hub's checksum at download; null if neither is known.
     */
    public String expectedSha256(ModelRegistry.Entry e) throws IOException {
        if (!e.sha256().isEmpty()) {
            return e.sha256();
        }
        Path rec = recordOf(cachedPath(e));
        return Files.isRegularFile(rec) ? Files.readString(rec).strip() : null;
    }

    /**
     * Removes what the cache holds for an entry besides its weights file: the other files of a hub
     * folder, every file's {@code .part}, {@code .lock} and {@code .sha256} record, and the name's
     * folder once empty. Returns whether anything was removed.
     */
    public boolean removeCompanions(ModelRegistry.Entry e) throws IOException {
        boolean any = false;
        Path dir = folderOf(e);
        for (ModelRegistry.FileRef f : e.files()) {
            Path p = dir.resolve(f.file());
            if (!f.file().equals(e.file())) {
                any |= Files.deleteIfExists(p);
            }
            for (String suffix : List.of(".part", ".lock", ".sha256")) {
                any |= Files.deleteIfExists(p.resolveSibling(p.getFileName() + suffix));
            }
        }
        if (Files.isDirectory(dir)) {
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
        }
        return any;
    }

    /** The SHA-256 record written beside a file verified at download. */
    static Path recordOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
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
            if (e.bundled()) {
                // nothing to download: the resource folder is extracted into the cache and verified;
                // the activation is the folder config's (the entry's is descriptive)
                Path dir = extractBundled(e);
                return new Resolved(e.name(), dir, ClipHome.findVocabulary(vocab, dir).orElse(null), Optional.empty(),
                        Optional.empty());
            }
            Path target = modelPath(e);
            if (!isCached(e)) {
                if (!allowDownload) {
                    throw new IOException(e.name() + " is not in the cache (" + target + ") and downloads are off; "
                            + "download " + describeFiles(e) + " into " + folderOf(e));
                }
                notices.accept(e.name() + " is not in the cache; downloading it once (" + describeSize(e)
                        + ") from " + (e.folder() ? e.files().size() + " files at " + parentUrl(e) : e.url()) + " into " + folderOf(e));
                pullOrExplain(e);
            }
            return new Resolved(e.name(), target, ClipHome.findVocabulary(vocab, target).orElse(null),
                    Optional.of(e.activation()), entry);
        }
        if (!Files.exists(asPath)) {
            if (looksLikePath(m)) {
                throw new IllegalArgumentException("model file " + m + " does not exist");
            }
            throw new IllegalArgumentException("unknown model '" + m + "': not a registry name (known: " + registry.names()
                    + ") nor an existing file or folder");
        }
        return local(asPath, vocab);
    }

    /**
     * A bundled entry's folder, extracted from the classpath into {@code <cache>/bundled/} once and
     * verified against its {@code files.sha256} ({@code BundledModels}).
     *
     * @throws java.io.FileNotFoundException naming the Maven artifact to add if it is not on the classpath
     */
    public Path extractBundled(ModelRegistry.Entry e) throws IOException {
        if (!io.clipkit.model.BundledModels.available(e.resource())) {
            throw new FileNotFoundException(e.name() + " is a bundled model, but its artifact " + e.artifact()
                    + " is not on the classpath (no resource " + e.resource() + io.clipkit.model.BundledModels.MANIFEST
                    + "); add the Maven dependency " + e.artifact() + ":" + io.clipkit.Provenance.currentVersion()
                    + " to the application, or choose another model");
        }
        return io.clipkit.model.BundledModels.extract(e.resource(), cacheDir);
    }

    /**
     * Downloads a registry model into the cache (every file of a hub folder; each resumable and
     * verified: against the registry's SHA-256 where the entry has one, else against the checksum the
     * hub states for the file); returns what the loader is given ({@link #modelPath}).
     */
    public Path pull(ModelRegistry.Entry e) throws IOException {
        if (e.bundled()) {
            return extractBundled(e); // nothing to download
        }
        migrateFlatLayout(e);
        for (ModelRegistry.FileRef f : e.files()) {
            Path target = folderOf(e).resolve(f.file());
            Path rec = recordOf(target);
            Downloader.Checksum want;
            if (!f.sha256().isEmpty()) {
                want = Downloader.Checksum.sha256(f.sha256(), "the registry");
            } else if (Files.isRegularFile(target) && Files.isRegularFile(rec)) {
                // verified against the hub when it was downloaded: no network needed to check it again
                want = Downloader.Checksum.sha256(Files.readString(rec).strip(), "the record made at download (" + rec + ")");
            } else {
                want = downloader.statedChecksum(f.url());
            }
            downloader.fetch(f.url(), want, f.size(), target, listener);
            String sha = want.algorithm().equals("sha256") ? want.hex() : Downloader.sha256(target);
            if (!Files.isRegularFile(rec) || !Files.readString(rec).strip().equals(sha)) {
                Path tmp = rec.resolveSibling(rec.getFileName() + ".tmp");
                Files.writeString(tmp, sha + "\n");
                Files.move(tmp, rec, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return modelPath(e);
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
                    + ". To use it offline, download " + describeFiles(e) + " into " + folderOf(e)
                    + " (or pull it when online); or load a checkpoint file you have", ex);
        }
    }

    /**
     * A cached registry model's weights checked against the expected SHA-256 (the loader computes
     * the file's hash anyway): a mismatch is an error naming both hashes.
     *
     * @param loadedSha256 the SHA-256 the loader computed ({@code model.info().checkpointSha256()})
     */
    public void checkLoaded(ModelRegistry.Entry e, String loadedSha256) throws IOException {
        String want = expectedSha256(e);
        if (want != null && !want.equalsIgnoreCase(loadedSha256)) {
            throw new IOException(e.name() + ": the cached weights " + cachedPath(e) + " have SHA-256 " + loadedSha256
                    + " but the registry expects " + want + "; the file was damaged or replaced after download. "
                    + "Delete it (and its .sha256 record) so that it is downloaded again, or pull the model again");
        }
    }

    private static String describeFiles(ModelRegistry.Entry e) {
        if (!e.folder()) {
            return e.url() + " (" + describeSize(e) + ", SHA-256 " + e.sha256() + ")";
        }
        StringBuilder b = new StringBuilder();
        for (ModelRegistry.FileRef f : e.files()) {
            b.append(b.length() == 0 ? "" : ", ").append(f.url());
        }
        return b.toString();
    }

    private static String parentUrl(ModelRegistry.Entry e) {
        String u = e.url().toString();
        return u.substring(0, u.lastIndexOf('/') + 1);
    }

    /**
     * The model {@code model} names when it is written as a path to an existing file or folder (such
     * a path wins over a registry name, so no registry is needed to resolve it); empty otherwise.
     */
    public static Optional<Resolved> existingPath(String model, Path vocab) throws IOException {
        if (model == null || model.isBlank() || !looksLikePath(model.strip())) {
            return Optional.empty();
        }
        Path asPath = Path.of(model.strip());
        return Files.exists(asPath) ? Optional.of(local(asPath, vocab)) : Optional.empty();
    }

    private static Resolved local(Path asPath, Path vocab) throws IOException {
        // The one folder policy (ModelFolder): a plain folder resolves to its single checkpoint file,
        // a transformers or open_clip folder stays a folder (the loader reads its configs and shards).
        io.clipkit.model.hub.ModelFolder folder = io.clipkit.model.hub.ModelFolder.of(asPath);
        Path checkpoint = folder.layout() == io.clipkit.model.hub.ModelFolder.Layout.CHECKPOINT ? folder.weights().get(0) : asPath;
        return new Resolved(checkpoint.toAbsolutePath().getFileName().toString(), checkpoint,
                ClipHome.findVocabulary(vocab, checkpoint).orElse(null), Optional.empty(), Optional.empty());
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
