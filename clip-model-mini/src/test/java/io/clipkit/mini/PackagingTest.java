package io.clipkit.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.ClipModel;
import io.clipkit.DType;
import io.clipkit.Trainer;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Hashes;
import io.clipkit.util.Vectors;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code models/recipes/clipkit-mini/package.sh} on a placeholder run: a model of clipkit-mini's
 * architecture (ResNet [1,1,1,1] width 32 at 64 px, 2-layer text transformer width 128, context
 * 32, embedding 256) trained for two steps in the test's setup. The packaged folder is fp16,
 * deterministic, listed in {@code files.sha256}, carries the templates, and its embeddings match
 * the fp32 run's. Needs {@code /usr/bin/python3} with numpy (fails under CI=true without it).
 */
class PackagingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> FILES = List.of("MODEL_CARD.md", "open_clip_config.json", "open_clip_model.safetensors");

    @TempDir static Path tmp;
    static Path run;
    static Path packed;

    @BeforeAll
    static void trainAndPackage() throws Exception {
        TestFiles.require(python("import numpy").exit == 0, "/usr/bin/python3 with numpy (package.sh runs on it)");
        Path data = Files.createDirectories(tmp.resolve("data"));
        StringBuilder tsv = new StringBuilder();
        Color[] colors = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW};
        String[] names = {"red", "green", "blue", "yellow"};
        for (int i = 0; i < 8; i++) {
            BufferedImage img = new BufferedImage(72, 72, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(colors[i % 4]);
            g.fillRect(0, 0, 72, 72);
            g.setColor(Color.WHITE);
            g.fillOval(8 * i % 40, 10, 20 + i, 30);
            g.dispose();
            ImageIO.write(img, "png", data.resolve(i + ".png").toFile());
            tsv.append(i).append(".png\t").append(names[i % 4]).append(" square\n");
        }
        Files.writeString(data.resolve("pairs.tsv"), tsv);
        run = tmp.resolve("run");
        Trainer.builder().data(data.resolve("pairs.tsv"))
                .architecture(Trainer.Architecture.resnet(256, 64, 32, List.of(1, 1, 1, 1), 128, 2, 32, 49408))
                .output(run).steps(2).batchSize(4).threads(1).seed(7).train();
        packed = pack(run, tmp.resolve("packed"));
    }

    record Result(int exit, String output) {}

    static Result python(String code) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return new Result(127, "no /usr/bin/python3");
        }
        return exec(List.of("/usr/bin/python3", "-c", code));
    }

    static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    static Path pack(Path runDir, Path out, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestFiles.root().resolve("models/recipes/clipkit-mini/package.sh").toString(),
                runDir.toString(), "--out", out.toString()));
        cmd.addAll(Arrays.asList(more));
        Result r = exec(cmd);
        assertEquals(0, r.exit, r.output);
        return out;
    }

    /** A safetensors header: name to {dtype, shape, data_offsets}. */
    static JsonNode header(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
    }

    static byte[] tensorBytes(Path file, JsonNode header, String name) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode off = header.get(name).get("data_offsets");
        return Arrays.copyOfRange(b, (int) (8 + n + off.get(0).asLong()), (int) (8 + n + off.get(1).asLong()));
    }

    @Test
    void theSameRunGivesTheSameBytes() throws Exception {
        Path again = pack(run, tmp.resolve("again"));
        try (Stream<Path> s = Files.list(packed)) {
            assertEquals(List.of("MODEL_CARD.md", "files.sha256", "open_clip_config.json", "open_clip_model.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "only the four files, no temporary ones");
        }
        for (String f : List.of("files.sha256", "open_clip_config.json", "open_clip_model.safetensors", "MODEL_CARD.md")) {
            assertArrayEquals(Files.readAllBytes(packed.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
        }
    }

    @Test
    void floatsBecomeFp16AndIntegersKeepTheirType() throws IOException {
        Path fp32 = run.resolve("open_clip_model.safetensors");
        Path fp16 = packed.resolve("open_clip_model.safetensors");
        JsonNode a = header(fp32);
        JsonNode b = header(fp16);
        int ints = 0;
        for (Map.Entry<String, JsonNode> e : a.properties()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = b.get(e.getKey());
            assertEquals(e.getValue().get("shape"), t.get("shape"), e.getKey());
            if (e.getValue().get("dtype").asText().equals("F32")) {
                assertEquals("F16", t.get("dtype").asText(), e.getKey());
            } else {
                ints++;
                assertEquals(e.getValue().get("dtype"), t.get("dtype"), e.getKey());
                assertArrayEquals(tensorBytes(fp32, a, e.getKey()), tensorBytes(fp16, b, e.getKey()), e.getKey());
            }
        }
        assertEquals(a.size(), b.size());
        assertEquals(19, ints, "BatchNorm's num_batches_tracked (I64) of the [1,1,1,1] ResNet");
        double ratio = (double) Files.size(fp16) / Files.size(fp32);
        assertTrue(ratio > 0.49 && ratio < 0.51, "half the bytes, got " + ratio);
    }

    @Test
    void theManifestListsEachFileWithItsHash() throws IOException {
        List<String> lines = Files.readAllLines(packed.resolve("files.sha256"));
        List<String> want = new ArrayList<>();
        for (String f : FILES) {
            want.add(Hashes.sha256Hex(packed.resolve(f)) + "  " + f);
        }
        assertEquals(want, lines);
        assertEquals(Files.readString(TestFiles.root().resolve("models/recipes/clipkit-mini/MODEL_CARD.md")),
                Files.readString(packed.resolve("MODEL_CARD.md")));
    }

    @Test
    void theConfigIsTheRunsWithTheTemplates() throws Exception {
        ObjectNode want = (ObjectNode) JSON.readTree(run.resolve("open_clip_config.json").toFile());
        want.putObject("clipkit").putArray("templates").add("{}");
        assertEquals(want, JSON.readTree(packed.resolve("open_clip_config.json").toFile()), "default: the label as is");

        Path t = tmp.resolve("templates.txt");
        Files.writeString(t, "# the model's prompts\n{}\n\na drawing of a {}.\n");
        Path other = pack(run, tmp.resolve("with-templates"), "--templates", t.toString());
        assertEquals(JSON.readTree("[\"{}\", \"a drawing of a {}.\"]"),
                JSON.readTree(other.resolve("open_clip_config.json").toFile()).path("clipkit").path("templates"));
        assertNotEquals(Files.readString(packed.resolve("files.sha256")), Files.readString(other.resolve("files.sha256")));

        Files.writeString(t, "{}\na drawing\n");
        Result bad = exec(List.of(TestFiles.root().resolve("models/recipes/clipkit-mini/package.sh").toString(),
                run.toString(), "--out", tmp.resolve("bad").toString(), "--templates", t.toString()));
        assertEquals(1, bad.exit, bad.output);
        assertTrue(bad.output.contains(t + ": prompt template 'a drawing' has no {}"), bad.output);
        assertTrue(!Files.exists(tmp.resolve("bad/files.sha256")), "nothing written");
    }

    /** clipkit reads the fp16 file (upcast to fp32): the embeddings are the fp32 run's to cosine 0.9999. */
    @Test
    void theFp16ModelEmbedsLikeTheFp32Run() throws IOException {
        List<Path> images;
        try (Stream<Path> s = Files.list(TestFiles.fixture("hub/openclip-safetensors-squash/images"))) {
            images = s.sorted().toList();
        }
        List<String> texts = List.of("cat", "a red square", "keycap: #", "wolf, canine, carnivore, mammal, animal");
        try (ClipModel full = ClipModel.builder().path(run).load();
             ClipModel half = ClipModel.builder().path(packed).load()) {
            assertEquals("safetensors", half.info().format());
            assertEquals(DType.FP32, half.info().dtype(), "computed in fp32");
            assertEquals(List.of("{}"), half.info().spec().templates());
            assertEquals(List.of("a photo of a {}."), full.info().spec().templates(), "the run's config states none");
            assertEquals(full.info().spec().image().describe(), half.info().spec().image().describe());
            double worst = 1;
            float[][] a = full.encodeImages(images);
            float[][] b = half.encodeImages(images);
            for (int i = 0; i < a.length; i++) {
                worst = Math.min(worst, Vectors.cosine(a[i], b[i]));
            }
            float[][] ta = full.encodeTexts(texts);
            float[][] tb = half.encodeTexts(texts);
            for (int i = 0; i < ta.length; i++) {
                worst = Math.min(worst, Vectors.cosine(ta[i], tb[i]));
            }
            System.out.printf("fp16 package vs fp32 run: worst cosine %.7f over %d images and %d texts%n", worst,
                    images.size(), texts.size());
            assertTrue(worst >= 0.9999, "worst cosine " + worst);
            assertEquals(full.logitScale(), half.logitScale(), full.logitScale() * 1e-3);
        }
    }
}
