package io.clipkit.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Remembers files' SHA-256 by path and file identity (size, modification time in nanoseconds,
 * device and inode), so that loading the same checkpoint again does not read all of it again:
 * hashing ViT-B/32's 350 MB took 0.3-0.6 s of a core at every start, beside the decoding it
 * competed with. The same rule as make's and rsync's quick check: a file rewritten, replaced or
 * touched gets a new modification time or inode and is hashed again. A file modified within the
 * last two seconds is not remembered (a write in the same timestamp tick could follow unseen).
 * Entries are one small file per path, written atomically; a cache that cannot be read or written
 * is ignored (the hash is computed as without one). Thread-safe; several processes may share it.
 *
 * <pre>{@code
 * HashCache c = HashCache.in(Path.of(System.getProperty("user.home"), ".cache/clipkit/hashes"));
 * String sha = c.sha256(Path.of("ViT-B-32.pt"));   // reads the file once; later calls stat it
 * }</pre>
 */
public final class HashCache {
    private static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final HashCache NONE = new HashCache(null);

    private final Path dir; // null: nothing is remembered

    private HashCache(Path dir) {
        this.dir = dir;
    }

    /** A cache in {@code dir} (created when first written). */
    public static HashCache in(Path dir) {
        return new HashCache(java.util.Objects.requireNonNull(dir, "dir"));
    }

    /** No cache: every call reads the file. */
    public static HashCache none() {
        return NONE;
    }

    /** The file's SHA-256, lower-case hex: remembered if its identity is unchanged, else computed (and remembered). */
    public String sha256(Path file) throws IOException {
        if (dir == null) {
            return Hashes.sha256Hex(file);
        }
        Path real = file.toRealPath();
        String stamp = stamp(real);
        Path entry = dir.resolve(Hashes.sha256Hex(real.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 40) + ".sha256");
        String known = read(entry, stamp);
        if (known != null) {
            return known;
        }
        String sha = Hashes.sha256Hex(real);
        long mtime = Files.getLastModifiedTime(real).to(TimeUnit.NANOSECONDS);
        if (stamp.equals(stamp(real)) && System.currentTimeMillis() * 1_000_000L - mtime > RACY_NANOS) {
            write(entry, sha + " " + stamp + "\n" + real + "\n");
        }
        return sha;
    }

    /** size, modification time (ns) and file key (device and inode on Unix), space-separated. */
    private static String stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Object key = a.fileKey();
        return a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " "
                + (key == null ? "-" : key.toString().replace(' ', '_'));
    }

    /** The remembered hash if the entry holds one for exactly this stamp; null otherwise (absent, stale, unreadable, damaged). */
    private static String read(Path entry, String stamp) {
        try {
            String first = Files.readString(entry, StandardCharsets.UTF_8).split("\n", 2)[0];
            int space = first.indexOf(' ');
            if (space == 64 && first.substring(space + 1).equals(stamp) && first.substring(0, 64).matches("[0-9a-f]{64}")) {
                return first.substring(0, 64);
            }
        } catch (IOException | RuntimeException e) {
            // recompute
        }
        return null;
    }

    private void write(Path entry, String content) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".entry", ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                AtomicFiles.replace(tmp, entry);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            // a cache that cannot be written is no cache: the hash was computed anyway
        }
    }
}
