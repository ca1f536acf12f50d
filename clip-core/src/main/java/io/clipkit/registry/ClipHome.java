package io.clipkit.registry;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where clipkit keeps models and caches: {@code $CLIPKIT_HOME}, else {@code $XDG_CACHE_HOME/clipkit},
 * else {@code ~/.cache/clipkit}; an explicit directory (the CLI's {@code --cache-dir}) wins.
 */
public final class ClipHome {
    /** File name of the CLIP BPE vocabulary. */
    public static final String VOCABULARY = "bpe_simple_vocab_16e6.txt.gz";

    private ClipHome() {}

    /** The cache directory (not created). */
    public static Path cacheDir(Path override) {
        return cacheDir(override, System.getenv(), System.getProperty("user.home"));
    }

    static Path cacheDir(Path override, Map<String, String> env, String userHome) {
        if (override != null) {
            return override.toAbsolutePath();
        }
        String home = env.get("CLIPKIT_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath();
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "clipkit").toAbsolutePath();
        }
        return Path.of(userHome, ".cache", "clipkit");
    }

    /**
     * The one vocabulary policy: {@code explicit} if given (it must exist), else a vocabulary file
     * beside the checkpoint (in its folder, or in it if it is a folder), else none: the caller then
     * uses CLIP's vocabulary bundled in clip-core ({@code BpeTokenizer.bundled()}).
     *
     * @throws FileNotFoundException if {@code explicit} is given but cannot be read
     */
    public static java.util.Optional<Path> findVocabulary(Path explicit, Path checkpoint) throws FileNotFoundException {
        if (explicit != null) {
            if (!Files.isReadable(explicit) || Files.isDirectory(explicit)) {
                throw new FileNotFoundException("vocabulary " + explicit + " does not exist or is not a readable file");
            }
            return java.util.Optional.of(explicit);
        }
        if (checkpoint != null) {
            Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
            if (dir != null) {
                Path beside = dir.resolve(VOCABULARY);
                if (Files.isReadable(beside)) {
                    return java.util.Optional.of(beside);
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The tokenizer for {@link #findVocabulary}'s answer: that file, else the bundled vocabulary. */
    public static io.clipkit.ClipTokenizer tokenizer(Path explicit, Path checkpoint) throws java.io.IOException {
        java.util.Optional<Path> v = findVocabulary(explicit, checkpoint);
        return v.isPresent() ? io.clipkit.ClipTokenizer.load(v.get()) : io.clipkit.text.BpeTokenizer.bundled();
    }
}
