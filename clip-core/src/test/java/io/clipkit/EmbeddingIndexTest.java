package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.FakeClipModel;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingIndexTest {
    static final String SHA = "ab".repeat(32);
    final FakeClipModel model = new FakeClipModel("fake/model", SHA, 16, 12, 100f);

    @TempDir Path tmp;

    static void copy(String fixture, Path to) throws IOException {
        Files.copy(TestFiles.fixture("images/src/" + fixture), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    float[] embed(Path p) throws IOException {
        return model.encodePreprocessed(List.of(model.preprocessor().preprocess(p)), true)[0];
    }

    Map<String, float[]> rows(EmbeddingIndex index) throws IOException {
        Map<String, float[]> out = new TreeMap<>();
        index.scan(r -> out.put(r.path(), r.vector()));
        return out;
    }

    @Test
    void defaultPathAndKeyFollowTheTaggersPolicy() {
        ModelInfo info = model.info();
        assertEquals(Path.of("/c/embeddings/fake_model-abababababababab.sqlite"), EmbeddingIndex.defaultPath(Path.of("/c"), info));
        EmbeddingIndex.Key k = EmbeddingIndex.Key.of(model);
        assertEquals("size=8;exif=true", k.preprocessing());
        assertEquals(16, k.dim());
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingIndex.Key("m", "", 16, "size=8"));
    }

    @Test
    void updateIsIncrementalAndDropsWhatVanished() throws IOException {
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        copy("png_rgb.png", photos.resolve("a.png"));
        copy("jpeg_gray.jpg", photos.resolve("b.jpg"));
        copy("gif_palette.gif", photos.resolve("c.gif"));
        Files.writeString(photos.resolve("notes.png"), "not an image");
        Path sub = Files.createDirectories(photos.resolve("sub"));
        copy("bmp_rgb24.bmp", sub.resolve("d.bmp"));
        Path file = tmp.resolve("idx/index.sqlite");
        EmbeddingIndex.Key key = EmbeddingIndex.Key.of(model);
        try (EmbeddingIndex index = EmbeddingIndex.open(file, key)) {
            EmbeddingIndex.UpdateSummary s = index.updater(model).update(List.of(photos));
            assertEquals(3, s.embedded());
            assertEquals(1, s.failed());
            assertEquals(3, s.indexed());
            assertTrue(s.failures().get(0).path().endsWith("notes.png"), s.failures().toString());
            Map<String, float[]> rows = rows(index);
            assertEquals(List.of(photos.resolve("a.png").toAbsolutePath().toString(), photos.resolve("b.jpg").toAbsolutePath().toString(),
                    photos.resolve("c.gif").toAbsolutePath().toString()), new ArrayList<>(rows.keySet()));
            assertArrayEquals(embed(photos.resolve("a.png")), index.vector(photos.resolve("a.png")), 1e-6f);

            s = index.updater(model).recursive(true).update(List.of(photos));
            assertEquals(1, s.embedded(), "only the file in the sub-folder is new");
            assertEquals(3, s.unchanged());
            assertEquals(4, s.indexed());

            Files.delete(photos.resolve("b.jpg"));
            copy("webp_lossy.webp", photos.resolve("c.gif")); // overwritten
            Files.setLastModifiedTime(photos.resolve("c.gif"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
            copy("png_l.png", photos.resolve("e.png"));
            s = index.updater(model).recursive(true).update(List.of(photos));
            assertEquals(2, s.embedded(), "c overwritten, e added");
            assertEquals(1, s.removed());
            assertEquals(4, s.indexed());
            assertNull(index.vector(photos.resolve("b.jpg")));
            assertArrayEquals(embed(photos.resolve("c.gif")), index.vector(photos.resolve("c.gif")), 1e-6f);
            assertFalse(rows(index).containsKey(photos.resolve("b.jpg").toAbsolutePath().toString()));

            Files.delete(photos.resolve("e.png"));
            s = index.updater(model).recursive(true).keepMissing(true).update(List.of(photos));
            assertEquals(0, s.removed());
            assertTrue(rows(index).containsKey(photos.resolve("e.png").toAbsolutePath().toString()));
            // A non-recursive run over the top folder leaves the sub-folder's entries alone.
            s = index.updater(model).update(List.of(photos));
            assertEquals(1, s.removed(), "e.png, now gone");
            assertTrue(rows(index).containsKey(sub.resolve("d.bmp").toAbsolutePath().toString()));
        }
        assertEquals(key, EmbeddingIndex.readKey(file));
    }

    @Test
    void readersNeverCreateOrChangeAFile() throws IOException {
        EmbeddingIndex.Key key = EmbeddingIndex.Key.of(model);
        Path missing = tmp.resolve("none/index.sqlite");
        assertThrows(NoSuchFileException.class, () -> EmbeddingIndex.openExisting(missing, key));
        assertFalse(Files.exists(missing.getParent()));

        Path junk = tmp.resolve("junk.sqlite");
        Files.writeString(junk, "hello");
        IOException e = assertThrows(IOException.class, () -> EmbeddingIndex.openExisting(junk, key));
        assertTrue(e.getMessage().contains("not a clipkit index"), e.getMessage());
        assertEquals("hello", Files.readString(junk));

        Path file = tmp.resolve("index.sqlite");
        try (EmbeddingIndex index = EmbeddingIndex.open(file, key)) {
            assertEquals(0, index.size());
        }
        byte[] before = Files.readAllBytes(file);
        EmbeddingIndex.Key other = new EmbeddingIndex.Key("other", "cd".repeat(32), 16, key.preprocessing());
        e = assertThrows(IOException.class, () -> EmbeddingIndex.openExisting(file, other));
        assertTrue(e.getMessage().contains("fake/model") && e.getMessage().contains(SHA), e.getMessage());
        e = assertThrows(IOException.class,
                () -> EmbeddingIndex.openExisting(file, new EmbeddingIndex.Key("fake/model", SHA, 16, "size=8;exif=false")));
        assertTrue(e.getMessage().contains("exif=false") && e.getMessage().contains("exif=true"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (EmbeddingIndex index = EmbeddingIndex.openExisting(file, key)) {
            assertNotNull(index.key());
            assertThrows(IOException.class, () -> index.remove(List.of("/x")), "read-only");
        }
    }
}
