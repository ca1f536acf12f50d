package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    static final String SHA = "a".repeat(64);
    @TempDir Path tmp;

    EmbeddingCache open(Path f) throws IOException {
        return EmbeddingCache.open(f, SHA, "m", 4, "size=224");
    }

    @Test
    void storesAndFindsVectorsByPathAndByHash() throws IOException {
        Path f = tmp.resolve("sub/index.sqlite");
        byte[] h1 = new byte[32];
        h1[0] = 1;
        float[] v = {0.5f, -0.25f, 1e-7f, Float.MIN_VALUE};
        try (EmbeddingCache c = open(f)) {
            assertNull(c.byPath("/p/a.jpg", 10, "t"));
            c.putAll(List.of(new EmbeddingCache.Entry("/p/a.jpg", 10, "t", h1, v)));
            assertArrayEquals(v, c.byPath("/p/a.jpg", 10, "t"));
            assertNull(c.byPath("/p/a.jpg", 11, "t"), "size changed");
            assertNull(c.byPath("/p/a.jpg", 10, "t2"), "mtime changed");
            assertArrayEquals(v, c.byHash(h1));
            c.putAll(List.of(new EmbeddingCache.Entry("/p/copy.jpg", 10, "t", h1, null)));
            assertArrayEquals(v, c.byPath("/p/copy.jpg", 10, "t"));
            assertEquals(1, c.size());
        }
        try (EmbeddingCache c = open(f)) {
            assertArrayEquals(v, c.byPath("/p/a.jpg", 10, "t"), "survives reopening");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = c.createStatement()) {
            var rs = s.executeQuery("PRAGMA journal_mode");
            rs.next();
            assertEquals("wal", rs.getString(1));
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
    }

    @Test
    void textFileIsRefusedAndLeftUntouched() throws IOException {
        Path f = tmp.resolve("index.sqlite");
        Files.writeString(f, "my shopping list\n");
        byte[] before = Files.readAllBytes(f);
        IOException e = assertThrows(IOException.class, () -> open(f));
        assertTrue(e.getMessage().contains("not a clipkit index"), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()));
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    @Test
    void emptyFileIsRefused() throws IOException {
        Path f = Files.createFile(tmp.resolve("index.sqlite"));
        assertThrows(IOException.class, () -> open(f));
        assertEquals(0, Files.size(f));
    }

    @Test
    void foreignSqliteDatabaseIsRefusedAndLeftUntouched() throws Exception {
        Path f = tmp.resolve("photos.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE albums(id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO albums(name) VALUES ('holiday')");
        }
        byte[] before = Files.readAllBytes(f);
        IOException e = assertThrows(IOException.class, () -> open(f));
        assertTrue(e.getMessage().contains("something else"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertFalse(Files.exists(tmp.resolve("photos.db-wal")));
    }

    @Test
    void corruptDatabaseIsRefusedAndLeftUntouched() throws IOException {
        Path f = tmp.resolve("index.sqlite");
        try (EmbeddingCache c = open(f)) {
            c.putAll(List.of(new EmbeddingCache.Entry("/a", 1, "t", new byte[32], new float[4])));
        }
        byte[] bytes = Files.readAllBytes(f);
        // Keep the header, smash the pages behind it.
        for (int i = 100; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Files.write(f, bytes);
        IOException e = assertThrows(IOException.class, () -> open(f));
        assertTrue(e.getMessage().contains("corrupt") || e.getMessage().contains("not a clipkit"), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(f));
    }

    @Test
    void indexOfAnotherModelOrSettingsIsRefused() throws IOException {
        Path f = tmp.resolve("index.sqlite");
        open(f).close();
        IOException e = assertThrows(IOException.class, () -> EmbeddingCache.open(f, "b".repeat(64), "other", 4, "size=224"));
        assertTrue(e.getMessage().contains("not of this model"), e.getMessage());
        e = assertThrows(IOException.class, () -> EmbeddingCache.open(f, SHA, "m", 4, "size=336"));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
        open(f).close();
    }

    @Test
    void vectorOfTheWrongSizeIsRejected() throws IOException {
        try (EmbeddingCache c = open(tmp.resolve("i.sqlite"))) {
            assertThrows(IllegalArgumentException.class,
                    () -> c.putAll(List.of(new EmbeddingCache.Entry("/a", 1, "t", new byte[32], new float[3]))));
            assertNull(c.byPath("/a", 1, "t"), "the failed transaction was rolled back");
        }
    }

    @Test
    void headerBytesAreSqlite() throws IOException {
        Path f = tmp.resolve("i.sqlite");
        open(f).close();
        byte[] head = Arrays.copyOf(Files.readAllBytes(f), 16);
        assertEquals("SQLite format 3\0", new String(head, StandardCharsets.ISO_8859_1));
    }
}
