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
     * Finds the vocabulary: {@code explicit} if given, else beside the checkpoint (in its folder, or
     * in it if it is a folder), else in the cache directory.
     *
     * @throws FileNotFoundException naming every place looked and how to fix it
     */
    public static Path findVocabulary(Path explicit, Path checkpoint, Path cacheDir) throws FileNotFoundException {
        if (explicit != null) {
            if (!Files.isReadable(explicit)) {
                throw new FileNotFoundException("vocabulary " + explicit + " does not exist or is not readable");
            }
            return explicit;
        }
        StringBuilder looked = new StringBuilder();
        if (checkpoint != null) {
            Path dir = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.toAbsolutePath().getParent();
            if (dir != null) {
                Path beside = dir.resolve(VOCABULARY);
                if (Files.isReadable(beside)) {
                    return beside;
                }
                looked.append(beside).append(", ");
            }
        }
        Path cached = cacheDir.resolve(VOCABULARY);
        if (Files.isReadable(cached)) {
            return cached;
        }
        looked.append(cached);
        throw new FileNotFoundException("CLIP vocabulary " + VOCABULARY + " not found (looked in " + looked
                + "); download it from https://raw.githubusercontent.com/openai/CLIP/main/clip/" + VOCABULARY
                + " into " + cacheDir + ", run 'clip models pull ViT-B-32', or pass --vocab PATH");
    }
}
