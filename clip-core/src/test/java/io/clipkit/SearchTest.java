package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.FakeClipModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchTest {
    final FakeClipModel model = new FakeClipModel("fake", "ab".repeat(32), 16, 12, 100f);
    @TempDir Path tmp;
    Path photos;
    EmbeddingIndex index;

    static final String[] FIXTURES = {"png_rgb.png", "jpeg_gray.jpg", "gif_palette.gif", "bmp_rgb24.bmp", "png_l.png",
        "webp_lossy.webp", "png_p.png", "jpeg_progressive.jpg", "png_la.png", "tiff_rgb.tif"};

    @BeforeEach
    void indexed() throws IOException {
        photos = Files.createDirectories(tmp.resolve("photos"));
        for (String f : FIXTURES) {
            EmbeddingIndexTest.copy(f, photos.resolve(f));
        }
        index = EmbeddingIndex.open(tmp.resolve("index.sqlite"), EmbeddingIndex.Key.of(model));
        assertEquals(FIXTURES.length, index.updater(model).update(List.of(photos)).indexed());
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        index.close();
    }

    List<String> names(List<SearchHit> hits) {
        return hits.stream().map(h -> h.path().getFileName().toString()).toList();
    }

    @Test
    void scoresAreCosinesOfTheNormalisedSum() throws IOException {
        Search s = Search.builder(index, model).text("a dog").text("beach").negative("people").k(100).build();
        float[] a = model.encodeTexts(List.of("a dog"), true)[0];
        float[] b = model.encodeTexts(List.of("beach"), true)[0];
        float[] c = model.encodeTexts(List.of("people"), true)[0];
        float[] q = new float[16];
        double n = 0;
        for (int i = 0; i < 16; i++) {
            q[i] = a[i] + b[i] - c[i];
            n += q[i] * q[i];
        }
        List<SearchHit> hits = s.run();
        assertEquals(FIXTURES.length, hits.size());
        for (int i = 0; i < hits.size(); i++) {
            SearchHit h = hits.get(i);
            assertEquals(i + 1, h.rank());
            float[] v = index.vector(h.path());
            double dot = 0;
            for (int d = 0; d < 16; d++) {
                dot += q[d] / Math.sqrt(n) * v[d];
            }
            assertEquals(dot, h.score(), 1e-6);
            if (i > 0) {
                assertTrue(hits.get(i - 1).score() >= h.score());
            }
        }
        assertEquals(3, Search.builder(index, model).text("a dog").k(3).run().size());
        float min = hits.get(4).score();
        assertEquals(5, Search.builder(index, model).text("a dog").text("beach").negative("people").k(100).minScore(min)
                .run().size());
    }

    @Test
    void anIndexedQueryImageComesFirstWithScoreOne() throws IOException {
        List<SearchHit> hits = Search.builder(index, model).image(photos.resolve("gif_palette.gif")).k(3).run();
        assertEquals("gif_palette.gif", hits.get(0).path().getFileName().toString());
        assertEquals(1.0, hits.get(0).score(), 1e-6);
    }

    @Test
    void vanishedFilesAreLeftOutUntilTheUpdateDropsThem() throws IOException {
        Files.delete(photos.resolve("png_rgb.png"));
        List<SearchHit> hits = Search.builder(index, model).text("x").k(100).run();
        assertEquals(FIXTURES.length - 1, hits.size());
        assertFalse(names(hits).contains("png_rgb.png"));
        assertEquals(FIXTURES.length, index.size(), "still indexed");
        assertEquals(1, index.updater(model).update(List.of(photos)).removed());
        assertEquals(FIXTURES.length - 1, Search.builder(index, model).text("x").k(100).run().size());
    }

    @Test
    void theGraphAnswersWhenCurrentAndExactSearchOtherwise() throws IOException {
        List<String> warnings = new ArrayList<>();
        List<SearchHit> exact = Search.builder(index, model).text("sunset").k(5).exact(true).run();
        List<SearchHit> noGraph = Search.builder(index, model).text("sunset").k(5).approximateAbove(2).warnings(warnings::add).run();
        assertEquals(exact, noGraph);
        assertTrue(warnings.get(0).contains("no current approximate graph"), warnings.toString());

        EmbeddingIndex.UpdateSummary s = index.updater(model).approximateAbove(2).update(List.of(photos));
        assertTrue(s.graphBuilt());
        assertTrue(Files.isDirectory(tmp.resolve("index.sqlite.hnsw")));
        warnings.clear();
        List<SearchHit> graph = Search.builder(index, model).text("sunset").k(5).approximateAbove(2).warnings(warnings::add).run();
        assertEquals(List.of(), warnings);
        assertEquals(names(exact), names(graph));
        for (int i = 0; i < 5; i++) {
            assertEquals(exact.get(i).score(), graph.get(i).score(), 1e-6);
        }
        assertFalse(index.updater(model).approximateAbove(2).update(List.of(photos)).graphBuilt(), "nothing changed");

        // A change makes the graph stale: exact search answers (and sees the new file) until the next update.
        EmbeddingIndexTest.copy("png_rgba.png", photos.resolve("new.png"));
        try (EmbeddingIndex other = EmbeddingIndex.open(index.file(), index.key())) {
            other.updater(model).update(List.of(photos)); // default threshold: no graph rebuilt
        }
        List<SearchHit> after = Search.builder(index, model).image(photos.resolve("new.png")).k(1).approximateAbove(2)
                .warnings(warnings::add).run();
        assertEquals("new.png", after.get(0).path().getFileName().toString());
        assertTrue(warnings.get(0).contains("no current approximate graph"), warnings.toString());
    }

    @Test
    void searchesRunConcurrently() throws Exception {
        List<SearchHit> want = Search.builder(index, model).text("a cat").k(4).run();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<SearchHit>>> fs = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                fs.add(pool.submit(() -> Search.builder(index, model).text("a cat").k(4).run()));
            }
            for (Future<List<SearchHit>> f : fs) {
                assertEquals(want, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badQueriesAreCallerErrors() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> Search.builder(index, model).negative("x").build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Search.builder(index, model).text("x").negative("x").build());
        assertTrue(e.getMessage().contains("cancel out"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Search.builder(index, model).k(0));
        assertThrows(IllegalArgumentException.class, () -> Search.builder(index, model).minScore(1.5f));
        assertThrows(IllegalArgumentException.class, () -> Search.builder(index, model).text(" "));
        FakeClipModel other = new FakeClipModel("other", "cd".repeat(32), 16, 12, 100f);
        e = assertThrows(IllegalArgumentException.class, () -> Search.builder(index, other));
        assertTrue(e.getMessage().contains("other") && e.getMessage().contains("fake"), e.getMessage());
        List<String> warnings = new ArrayList<>();
        Search.builder(index, model).text("word ".repeat(20)).warnings(warnings::add).run();
        assertTrue(warnings.get(0).contains("truncated"), warnings.toString());
    }
}
