package io.clipkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.ClipModel;
import io.clipkit.EmbeddingIndex;
import io.clipkit.Search;
import io.clipkit.SearchHit;
import io.clipkit.batch.TinyCheckpoint;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/search} over an index built with {@code clip index}'s updater: the same hits as the library's {@link Search}. */
class ServerSearchTest {
    @TempDir static Path work;
    static ClipModel model;
    static EmbeddingIndex index;
    static ClipServer server;
    static Http http;
    static Path photos;

    @BeforeAll
    static void start() throws IOException {
        model = ClipModel.builder().path(TinyCheckpoint.write(work.resolve("tiny.safetensors"))).cacheDir(work.resolve("cache")).load();
        photos = Files.createDirectories(work.resolve("photos"));
        for (String f : List.of("jpeg_420_4x3.jpg", "png_rgba.png", "webp_alpha_lossy.webp", "gif_palette.gif")) {
            Files.copy(TestFiles.fixture("images/src/" + f), photos.resolve(f));
        }
        index = EmbeddingIndex.open(work.resolve("index.sqlite"), EmbeddingIndex.Key.of(model));
        index.updater(model).update(List.of(photos));
        server = ClipServer.builder().model(model).port(0).index(index).start();
        http = new Http(server.uri(), null);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        index.close();
        model.close();
    }

    @Test
    void textSearchGivesTheLibrarysHits() throws Exception {
        List<SearchHit> expected = Search.builder(index, model).text("a photo of a cat").k(3).run();
        Http.Answer a = http.get("/v1/search?q=a+photo+of+a+cat&k=3");
        assertEquals(200, a.status(), a.text());
        JsonNode hits = a.json().get("hits");
        assertEquals(expected.size(), hits.size(), a.text());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).path().toString(), hits.get(i).get("path").asText());
            assertEquals(expected.get(i).score(), hits.get(i).get("score").floatValue(), 1e-6f);
        }
    }

    @Test
    void anIndexedImageUploadedComesBackFirstWithScoreOne() throws Exception {
        Path p = photos.resolve("png_rgba.png");
        Http.Answer a = http.post("/v1/search", "image/png", Files.readAllBytes(p));
        assertEquals(200, a.status(), a.text());
        JsonNode first = a.json().get("hits").get(0);
        assertEquals(p.toAbsolutePath().normalize().toString(), first.get("path").asText());
        assertEquals(1.0, first.get("score").asDouble(), 1e-5);
    }

    @Test
    void badSearchRequestsAre400AndHealthNamesTheIndex() throws Exception {
        assertEquals(400, http.get("/v1/search?k=3").status());
        assertEquals(400, http.get("/v1/search?q=cat&k=0").status());
        Http.Answer h = http.get("/health");
        assertEquals(4, h.json().get("index").get("images").asInt(), h.text());
        assertTrue(http.get("/v1/thumbnail?path=/etc/passwd").status() == 404, "only indexed files have thumbnails");
    }
}
