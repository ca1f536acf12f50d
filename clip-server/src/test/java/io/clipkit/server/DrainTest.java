package io.clipkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipModel;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelInfo;
import io.clipkit.batch.TinyCheckpoint;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close() (what SIGTERM triggers) lets a request in flight finish, then stops listening. */
class DrainTest {
    @TempDir Path work;

    /** The real model, with an image encoder that waits for a signal. */
    static final class HeldModel implements ClipModel {
        final ClipModel m;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldModel(ClipModel m) {
            this.m = m;
        }

        @Override public ModelInfo info() { return m.info(); }
        @Override public ClipTokenizer tokenizer() { return m.tokenizer(); }
        @Override public ImagePreprocessor preprocessor() { return m.preprocessor(); }
        @Override public float logitScale() { return m.logitScale(); }
        @Override public float[][] encodeImages(List<Path> images) throws IOException { return m.encodeImages(images); }
        @Override public float[][] encodeTexts(List<String> texts, boolean normalize) { return m.encodeTexts(texts, normalize); }
        @Override public float[][] encodeTokens(int[][] tokens, boolean normalize) { return m.encodeTokens(tokens, normalize); }
        @Override public void close() { m.close(); }

        @Override
        public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return m.encodePreprocessed(chw, normalize);
        }
    }

    @Test
    void closeDrainsTheRequestInFlight() throws Exception {
        Path ckpt = TinyCheckpoint.write(work.resolve("tiny.safetensors"));
        try (ClipModel real = ClipModel.builder().path(ckpt).cacheDir(work.resolve("cache")).load()) {
            HeldModel held = new HeldModel(real);
            ClipServer server = ClipServer.builder().model(held).port(0).drainTimeout(Duration.ofSeconds(30)).start();
            Http http = new Http(server.uri(), null);
            byte[] img = Files.readAllBytes(TestFiles.fixture("images/src/png_rgba.png"));
            CompletableFuture<Http.Answer> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return http.post("/v1/embed/image", "image/png", img);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(held.entered.await(60, TimeUnit.SECONDS), "the request reached the encoder");
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            // While draining, the request is still held; once released it completes normally.
            Thread.sleep(200);
            assertTrue(!inFlight.isDone() && !closing.isDone(), "close waits for the request in flight");
            held.release.countDown();
            Http.Answer a = inFlight.get(60, TimeUnit.SECONDS);
            assertEquals(200, a.status(), a.text());
            assertEquals(32, a.json().get("embedding").size());
            closing.get(60, TimeUnit.SECONDS);
            server.join(); // returns at once: closed
            assertThrows(ConnectException.class, () -> http.get("/health"));
        }
    }
}
