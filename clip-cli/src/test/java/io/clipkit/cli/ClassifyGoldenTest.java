package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code clip classify --json} against the reference (models/tools/classify/make_classify_fixtures.py):
 * probabilities and cosines within 1e-4 of the fp32 reference, on fixture checkpoints (with the
 * full-vocabulary formula token table), fixture images, several label and template sets.
 */
class ClassifyGoldenTest {
    static final double TOLERANCE = 1e-4;
    @TempDir static Path work;
    static final Map<String, Path> CHECKPOINTS = new HashMap<>();

    static Stream<String> cases() throws IOException {
        List<String> names = new ArrayList<>();
        expected().get("cases").forEach(c -> names.add(c.get("name").asText()));
        return names.stream();
    }

    static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(TestFiles.fixture("classify/expected.json").toFile());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void classifyJsonMatchesTheReference(String name) throws Exception {
        JsonNode c = null;
        for (JsonNode x : expected().get("cases")) {
            if (x.get("name").asText().equals(name)) {
                c = x;
            }
        }
        Path model = checkpoint(c.get("model").asText());
        List<String> args = new ArrayList<>(List.of("classify", "--json", "--model", model.toString(),
                "--vocab", TestFiles.vocabulary().toString(), "--activation", c.get("activation").asText(),
                "--cache-dir", work.resolve("cache").toString(), "--batch-size", "2"));
        if (c.get("templates").isTextual()) {
            args.add("--ensemble");
        } else {
            c.get("templates").forEach(t -> args.add("--template=" + t.asText()));
        }
        c.get("labels").forEach(l -> args.add("--label=" + l.asText()));
        if (!c.get("exif").asBoolean()) {
            args.add("--no-exif-rotate");
        }
        List<String> images = new ArrayList<>();
        c.get("images").forEach(i -> images.add(TestFiles.fixture("images/src/" + i.asText()).toString()));
        args.addAll(images);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), err.toString());

        String[] lines = out.toString().strip().split("\n");
        assertEquals(images.size(), lines.length, out.toString());
        List<String> labels = new ArrayList<>();
        c.get("labels").forEach(l -> labels.add(l.asText()));
        double maxProb = 0;
        double maxCos = 0;
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < lines.length; i++) {
            JsonNode got = om.readTree(lines[i]);
            assertEquals(images.get(i), got.get("image").asText());
            assertEquals(labels.size(), got.get("labels").size());
            double prev = 2;
            for (JsonNode l : got.get("labels")) {
                int j = labels.indexOf(l.get("label").asText());
                assertTrue(j >= 0, l.toString());
                double p = l.get("probability").asDouble();
                assertTrue(p <= prev, "sorted by probability");
                prev = p;
                maxProb = Math.max(maxProb, Math.abs(p - c.get("probabilities").get(i).get(j).asDouble()));
                maxCos = Math.max(maxCos, Math.abs(l.get("cosine").asDouble() - c.get("cosines").get(i).get(j).asDouble()));
            }
            assertEquals(c.get("logit_scale").asDouble(), got.get("logit_scale").asDouble(), 1e-3 * c.get("logit_scale").asDouble());
        }
        System.out.printf(Locale.ROOT, "classify golden %s: max |dp| = %.2e, max |dcos| = %.2e%n", name, maxProb, maxCos);
        assertTrue(maxProb <= TOLERANCE, "probability differs by " + maxProb);
        assertTrue(maxCos <= TOLERANCE, "cosine differs by " + maxCos);
        if (name.contains("truncated")) {
            assertTrue(err.toString().contains("truncated"), "a warning for the long label: " + err);
        }
    }

    /** The library with a real model: one classifier, several threads, the reference's numbers. */
    @org.junit.jupiter.api.Test
    void oneClassifierServesManyThreadsWithTheReferenceNumbers() throws Exception {
        JsonNode c = expected().get("cases").get(0);
        assertEquals("vit-default", c.get("name").asText());
        List<String> labels = new ArrayList<>();
        c.get("labels").forEach(l -> labels.add(l.asText()));
        List<Path> images = new ArrayList<>();
        c.get("images").forEach(i -> images.add(TestFiles.fixture("images/src/" + i.asText())));
        var opts = io.clipkit.ModelOptions.builder().vocabulary(TestFiles.vocabulary()).build();
        try (io.clipkit.ClipModel model = io.clipkit.model.ModelLoader.load(checkpoint(c.get("model").asText()), opts);
             io.clipkit.ZeroShotClassifier classifier = io.clipkit.ZeroShotClassifier.builder()
                     .model(model).labels(labels).templates(List.of("a photo of a {}.")).build()) {
            List<io.clipkit.Classification> sequential = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                io.clipkit.Classification r = classifier.classify(images.get(i));
                sequential.add(r);
                for (io.clipkit.LabelScore ls : r.labels()) {
                    double want = c.get("probabilities").get(i).get(labels.indexOf(ls.label())).asDouble();
                    assertEquals(want, ls.probability(), TOLERANCE);
                }
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Boolean>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    fs.add(pool.submit(() -> {
                        java.util.Random r = new java.util.Random(seed);
                        for (int rep = 0; rep < 3; rep++) {
                            int i = r.nextInt(images.size());
                            if (!classifier.classify(images.get(i)).equals(sequential.get(i))) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (var f : fs) {
                    assertTrue(f.get(120, java.util.concurrent.TimeUnit.SECONDS), "a concurrent result differed");
                }
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(120, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void badImagesWithTheRealPipelineAreNamedAndTheOthersClassified() throws Exception {
        Path model = checkpoint("vit-p32-r64/model.pt");
        Path good = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        byte[] jpeg = Files.readAllBytes(good);
        Path truncated = Files.write(work.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
        Path text = Files.writeString(work.resolve("notes.jpg"), "not an image at all");
        Path empty = Files.write(work.resolve("empty.png"), new byte[0]);
        Path missing = work.resolve("missing.jpg");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("classify", "--json", "--model", model.toString(), "--vocab", TestFiles.vocabulary().toString(),
                "--cache-dir", work.resolve("cache").toString(), "--labels", "cat,dog",
                text.toString(), good.toString(), empty.toString(), missing.toString(), truncated.toString());
        String e = err.toString();
        for (Path bad : List.of(text, empty, missing)) {
            assertTrue(e.contains(bad.toString()), bad + " not named in: " + e);
        }
        assertTrue(!e.contains("\tat "), "no stack traces: " + e);
        assertEquals(1, code, e);
        List<String> classified = new ArrayList<>();
        for (String line : out.toString().strip().split("\n")) {
            classified.add(new ObjectMapper().readTree(line).get("image").asText());
        }
        assertTrue(classified.contains(good.toString()), out.toString());
        // A truncated JPEG is either decoded as far as it goes (as Pillow does) or named on stderr.
        assertTrue(classified.contains(truncated.toString()) ^ e.contains(truncated.toString()), e);
    }

    /** The fixture checkpoint as an fp32 safetensors file with the formula token table (as the Python tool uses). */
    static synchronized Path checkpoint(String rel) throws IOException {
        Path p = CHECKPOINTS.get(rel);
        if (p != null) {
            return p;
        }
        JsonNode e = expected();
        int rows = e.get("vocab_rows").asInt();
        Checkpoint ck = Checkpoint.read(TestFiles.fixture("models/" + rel));
        Map<String, TensorData> tensors = new java.util.LinkedHashMap<>();
        for (var t : ck.tensors().entrySet()) {
            TensorData d = t.getValue();
            if (d.dtype().isFloating()) {
                float[] f = d.toFloatArray();
                ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(f);
                d = new TensorData(d.name(), d.shape(), TensorData.Dtype.F32, b);
            }
            tensors.put(t.getKey(), d);
        }
        int width = (int) tensors.get("token_embedding.weight").shape()[1];
        ByteBuffer b = ByteBuffer.allocate(rows * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < width; j++) {
                b.putFloat((((i * 7919 + j * 104729) % 41) - 20) / 1024f);
            }
        }
        b.flip();
        tensors.put("token_embedding.weight", new TensorData("token_embedding.weight", new long[] {rows, width},
                TensorData.Dtype.F32, b));
        p = work.resolve(rel.replace('/', '_') + ".safetensors");
        writeSafetensors(p, tensors);
        CHECKPOINTS.put(rel, p);
        return p;
    }

    static void writeSafetensors(Path file, Map<String, TensorData> tensors) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var t : tensors.entrySet()) {
            TensorData d = t.getValue();
            long n = d.data().remaining();
            h.append(h.length() > 1 ? "," : "").append('"').append(t.getKey()).append("\":{\"dtype\":\"")
                    .append(d.dtype().name()).append("\",\"shape\":").append(java.util.Arrays.toString(d.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(off).append(',').append(off + n).append("]}");
            off += n;
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream o = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            o.write(len.array());
            o.write(header);
            for (TensorData d : tensors.values()) {
                ByteBuffer bb = d.data();
                byte[] a = new byte[bb.remaining()];
                bb.get(a);
                o.write(a);
            }
        }
    }
}
