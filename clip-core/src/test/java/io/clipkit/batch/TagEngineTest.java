package io.clipkit.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ImageDecodeException;
import io.clipkit.TagListener;
import io.clipkit.TagResult;
import io.clipkit.TagSummary;
import io.clipkit.Tagger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TagEngineTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> LABELS = List.of("red", "green", "blue", "cat", "dog");

    @TempDir Path tmp;
    Path photos;
    Path out;
    FakeClipModel model;

    @BeforeEach
    void setUp() throws IOException {
        photos = Files.createDirectories(tmp.resolve("photos"));
        out = tmp.resolve("out/tags.jsonl");
        model = new FakeClipModel();
    }

    Tagger.Builder tagger() {
        return Tagger.builder(model).labels(LABELS).output(out).threads(2).batchSize(4);
    }

    TagSummary run(UnaryOperator<Tagger.Builder> cfg, Path... inputs) throws IOException {
        return cfg.apply(tagger()).build().run(List.of(inputs));
    }

    static List<JsonNode> records(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    static Map<String, JsonNode> byName(List<JsonNode> records) {
        Map<String, JsonNode> m = new HashMap<>();
        for (JsonNode n : records) {
            String name = Path.of(n.get("path").asText()).getFileName().toString();
            assertFalse(m.containsKey(name), "two records for " + name);
            m.put(name, n);
        }
        return m;
    }

    void makeTree() throws IOException {
        Images.write(photos.resolve("a.png"), 40, 30, 1);
        Images.write(photos.resolve("b.jpg"), 30, 40, 2);
        Images.write(photos.resolve("C.JPEG"), 20, 20, 3);
        Images.write(photos.resolve("sub/d.png"), 10, 10, 4);
        Images.write(photos.resolve("sub/deeper/e.gif"), 12, 10, 5);
        Files.writeString(photos.resolve("notes.txt"), "not an input");
        Files.writeString(photos.resolve("fake.jpg"), "just some text\n");
        Files.writeString(photos.resolve("page.jpg"), "<!DOCTYPE html><html><body>hi</body></html>");
        Files.createFile(photos.resolve("empty.png"));
    }

    @Test
    void recursiveRunWritesExactlyOneRecordPerImageFile() throws IOException {
        makeTree();
        TagSummary s = run(b -> b.recursive(true).topK(3), photos);
        Map<String, JsonNode> r = byName(records(out));
        assertEquals(java.util.Set.of("a.png", "b.jpg", "C.JPEG", "d.png", "e.gif", "fake.jpg", "page.jpg", "empty.png"), r.keySet());
        for (String ok : List.of("a.png", "b.jpg", "C.JPEG", "d.png", "e.gif")) {
            JsonNode n = r.get(ok);
            assertEquals("ok", n.get("status").asText(), n.toString());
            assertEquals(3, n.get("labels").size());
            double prev = 1;
            for (JsonNode l : n.get("labels")) {
                assertTrue(LABELS.contains(l.get("label").asText()));
                double p = l.get("probability").asDouble();
                assertTrue(p <= prev && p >= 0, n.toString());
                assertTrue(Math.abs(l.get("cosine").asDouble()) <= 1.0001);
                prev = p;
            }
            Path f = Path.of(n.get("path").asText());
            assertEquals(Files.size(f), n.get("size").asLong());
            assertEquals(Files.getLastModifiedTime(f).toInstant().toString(), n.get("mtime").asText());
            assertEquals("f".repeat(64), n.get("checkpoint_sha256").asText());
        }
        assertEquals("not a recognized image: the file is text", r.get("fake.jpg").get("error").asText());
        assertEquals("not an image: the file is an HTML document", r.get("page.jpg").get("error").asText());
        assertEquals("empty file (0 bytes)", r.get("empty.png").get("error").asText());
        assertEquals(5, s.ok());
        assertEquals(3, s.failed());
        assertTrue(s.anyFailed());
        assertEquals(5, model.encodedImages.get());
    }

    @Test
    void probabilitiesAreSoftmaxOfScaledCosinesOverAllLabels() throws IOException {
        Images.write(photos.resolve("a.png"), 40, 30, 1);
        run(b -> b.topK(LABELS.size()), photos);
        JsonNode n = records(out).get(0);
        double sum = 0;
        double z = 0;
        for (JsonNode l : n.get("labels")) {
            sum += l.get("probability").asDouble();
            z += Math.exp(100 * (l.get("cosine").asDouble() - n.get("labels").get(0).get("cosine").asDouble()));
        }
        assertEquals(1.0, sum, 1e-4);
        assertEquals(1 / z, n.get("labels").get(0).get("probability").asDouble(), 1e-4);
    }

    @Test
    void nonRecursiveRunStaysInTheFolderAndSkipsAFolderNamedLikeAnImage() throws IOException {
        makeTree();
        Files.createDirectories(photos.resolve("x.jpg"));
        run(b -> b, photos);
        Map<String, JsonNode> r = byName(records(out));
        assertFalse(r.containsKey("d.png"));
        assertEquals("skipped", r.get("x.jpg").get("status").asText());
        assertTrue(r.get("x.jpg").get("error").asText().contains("folder"));
    }

    @Test
    void includeAndExcludeGlobs() throws IOException {
        makeTree();
        run(b -> b.recursive(true).include("*.png").exclude("sub/deeper/**").exclude("empty.png"), photos);
        assertEquals(java.util.Set.of("a.png", "d.png"), byName(records(out)).keySet());
        Files.delete(out);
        run(b -> b.recursive(true).exclude("sub"), photos);
        Map<String, JsonNode> r = byName(records(out));
        assertFalse(r.containsKey("d.png") || r.containsKey("e.gif"), r.keySet().toString());
        assertTrue(r.containsKey("a.png"));
    }

    @Test
    void rerunResumesAndForceRedoes() throws IOException {
        makeTree();
        TagSummary first = run(b -> b.recursive(true), photos);
        int lines = records(out).size();
        long encoded = model.encodedImages.get();
        TagSummary second = run(b -> b.recursive(true), photos);
        assertEquals(lines, records(out).size(), "a rerun adds nothing");
        assertEquals(first.processed(), second.resumed());
        assertEquals(3, second.resumedFailed());
        assertEquals(0, second.processed());
        assertEquals(encoded, model.encodedImages.get());

        // A changed file is redone (its new record comes last).
        Images.write(photos.resolve("a.png"), 41, 30, 9);
        Files.setLastModifiedTime(photos.resolve("a.png"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        TagSummary third = run(b -> b.recursive(true), photos);
        assertEquals(1, third.ok());
        assertEquals(lines + 1, records(out).size());

        TagSummary forced = run(b -> b.recursive(true).force(true), photos);
        assertEquals(lines, records(out).size(), "--force starts the output afresh");
        assertEquals(0, forced.resumed());
        byName(records(out));
    }

    @Test
    void tornLastLineOfAKilledRunIsCutAndRedone() throws IOException {
        makeTree();
        run(b -> b.recursive(true), photos);
        List<String> lines = Files.readAllLines(out);
        // Simulate a kill in the middle of writing the last record.
        String last = lines.get(lines.size() - 1);
        List<String> keep = new ArrayList<>(lines.subList(0, lines.size() - 1));
        Files.writeString(out, String.join("\n", keep) + "\n" + last.substring(0, last.length() / 2));
        TagSummary s = run(b -> b.recursive(true), photos);
        assertEquals(1, s.processed());
        assertEquals(lines.size(), byName(records(out)).size());
    }

    @Test
    void csvOutputHasAHeaderQuotesAwkwardNamesAndResumes() throws IOException {
        Images.write(photos.resolve("a, \"quoted\"\nname.png"), 20, 20, 1);
        Images.write(photos.resolve("b.png"), 20, 20, 2);
        out = tmp.resolve("tags.csv");
        run(b -> b.topK(2), photos);
        List<String> text = Files.readAllLines(out);
        assertEquals(String.join(",", ResultLog.CSV_HEADER), text.get(0));
        Map<String, ResultLog.Prior> prior = ResultLog.readPrior(out);
        assertEquals(2, prior.size());
        assertTrue(prior.containsKey(photos.resolve("a, \"quoted\"\nname.png").toString()), prior.keySet().toString());
        TagSummary s = run(b -> b.topK(2), photos);
        assertEquals(2, s.resumed());
        try (var r = Files.newBufferedReader(out)) {
            Csv.Reader cr = new Csv.Reader(r);
            cr.next();
            List<String> row = cr.next();
            assertEquals(2, JSON.readTree(row.get(4)).size());
            assertEquals("ok", row.get(1));
        }
    }

    /** No templates given: the model's own, recorded in the provenance; given ones win. */
    @Test
    void theModelsTemplatesAreTheDefault() throws IOException {
        makeTree();
        model.templates = List.of("{}", "a drawing of a {}.");
        assertEquals(model.templates, run(b -> b, photos).provenance().templates());
        out = tmp.resolve("out/given.jsonl");
        assertEquals(List.of("a photo of a {}."), run(b -> b.templates(List.of("a photo of a {}.")), photos).provenance().templates());
    }

    @Test
    void retaggingWithNewLabelsDecodesAndEncodesNothing() throws IOException {
        makeTree();
        Path index = tmp.resolve("cache/index.sqlite");
        run(b -> b.recursive(true).index(index), photos);
        long pre = model.preprocessor.calls.get();
        long enc = model.encodeCalls.get();
        assertEquals(5, pre);

        out = tmp.resolve("out/other-labels.jsonl");
        TagSummary s = Tagger.builder(model).labels(List.of("sunset", "beach")).output(out).index(index).recursive(true)
                .threads(2).batchSize(4).build().run(List.of(photos));
        assertEquals(pre, model.preprocessor.calls.get(), "no image decoded");
        assertEquals(enc, model.encodeCalls.get(), "no image encoded");
        assertEquals(5, s.cacheHits());
        assertEquals(5, s.ok());

        // A copy under another name is found by content hash.
        Files.copy(photos.resolve("a.png"), photos.resolve("copy-of-a.png"));
        out = tmp.resolve("out/third.jsonl");
        run(b -> b.recursive(true).index(index), photos);
        assertEquals(pre, model.preprocessor.calls.get());
        Map<String, JsonNode> r = byName(records(out));
        assertEquals(r.get("a.png").get("labels"), r.get("copy-of-a.png").get("labels"));
    }

    @Test
    void cachedEmbeddingsGiveTheSameResultsAsFreshOnes() throws IOException {
        makeTree();
        Path index = tmp.resolve("index.sqlite");
        run(b -> b.recursive(true).index(index), photos);
        Map<String, JsonNode> fresh = byName(records(out));
        run(b -> b.recursive(true).index(index).force(true), photos);
        Map<String, JsonNode> cached = byName(records(out));
        assertEquals(fresh.keySet(), cached.keySet());
        for (String k : fresh.keySet()) {
            JsonNode a = fresh.get(k);
            JsonNode b = cached.get(k);
            assertEquals(a.get("status"), b.get("status"), k);
            assertEquals(a.get("labels").size(), b.get("labels").size(), k);
            for (int i = 0; i < a.get("labels").size(); i++) {
                JsonNode la = a.get("labels").get(i);
                JsonNode lb = b.get("labels").get(i);
                assertEquals(la.get("label"), lb.get("label"), k);
                // Same vectors; the ranking product may differ by an ulp with the batch's shape.
                assertEquals(la.get("cosine").asDouble(), lb.get("cosine").asDouble(), 1e-6, k);
                assertEquals(la.get("probability").asDouble(), lb.get("probability").asDouble(),
                        1e-5 * la.get("probability").asDouble() + 1e-30, k);
            }
        }
    }

    @Test
    void withoutXmpNoUserFileChanges() throws IOException {
        makeTree();
        Map<String, String> before = Images.checksums(photos);
        run(b -> b.recursive(true).index(tmp.resolve("i.sqlite")), photos);
        run(b -> b.recursive(true).index(tmp.resolve("i.sqlite")).force(true), photos);
        assertEquals(before, Images.checksums(photos));
    }

    @Test
    void decodedImagesInFlightStayBounded() throws IOException {
        for (int i = 0; i < 120; i++) {
            Images.write(photos.resolve("img" + i + ".png"), 8, 8, i);
        }
        model.encodeDelayMillis = 5;
        TagSummary s = run(b -> b.batchSize(4).threads(2), photos);
        assertEquals(120, s.ok());
        long bound = 2 * 4 + 2 * 2 + 2 + 4; // queue + one being queued + one taken + a batch pending
        assertTrue(model.preprocessor.maxOutstanding.get() <= bound,
                "decoded but not encoded: " + model.preprocessor.maxOutstanding.get() + " > " + bound);
    }

    @Test
    void discoveryStreamsAheadOfTheResultsByABoundedAmountOnly() throws IOException {
        for (int i = 0; i < 200; i++) {
            Files.writeString(photos.resolve("f" + i + ".jpg"), "text " + i); // cheap inputs: error records
        }
        long[] lead = {0};
        long[] results = {0};
        boolean[] sawIncomplete = {false};
        tagger().batchSize(2).threads(1).build().run(List.of(photos), new TagListener() {
            @Override
            public void discovered(long files, boolean complete) {
                lead[0] = Math.max(lead[0], files - results[0]);
                sawIncomplete[0] |= !complete && results[0] > 0;
            }

            @Override
            public void result(TagResult r) {
                results[0]++;
            }
        });
        assertEquals(200, results[0]);
        assertTrue(sawIncomplete[0], "results were written while the walk was still going");
        // queue (2 * 2 + 2 * 1) + one being queued + one pending batch of 4 * 2
        assertTrue(lead[0] <= 2 * 2 + 2 + 1 + 4 * 2 + 1, "discovery ran " + lead[0] + " files ahead");
    }

    @Test
    void fileDeletedBetweenDiscoveryAndDecodingIsAnErrorRecord() throws IOException {
        Path a = Images.write(photos.resolve("a.png"), 8, 8, 1);
        Path b = Images.write(photos.resolve("b.png"), 8, 8, 2);
        model.preprocessor.hook = p -> {
            if (p.equals(a)) {
                try {
                    Files.delete(b);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        run(x -> x.threads(1), a, b);
        Map<String, JsonNode> r = byName(records(out));
        assertEquals("ok", r.get("a.png").get("status").asText());
        assertEquals("file disappeared before it could be read (deleted or moved)", r.get("b.png").get("error").asText());
    }

    @Test
    void decoderFailuresAndHangsBecomeSpecificErrorRecords() throws IOException {
        Path bad = Images.write(photos.resolve("bad.png"), 8, 8, 1);
        Path boom = Images.write(photos.resolve("boom.png"), 8, 8, 2);
        Path slow = Images.write(photos.resolve("slow.png"), 8, 8, 3);
        Path fine = Images.write(photos.resolve("fine.png"), 8, 8, 4);
        model.preprocessor.hook = p -> {
            if (p.equals(bad)) {
                throw new UncheckedIOException(new ImageDecodeException(p, "PNG chunk IDAT has a bad CRC"));
            }
            if (p.equals(boom)) {
                throw new IllegalStateException("decoder bug");
            }
            if (p.equals(slow)) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        TagSummary s = run(b -> b.threads(2).decodeTimeout(Duration.ofSeconds(1)), bad, boom, slow, fine);
        Map<String, JsonNode> r = byName(records(out));
        assertTrue(r.get("bad.png").get("error").asText().contains("bad CRC"), r.get("bad.png").toString());
        assertEquals("IllegalStateException: decoder bug", r.get("boom.png").get("error").asText());
        assertTrue(r.get("slow.png").get("error").asText().startsWith("decoding took longer than 1 s"));
        assertEquals("ok", r.get("fine.png").get("status").asText());
        assertEquals(3, s.failed());
    }

    @Test
    void symbolicLinkLoopsAndBrokenLinksAreRecordedNotFollowedForever() throws IOException {
        Images.write(photos.resolve("a.png"), 8, 8, 1);
        Files.createDirectories(photos.resolve("sub"));
        Files.createSymbolicLink(photos.resolve("sub/loop"), photos);
        Files.createSymbolicLink(photos.resolve("self.jpg"), photos.resolve("self.jpg"));
        Files.createSymbolicLink(photos.resolve("dangling.jpg"), photos.resolve("nowhere.jpg"));
        run(b -> b.recursive(true).include("*"), photos);
        Map<String, JsonNode> r = byName(records(out));
        assertEquals("ok", r.get("a.png").get("status").asText());
        assertEquals("skipped", r.get("loop").get("status").asText());
        assertTrue(r.get("loop").get("error").asText().contains("symbolic link loop"));
        assertEquals("symbolic link loop", r.get("self.jpg").get("error").asText());
        assertEquals("broken symbolic link (its target does not exist)", r.get("dangling.jpg").get("error").asText());
    }

    @Test
    void fifoNamedLikeAnImageIsSkippedWithoutBlocking() throws Exception {
        Path fifo = photos.resolve("pipe.jpg");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo unavailable");
        run(b -> b, photos);
        JsonNode n = records(out).get(0);
        assertEquals("skipped", n.get("status").asText());
        assertTrue(n.get("error").asText().contains("not a regular file"));
    }

    @Test
    void unreadableFileIsAPermissionError() throws IOException {
        Path a = Images.write(photos.resolve("locked.png"), 8, 8, 1);
        Files.setPosixFilePermissions(a, java.util.Set.of());
        try {
            run(b -> b, photos);
            JsonNode n = records(out).get(0);
            if (Files.isReadable(a)) {
                // Running as root: access(2) and open(2) both succeed on a 0000 file, so it is tagged.
                assertEquals("ok", n.get("status").asText());
            } else {
                assertEquals("permission denied", n.get("error").asText());
            }
        } finally {
            Files.setPosixFilePermissions(a, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        assertEquals("permission denied", Failures.describe(new java.nio.file.AccessDeniedException(a.toString())));
    }

    @Test
    void nonUtf8FileNameIsTagged() throws Exception {
        Path src = Images.write(photos.resolve("src.png"), 8, 8, 1);
        Process p = new ProcessBuilder("/bin/sh", "-c", "cp src.png \"$(printf 'caf\\351-\\377.png')\"")
                .directory(photos.toFile()).start();
        assertEquals(0, p.waitFor());
        Files.delete(src);
        run(b -> b, photos);
        List<JsonNode> r = records(out);
        assertEquals(1, r.size());
        assertEquals("ok", r.get(0).get("status").asText(), r.get(0).toString());
        // And a rerun recognizes it.
        assertEquals(1, run(b -> b, photos).resumed());
    }

    @Test
    void ownOutputIndexAndTempFilesInTheTreeAreNotInputs() throws IOException {
        Images.write(photos.resolve("a.png"), 8, 8, 1);
        Files.writeString(photos.resolve(".a.png.xmp.123.clipkit-tmp"), "left by a crash");
        out = photos.resolve("tags.jsonl");
        run(b -> b.include("*").index(photos.resolve("index.sqlite")), photos);
        run(b -> b.include("*").index(photos.resolve("index.sqlite")), photos);
        assertEquals(java.util.Set.of("a.png"), byName(records(out)).keySet());
    }

    @Test
    void missingInputIsACallerMistakeAndBadSettingsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> run(b -> b, tmp.resolve("nope")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tagger().topK(0));
        assertTrue(e.getMessage().contains("0"));
        assertThrows(IllegalArgumentException.class, () -> tagger().minScore(1.5f));
        assertThrows(IllegalArgumentException.class, () -> Tagger.builder(model).labels(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> tagger().output(Path.of("x.txt")));
        assertThrows(IllegalArgumentException.class, () -> tagger().templates(List.of("no placeholder")));
    }

    @Test
    void listenerSeesEveryResultAndTheDiscoveryTotal() throws IOException {
        makeTree();
        List<TagResult> seen = new ArrayList<>();
        long[] total = {0};
        boolean[] complete = {false};
        tagger().recursive(true).build().run(List.of(photos), new TagListener() {
            @Override
            public void discovered(long files, boolean done) {
                total[0] = files;
                complete[0] = done;
            }

            @Override
            public void result(TagResult r) {
                seen.add(r);
            }
        });
        assertEquals(8, seen.size());
        assertEquals(8, total[0]);
        assertTrue(complete[0]);
    }

    @Test
    void appendsAfterExistingForeignOutputAreRefused() throws IOException {
        Images.write(photos.resolve("a.png"), 8, 8, 1);
        Files.createDirectories(out.getParent());
        Files.writeString(out, "this is my diary\n", StandardOpenOption.CREATE);
        IOException e = assertThrows(IOException.class, () -> run(b -> b, photos));
        assertTrue(e.getMessage().contains("not a clipkit tagging"));
        assertEquals("this is my diary\n", Files.readString(out));
    }

    /** The run decodes from the start; the labels are embedded when the first batch is ranked (a model loading its weights in the background is meanwhile getting them ready). */
    @Test
    void imagesDecodeBeforeTheLabelsAreEmbedded() throws IOException {
        makeTree();
        java.util.concurrent.CountDownLatch decoded = new java.util.concurrent.CountDownLatch(1);
        // a checksum of its own: label embeddings of other tests' models are not reused
        String sha = String.format("%064x", new java.math.BigInteger(255, new java.util.Random()));
        model = new FakeClipModel(sha) {
            @Override
            public float[][] encodeTokens(int[][] tokens, boolean normalize) {
                try {
                    if (!decoded.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
                        throw new io.clipkit.ClipException("the labels were embedded before any image was decoded");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new io.clipkit.ClipException("interrupted", e);
                }
                return super.encodeTokens(tokens, normalize);
            }
        };
        model.preprocessor.hook = p -> decoded.countDown();
        TagSummary s = run(b -> b.recursive(true), photos);
        assertEquals(5, s.ok(), "every image tagged once the labels were embedded");
        assertTrue(model.textCalls.get() > 0);
    }

    /** A model whose weights failed to load in the background: the run stops with the model's error, and writes no tags. */
    @Test
    void aModelThatCannotComputeStopsTheRunWithItsError() throws IOException {
        makeTree();
        String sha = String.format("%064x", new java.math.BigInteger(255, new java.util.Random()));
        model = new FakeClipModel(sha) {
            @Override
            public float[][] encodePreprocessed(List<float[]> chw, boolean normalize) {
                throw new io.clipkit.ClipException("loading the weights of fake.pt failed: tensor 'x' has shape [63], expected [64]");
            }

            @Override
            public float[][] encodeTokens(int[][] tokens, boolean normalize) {
                throw new io.clipkit.ClipException("loading the weights of fake.pt failed: tensor 'x' has shape [63], expected [64]");
            }
        };
        io.clipkit.ClipException e = assertThrows(io.clipkit.ClipException.class, () -> run(b -> b.recursive(true), photos));
        assertTrue(e.getMessage().contains("loading the weights of fake.pt failed"), e.getMessage());
        List<JsonNode> written = Files.exists(out) ? records(out) : List.of();
        assertTrue(written.stream().noneMatch(r -> "ok".equals(r.path("status").asText())), "no tag without a model: " + written);
    }
}
