package io.clipkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.LabelScore;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.batch.TinyCheckpoint;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service end to end on a real (tiny, random) checkpoint with the real tokenizer and image
 * pipeline: the API's numbers equal the library's, and every bad input gets its 4xx while the
 * server keeps answering /health.
 */
class ClipServerTest {
    static final String TOKEN = "test-token-42";
    static final long MAX_BODY = 1 << 20;
    static final long MAX_PIXELS = 1_000_000;
    static final List<String> IMAGES = List.of("jpeg_420_4x3.jpg", "jpeg_exif_6.jpg", "png_rgba.png",
            "webp_alpha_lossy.webp", "gif_palette.gif", "bmp_rgb24.bmp");

    @TempDir static Path work;
    static ClipModel model;
    static ClipServer server;
    static Http http;

    @BeforeAll
    static void start() throws IOException {
        Path ckpt = TinyCheckpoint.write(work.resolve("tiny-vit.safetensors"));
        model = ClipModel.builder().path(ckpt).cacheDir(work.resolve("cache")).load();
        server = ClipServer.builder().model(model).port(0).token(TOKEN).maxBatch(8).maxWait(Duration.ofMillis(5))
                .maxBodyBytes(MAX_BODY).maxPixels(MAX_PIXELS).start();
        http = new Http(server.uri(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** After every test, bad input or not, the server still answers. */
    @AfterEach
    void stillUp() throws Exception {
        Http.Answer h = http.withToken(null).get("/health");
        assertEquals(200, h.status(), h.text());
        assertEquals("ok", h.json().get("status").asText());
    }

    static Path image(String name) {
        return TestFiles.fixture("images/src/" + name);
    }

    float[] libraryEmbedding(Path p) throws IOException {
        return model.encodePreprocessed(List.of(model.preprocessor().preprocess(p)), true)[0];
    }

    // ------------------------------------------------------------------ the numbers

    @Test
    void healthNamesTheModelAndItsProvenance() throws Exception {
        JsonNode h = http.get("/health").json();
        assertEquals("tiny-vit.safetensors", h.get("model").asText());
        assertEquals(model.info().checkpointSha256(), h.get("checkpoint_sha256").asText());
        assertEquals(64, h.get("image_resolution").asInt());
        assertEquals(32, h.get("embed_dim").asInt());
        assertEquals("cpu", h.get("device").asText());
        assertTrue(h.get("auth_required").asBoolean());
        assertEquals(model.info().vocabularySha256(), h.get("vocabulary_sha256").asText());
        assertEquals(model.info().spec().image().describe(), h.get("preprocessing").asText());
        assertEquals("softmax", h.get("scoring").asText());
        assertEquals("[\"a photo of a {}.\"]", h.get("templates").toString(), "what a request without templates gets");
    }

    /** A model with its own default templates: /health names them and a request without any uses them. */
    @Test
    void theModelsTemplatesAreTheDefault() throws Exception {
        io.clipkit.testing.FakeClipModel fake = io.clipkit.testing.FakeClipModel.small();
        fake.templates = List.of("{}", "a drawing of a {}.");
        try (ClipServer s = ClipServer.builder().model(fake).port(0).start()) {
            Http h = new Http(s.uri(), null);
            assertEquals("[\"{}\",\"a drawing of a {}.\"]", h.get("/health").json().get("templates").toString());
            Http.Answer a = h.post("/v1/classify?labels=cat,dog", "image/png", Files.readAllBytes(image(IMAGES.get(0))));
            assertEquals(200, a.status(), a.text());
            assertEquals("[\"{}\",\"a drawing of a {}.\"]", a.json().get("templates").toString());
            a = h.post("/v1/classify?labels=cat,dog&template=a%20photo%20of%20a%20%7B%7D.", "image/png",
                    Files.readAllBytes(image(IMAGES.get(0))));
            assertEquals("[\"a photo of a {}.\"]", a.json().get("templates").toString(), "given templates win");
        }
    }

    @Test
    void imageEmbeddingsEqualTheLibrarys() throws Exception {
        double worst = 1;
        for (String name : IMAGES) {
            Path p = image(name);
            byte[] bytes = Files.readAllBytes(p);
            Http.Answer raw = http.post("/v1/embed/image", "application/octet-stream", bytes);
            assertEquals(200, raw.status(), raw.text());
            Http.Answer form = http.postForm("/v1/embed/image", Http.fields(), name, bytes);
            assertEquals(200, form.status(), form.text());
            assertEquals(name, form.json().get("image").asText());
            float[] want = libraryEmbedding(p);
            for (Http.Answer a : List.of(raw, form)) {
                float[] got = Http.floats(a.json().get("embedding"));
                assertEquals(want.length, got.length);
                worst = Math.min(worst, io.clipkit.util.Vectors.cosine(want, got));
            }
        }
        System.out.printf("embed/image vs library: worst cosine %.9f%n", worst);
        assertTrue(worst >= 0.99999, "cosine " + worst);
    }

    @Test
    void textEmbeddingsEqualTheLibrarys() throws Exception {
        List<String> texts = List.of("a photo of a cat.", "a dog", "Eiffel Tower at night", "ümlaut & ñ");
        Http.Answer a = http.postJson("/v1/embed/text", Http.JSON.writeValueAsString(java.util.Map.of("texts", texts)));
        assertEquals(200, a.status(), a.text());
        float[][] want = model.encodeTexts(texts);
        JsonNode got = a.json().get("embeddings");
        assertEquals(texts.size(), got.size());
        for (int i = 0; i < texts.size(); i++) {
            double c = io.clipkit.util.Vectors.cosine(want[i], Http.floats(got.get(i)));
            assertTrue(c >= 0.99999, texts.get(i) + ": cosine " + c);
        }
    }

    @Test
    void classifyEqualsTheLibraryAndPrintsTheClassifyJsonFields() throws Exception {
        List<String> labels = List.of("cat", "dog", "a red car", "tabby, striped");
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(model).labels(labels).build()) {
            double worst = 0;
            for (String name : IMAGES) {
                Path p = image(name);
                Classification want = c.classify(p);
                // The raw body with labels in the query (a label with a comma goes as label=...).
                Http.Answer a = http.post("/v1/classify?labels=cat,dog,a%20red%20car&label=tabby,%20striped",
                        "image/jpeg", Files.readAllBytes(p));
                assertEquals(200, a.status(), a.text());
                JsonNode got = a.json();
                List<String> fields = new ArrayList<>();
                got.fieldNames().forEachRemaining(fields::add);
                // The fields of clip classify --json (the one result schema), in its order.
                List<String> classifyFields = new ArrayList<>();
                io.clipkit.batch.ResultJson.classificationNode(want, null).fieldNames().forEachRemaining(classifyFields::add);
                assertEquals(classifyFields, fields);
                assertEquals(List.of("image", "status", "labels", "model", "checkpoint_sha256"), fields.subList(0, 5));
                assertEquals(want.labels().size(), got.get("labels").size());
                for (int i = 0; i < want.labels().size(); i++) {
                    LabelScore w = want.labels().get(i);
                    JsonNode g = got.get("labels").get(i);
                    assertEquals(w.label(), g.get("label").asText(), "rank " + i + " of " + name);
                    worst = Math.max(worst, Math.abs(w.probability() - g.get("probability").asDouble()));
                    worst = Math.max(worst, Math.abs(w.cosine() - g.get("cosine").asDouble()));
                }
                assertEquals(want.provenance().checkpointSha256(), got.get("checkpoint_sha256").asText());
                assertEquals("a photo of a {}.", got.get("templates").get(0).asText());
            }
            System.out.printf("classify vs library: max |dp|, |dcos| = %.2e%n", worst);
            assertTrue(worst <= 1e-4, "differs by " + worst);
        }
    }

    @Test
    void classifyTakesLabelsTemplatesAndTopKFromAForm() throws Exception {
        Path p = image("png_rgba.png");
        List<String> labels = List.of("cat", "dog", "car");
        List<String> templates = List.of("a photo of a {}.", "a drawing of a {}.");
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(model).labels(labels).templates(templates).topK(2).build()) {
            Classification want = c.classify(p);
            Http.Answer a = http.postForm("/v1/classify", Http.fields("labels", "cat,dog,car",
                    "templates", "a photo of a {}.\na drawing of a {}.", "top_k", "2"), "x.png", Files.readAllBytes(p));
            assertEquals(200, a.status(), a.text());
            assertEquals("x.png", a.json().get("image").asText());
            assertEquals(2, a.json().get("labels").size());
            assertEquals(2, a.json().get("templates").size());
            for (int i = 0; i < 2; i++) {
                assertEquals(want.labels().get(i).label(), a.json().get("labels").get(i).get("label").asText());
                assertEquals(want.labels().get(i).probability(), a.json().get("labels").get(i).get("probability").asDouble(), 1e-4);
            }
        }
    }

    @Test
    void concurrentRequestsGetTheirOwnNumbers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Double>> fs = new ArrayList<>();
            for (int i = 0; i < 36; i++) {
                String name = IMAGES.get(i % IMAGES.size());
                fs.add(pool.submit(() -> {
                    Http.Answer a = http.post("/v1/embed/image", null, Files.readAllBytes(image(name)));
                    assertEquals(200, a.status(), a.text());
                    return io.clipkit.util.Vectors.cosine(libraryEmbedding(image(name)), Http.floats(a.json().get("embedding")));
                }));
            }
            // Texts from concurrent requests share the text encoder's batches; each gets its own rows back.
            for (int i = 0; i < 12; i++) {
                List<String> texts = List.of("photo number " + i, "a cat", "caption " + (i * 7));
                fs.add(pool.submit(() -> {
                    Http.Answer a = http.postJson("/v1/embed/text", Http.JSON.writeValueAsString(java.util.Map.of("texts", texts)));
                    assertEquals(200, a.status(), a.text());
                    float[][] want = model.encodeTexts(texts);
                    double worst = 1;
                    for (int t = 0; t < texts.size(); t++) {
                        worst = Math.min(worst, io.clipkit.util.Vectors.cosine(want[t], Http.floats(a.json().get("embeddings").get(t))));
                    }
                    return worst;
                }));
            }
            for (Future<Double> f : fs) {
                double c = f.get(120, TimeUnit.SECONDS);
                assertTrue(c >= 0.99999, "cosine " + c);
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        String m = http.get("/metrics").text();
        assertTrue(m.contains("clip_batch_size_bucket{encoder=\"image\",le=\"1.0\"}"), m);
        assertTrue(m.contains("clip_batch_size_bucket{encoder=\"text\",le=\"1.0\"}"), m);
        assertTrue(m.contains("clip_http_requests_total{route=\"/v1/embed/image\",status=\"200\"}"), m);
        assertTrue(m.contains("clip_http_request_duration_seconds{route=\"/v1/embed/image\",quantile=\"0.99\"}"), m);
    }

    // ------------------------------------------------------------------ bad images

    static Stream<String> badFixtures() throws IOException {
        try (Stream<Path> s = Files.list(TestFiles.fixture("images/bad"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** Every broken fixture: 422 with the reason the library gives for the file (or 200 if it decodes it). */
    @ParameterizedTest
    @MethodSource("badFixtures")
    void badImagesGetTheLibrarysReason(String name) throws Exception {
        Path p = TestFiles.fixture("images/bad/" + name);
        String reason = null;
        try {
            model.preprocessor().preprocess(p);
        } catch (ImageDecodeException e) {
            reason = e.reason();
        }
        Http.Answer a = http.postForm("/v1/embed/image", Http.fields(), name, Files.readAllBytes(p));
        if (reason == null) {
            assertEquals(200, a.status(), a.text()); // decoded as far as it goes, as Pillow does
        } else {
            assertEquals(422, a.status(), a.text());
            assertEquals(name + ": " + reason, a.json().get("error").asText());
        }
    }

    @Test
    void notAnImageTruncatedAndEmptyAre422WithTheirReasons() throws Exception {
        Http.Answer text = http.post("/v1/embed/image", "image/jpeg", "hello, not an image".getBytes(StandardCharsets.UTF_8));
        assertEquals(422, text.status(), text.text());
        assertTrue(text.json().get("error").asText().startsWith("upload: "), text.text());

        byte[] png = Files.readAllBytes(image("png_rgba.png"));
        Http.Answer cut = http.post("/v1/classify?labels=a,b", "image/png", Arrays.copyOf(png, 60));
        assertEquals(422, cut.status(), cut.text());
        assertTrue(cut.json().get("error").asText().contains("truncated"), cut.text());

        Http.Answer empty = http.post("/v1/embed/image", "image/png", new byte[0]);
        assertEquals(422, empty.status(), empty.text());
        assertEquals("upload: empty file (0 bytes)", empty.json().get("error").asText());
    }

    @Test
    void overThePixelLimitIs422() throws Exception {
        BufferedImage big = new BufferedImage(1100, 1000, BufferedImage.TYPE_INT_RGB); // 1.1 MP > 1 MP limit, tiny PNG
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(big, "png", out);
        assertTrue(out.size() < MAX_BODY);
        Http.Answer a = http.postForm("/v1/classify", Http.fields("labels", "a,b"), "big.png", out.toByteArray());
        assertEquals(422, a.status(), a.text());
        assertTrue(a.json().get("error").asText().contains("over the limit of 1,000,000"), a.text());
    }

    @Test
    void decodingHasATimeout() throws Exception {
        BufferedImage img = new BufferedImage(2000, 2000, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(1);
        for (int y = 0; y < 2000; y += 7) {
            for (int x = 0; x < 2000; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        // 4 MP take tens of milliseconds to decode and resize; the limit is one.
        try (ClipServer slow = ClipServer.builder().model(model).port(0).decodeTimeout(Duration.ofMillis(1))
                .maxBodyBytes(64 << 20).start()) {
            Http h = new Http(slow.uri(), null);
            Http.Answer a = h.post("/v1/embed/image?name=slow.png", "image/png", out.toByteArray());
            assertEquals(422, a.status(), a.text());
            assertEquals("slow.png: decoding took longer than 1 ms", a.json().get("error").asText());
            assertEquals(200, h.get("/health").status());
        }
    }

    // ------------------------------------------------------------------ bad requests

    @Test
    void aBodyOverTheLimitIs413BeforeItIsSent() throws Exception {
        // Headers announce 1 GB; only they are sent. The answer comes at once, and the connection closes.
        try (Socket s = new Socket(server.uri().getHost(), server.port())) {
            s.setSoTimeout(20_000);
            OutputStream o = s.getOutputStream();
            o.write(("POST /v1/embed/image HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: image/jpeg\r\nContent-Length: 1000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.write(new byte[1000]);
            o.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // returns: the server closed
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("\"error\":\"request body is 1000000000 bytes, over the server's limit of 1048576 bytes\""), answer);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        long size = 4 * MAX_BODY;
        // A streamed body of unknown length (chunked), larger than the limit.
        HttpRequest r = http.request("/v1/embed/image").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
                    long left = size;

                    @Override
                    public int read() {
                        return left-- > 0 ? 0xAB : -1;
                    }
                })).build();
        Http.Answer a;
        try {
            a = http.send(r);
        } catch (IOException e) {
            return; // the server closed the connection while the client was still sending: also refused unread
        }
        assertEquals(413, a.status(), a.text());
    }

    @Test
    void malformedJsonIs400() throws Exception {
        for (String body : List.of("{\"texts\": [\"a\",", "not json", "", "[1,2]", "{\"texts\": []}", "{\"texts\": [1]}", "{}")) {
            Http.Answer a = http.postJson("/v1/embed/text", body);
            assertEquals(400, a.status(), body + " -> " + a.text());
            assertNotNull(a.json().get("error"), a.text());
        }
        Http.Answer a = http.postJson("/v1/embed/text", "{\"texts\": [\"a\",");
        assertTrue(a.json().get("error").asText().startsWith("malformed JSON: "), a.text());
    }

    @Test
    void aTextLongerThanTheContextIs400() throws Exception {
        String longText = String.join(" ", java.util.Collections.nCopies(100, "word"));
        Http.Answer a = http.postJson("/v1/embed/text", "{\"texts\": [\"ok\", \"" + longText + "\"]}");
        assertEquals(400, a.status(), a.text());
        assertTrue(a.json().get("error").asText().contains("77"), a.text());
    }

    @Test
    void badClassifyParametersAre400() throws Exception {
        byte[] img = Files.readAllBytes(image("png_rgba.png"));
        for (String q : List.of("", "?labels=", "?labels=cat,cat", "?labels=a,b&top_k=0", "?labels=a,b&top_k=x",
                "?labels=a,b&min_score=1.5", "?labels=a,b&min_score=x",
                "?labels=a,b&template=no%20placeholder")) {
            Http.Answer a = http.post("/v1/classify" + q, "image/png", img);
            assertEquals(400, a.status(), q + " -> " + a.text());
            assertNotNull(a.json().get("error"));
        }
    }

    @Test
    void aMalformedQueryStringIs400() throws Exception {
        // Sent by hand: java.net.URI refuses such a query before it leaves the client.
        try (Socket s = new Socket(server.uri().getHost(), server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /v1/classify?labels=%ZZ,b% HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + TOKEN + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.contains("{\"error\":\"malformed query string (bad %-escape or encoding)\"}"), answer);
        }
    }

    @Test
    void theOpenApiDescriptionListsTheRoutes() throws Exception {
        Http.Answer a = http.withToken(null).get("/openapi.yaml");
        assertEquals(200, a.status());
        for (String route : List.of("/health:", "/v1/embed/image:", "/v1/embed/text:", "/v1/classify:", "/metrics:")) {
            assertTrue(a.text().contains("  " + route + "\n"), route);
        }
    }

    @Test
    void badMultipartIs400() throws Exception {
        Http.Answer noImage = http.postForm("/v1/embed/image", Http.fields("labels", "a"), null, null);
        assertEquals(400, noImage.status(), noImage.text());
        assertEquals("the multipart form has no 'image' file part", noImage.json().get("error").asText());
        Http.Answer garbage = http.post("/v1/embed/image", "multipart/form-data; boundary=xyz",
                "this is not multipart".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, garbage.status(), garbage.text());
        Http.Answer noBoundary = http.post("/v1/embed/image", "multipart/form-data", new byte[10]);
        assertEquals(400, noBoundary.status(), noBoundary.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/nope", "/v1", "/v1/embed", "/v1/embed/image/x", "/health/"})
    void unknownPathsAre404(String path) throws Exception {
        Http.Answer a = http.get(path);
        assertEquals(404, a.status(), a.text());
        assertEquals("no such path: " + path, a.json().get("error").asText());
    }

    @Test
    void wrongMethodsAre405() throws Exception {
        Http.Answer a = http.get("/v1/classify");
        assertEquals(405, a.status(), a.text());
        assertEquals("POST", a.headers().firstValue("Allow").orElse(""));
        Http.Answer b = http.post("/health", null, new byte[0]);
        assertEquals(405, b.status(), b.text());
        Http.Answer c = http.send(http.request("/v1/embed/text").DELETE().build());
        assertEquals(405, c.status(), c.text());
    }

    @Test
    void withATokenTheApiNeedsIt() throws Exception {
        byte[] img = Files.readAllBytes(image("png_rgba.png"));
        for (Http client : List.of(http.withToken(null), http.withToken("wrong"), http.withToken(TOKEN + "x"))) {
            for (Http.Answer a : List.of(client.post("/v1/embed/image", null, img), client.get("/metrics"),
                    client.postJson("/v1/embed/text", "{\"texts\":[\"a\"]}"))) {
                assertEquals(401, a.status(), a.text());
                assertEquals("Bearer", a.headers().firstValue("WWW-Authenticate").orElse(""));
            }
        }
        // The page and /health stay open (a liveness probe, a browser before the token is typed).
        assertEquals(200, http.withToken(null).get("/").status());
        assertTrue(http.withToken(null).get("/").text().contains("<title>clipkit</title>"));
    }

    @Test
    void theServerRefusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> ClipServer.builder().maxBatch(0));
        assertThrows(IllegalArgumentException.class, () -> ClipServer.builder().port(70000));
        assertThrows(IllegalArgumentException.class, () -> ClipServer.builder().token("has space"));
        assertThrows(IllegalArgumentException.class, () -> ClipServer.builder().maxWait(Duration.ofMillis(-1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipServer.builder().start());
        assertEquals("no model given", e.getMessage());
        IOException inUse = assertThrows(IOException.class,
                () -> ClipServer.builder().model(model).port(server.port()).start().close());
        assertTrue(inUse.getMessage().contains("cannot listen on 127.0.0.1:" + server.port()), inUse.getMessage());
    }
}
