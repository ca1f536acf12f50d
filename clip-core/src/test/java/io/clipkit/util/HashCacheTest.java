package io.clipkit.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint hashes remembered by file identity: used while the file is the same, recomputed once it changes. */
class HashCacheTest {
    @TempDir Path tmp;

    private Path file(String name, String content, long ageSeconds) throws Exception {
        Path f = Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - ageSeconds * 1000));
        return f;
    }

    private static List<Path> entries(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sha256")).toList();
        }
    }

    @Test
    void aRememberedHashIsUsedWhileTheFileIsUnchanged() throws Exception {
        Path dir = tmp.resolve("hashes");
        Path f = file("model.pt", "weights v1", 60);
        HashCache c = HashCache.in(dir);
        String want = Hashes.sha256Hex(f);
        assertEquals(want, c.sha256(f));
        List<Path> e = entries(dir);
        assertEquals(1, e.size(), "one entry per file");
        // The entry is what answers now: a forged hash with the same stamp is returned, the file unread.
        String entry = Files.readString(e.get(0));
        String forged = "0".repeat(64) + entry.substring(64);
        Files.writeString(e.get(0), forged);
        assertEquals("0".repeat(64), c.sha256(f));
        assertEquals("0".repeat(64), HashCache.in(dir).sha256(tmp.resolve(".").resolve("model.pt")), "same file by another path");
    }

    @Test
    void aChangedFileIsHashedAgain() throws Exception {
        Path dir = tmp.resolve("hashes");
        Path f = file("model.pt", "weights v1", 60);
        HashCache c = HashCache.in(dir);
        c.sha256(f);
        Files.writeString(f, "weights v2, longer", StandardCharsets.UTF_8); // new size and time
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 30_000));
        assertEquals(Hashes.sha256Hex(f), c.sha256(f));
        Files.writeString(f, "weights v3, longer", StandardCharsets.UTF_8); // same size, other time
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 20_000));
        assertEquals(Hashes.sha256Hex(f), c.sha256(f));
        Path moved = file("other.pt", "weights v4, longer", 20); // replaced by another file (new inode), same size and time
        Files.setLastModifiedTime(moved, Files.getLastModifiedTime(f));
        Files.move(moved, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(Hashes.sha256Hex(f), c.sha256(f));
    }

    @Test
    void aFileModifiedJustNowIsNotRemembered() throws Exception {
        Path dir = tmp.resolve("hashes");
        Path f = file("fresh.pt", "being written", 0);
        assertEquals(Hashes.sha256Hex(f), HashCache.in(dir).sha256(f));
        assertTrue(entries(dir).isEmpty(), "a write in the same timestamp tick could follow unseen");
    }

    @Test
    void aDamagedOrUnwritableCacheIsIgnored() throws Exception {
        Path f = file("model.pt", "weights", 60);
        String want = Hashes.sha256Hex(f);
        Path dir = tmp.resolve("hashes");
        HashCache.in(dir).sha256(f);
        Path entry = entries(dir).get(0);
        Files.writeString(entry, "garbage\n");
        assertEquals(want, HashCache.in(dir).sha256(f));
        Path notADir = Files.writeString(tmp.resolve("plain-file"), "x");
        assertEquals(want, HashCache.in(notADir).sha256(f), "a cache folder that cannot be made is no cache");
        assertEquals(want, HashCache.none().sha256(f));
        assertFalse(Files.exists(tmp.resolve("plain-file").resolveSibling("plain-file.sha256")));
        long ms = Files.getLastModifiedTime(f).to(TimeUnit.MILLISECONDS);
        assertTrue(ms < System.currentTimeMillis(), "the file was not touched");
    }
}
