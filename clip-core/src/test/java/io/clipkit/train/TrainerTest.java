package io.clipkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.Trainer;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training run end to end on a tiny model: output folder, log, resume, bad input. */
class TrainerTest {
    static final Trainer.Architecture TINY = Trainer.Architecture.vit(32, 32, 16, 64, 1, 64, 1, 12, 49408);
    static final String[] COLORS = {"red", "green", "blue", "yellow"};

    @TempDir static Path data;

    @BeforeAll
    static void images() throws IOException {
        StringBuilder tsv = new StringBuilder();
        Color[] rgb = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW};
        for (int i = 0; i < 12; i++) {
            BufferedImage img = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 40, 36);
            g.setColor(rgb[i % 4]);
            g.fillOval(i % 7, i % 5, 26, 26);
            g.dispose();
            Path p = data.resolve("img/" + i + ".png");
            Files.createDirectories(p.getParent());
            ImageIO.write(img, "png", p.toFile());
            tsv.append("img/").append(i).append(".png\ta ").append(COLORS[i % 4]).append(" disc\n");
        }
        Files.writeString(data.resolve("pairs.tsv"), tsv);
    }

    static Trainer.Builder tiny(Path out) {
        return Trainer.builder().data(data.resolve("pairs.tsv")).architecture(TINY).output(out).steps(4).batchSize(4)
                .lr(1e-3).warmup(1).seed(7); // no threads(): the engine's thread count is process-wide
    }

    static List<JsonNode> log(Path out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("log.jsonl"))) {
            lines.add(new ObjectMapper().readTree(l));
        }
        return lines;
    }

    @Test
    void writesALoadableHubFolderAndALog(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        List<Trainer.Step> steps = new ArrayList<>();
        Trainer.Result r = tiny(out).listener(new Trainer.Listener() {
            @Override
            public void onStep(Trainer.Step s) {
                steps.add(s);
            }
        }).train();
        assertEquals(4, r.steps());
        assertEquals(4, steps.size());
        assertEquals(1e-3, steps.get(0).lr(), 1e-12); // warm-up of 1 step reaches the peak at once
        assertTrue(steps.get(3).lr() < steps.get(1).lr(), "cosine decay");
        List<JsonNode> log = log(out);
        assertEquals(4, log.size());
        for (String k : List.of("step", "loss", "lr", "logit_scale", "images_per_s")) {
            assertTrue(log.get(0).has(k), "log line has " + k);
        }
        assertEquals(steps.get(2).loss(), log.get(2).get("loss").asDouble(), 0);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("open_clip_config.json").toFile());
        assertEquals(32, cfg.at("/model_cfg/embed_dim").asInt());
        assertEquals(16, cfg.at("/model_cfg/vision_cfg/patch_size").asInt());
        assertEquals(12, cfg.at("/model_cfg/text_cfg/context_length").asInt());
        assertTrue(cfg.at("/model_cfg/quick_gelu").asBoolean());
        Map<String, TensorData> t = Checkpoint.read(out.resolve("open_clip_model.safetensors")).tensors();
        assertEquals(TensorData.Dtype.F32, t.get("visual.conv1.weight").dtype());
        try (ClipModel m = ClipModel.builder().path(out).load()) {
            assertEquals(32, m.info().imageResolution());
            float[][] e = m.encodeTexts(List.of("a red disc"));
            assertEquals(32, e[0].length);
        }
    }

    @Test
    void resumeContinuesExactly(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        tiny(whole).train();
        Path cut = tmp.resolve("cut");
        RuntimeException stop = new RuntimeException("interrupted for the test");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> tiny(cut).checkpointEvery(2)
                .listener(new Trainer.Listener() {
                    @Override
                    public void onStep(Trainer.Step s) {
                        if (s.step() == 3) {
                            throw stop;
                        }
                    }
                }).train());
        assertEquals(stop, thrown);
        assertFalse(Files.exists(cut.resolve("open_clip_model.safetensors")));
        assertThrows(IllegalArgumentException.class, () -> tiny(cut).train(), "an existing run is not overwritten");
        Trainer.Result r = tiny(cut).checkpointEvery(2).resume(true).train();
        assertEquals(4, r.steps());
        List<JsonNode> a = log(whole);
        List<JsonNode> b = log(cut);
        assertEquals(a.size(), b.size(), "the log holds each step once");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 0, "loss at step " + (i + 1));
        }
        Map<String, TensorData> wa = Checkpoint.read(whole.resolve("open_clip_model.safetensors")).tensors();
        Map<String, TensorData> wb = Checkpoint.read(cut.resolve("open_clip_model.safetensors")).tensors();
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), k);
        }
    }

    @Test
    void fineTunesAHubFolder(@TempDir Path tmp) throws Exception {
        Path first = tmp.resolve("first");
        tiny(first).steps(2).train();
        Path config = first.resolve("open_clip_config.json"); // another normalization, as some open_clip models have
        Files.writeString(config, Files.readString(config).replaceAll("\\[ [0-9., ]+ \\]", "[ 0.5, 0.5, 0.5 ]"));
        Path second = tmp.resolve("second");
        Trainer.Result r = Trainer.builder().data(data.resolve("pairs.tsv")).init(first.toString()).output(second)
                .steps(2).batchSize(4).lr(1e-3).warmup(0).schedule(Trainer.Schedule.CONSTANT).augment(false).train();
        assertEquals(2, r.steps());
        Map<String, TensorData> a = Checkpoint.read(first.resolve("open_clip_model.safetensors")).tensors();
        Map<String, TensorData> b = Checkpoint.read(second.resolve("open_clip_model.safetensors")).tensors();
        assertEquals(a.keySet(), b.keySet());
        assertFalse(java.util.Arrays.equals(a.get("visual.proj").toFloatArray(), b.get("visual.proj").toFloatArray()),
                "fine-tuning moved the weights");
        assertEquals(1e-3, log(second).get(0).get("lr").asDouble(), 1e-12, "constant schedule without warm-up");
        JsonNode pre = new ObjectMapper().readTree(second.resolve("open_clip_config.json").toFile()).get("preprocess_cfg");
        assertEquals(0.5, pre.get("mean").get(0).asDouble(), 0, "the fine-tuned model keeps its normalization");
        assertEquals(0.5, pre.get("std").get(2).asDouble(), 0);
    }

    @Test
    void lockedImageTowerDoesNotMove(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("lit");
        tiny(out).steps(2).lockImage(true).train();
        Map<String, TensorData> init = Init.stateDict(TINY, 7);
        Map<String, TensorData> after = Checkpoint.read(out.resolve("open_clip_model.safetensors")).tensors();
        assertArrayEquals(init.get("visual.conv1.weight").toFloatArray(), after.get("visual.conv1.weight").toFloatArray());
        assertFalse(java.util.Arrays.equals(init.get("text_projection").toFloatArray(),
                after.get("text_projection").toFloatArray()), "the text tower trains");
    }

    @Test
    void emptyCaptionNamesItsLine(@TempDir Path tmp) throws IOException {
        Path tsv = tmp.resolve("bad.tsv");
        Files.writeString(tsv, data.resolve("img/0.png") + "\ta red disc\n" + data.resolve("img/1.png") + "\t  \n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tiny(tmp.resolve("o")).data(tsv).train());
        assertTrue(e.getMessage().contains("bad.tsv:2") && e.getMessage().contains("empty caption"), e.getMessage());
        Path jsonl = tmp.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"image\": \"img/0.png\", \"captions\": [\"a\", \"\"]}\n");
        e = assertThrows(IllegalArgumentException.class, () -> Pairs.read(jsonl, List.of()));
        assertTrue(e.getMessage().contains("bad.jsonl:1"), e.getMessage());
    }

    @Test
    void unreadableImagesAreSkippedUpToALimit(@TempDir Path tmp) throws Exception {
        Path tsv = tmp.resolve("pairs.tsv");
        StringBuilder s = new StringBuilder(Files.readString(data.resolve("pairs.tsv")).replace("img/", data + "/img/"));
        Files.writeString(tmp.resolve("broken.png"), "not a png");
        s.append(tmp.resolve("broken.png")).append("\ta broken file\n");
        s.append(tmp.resolve("missing.png")).append("\ta missing file\n");
        Files.writeString(tsv, s);
        List<String> notices = new ArrayList<>();
        Trainer.Result r = tiny(tmp.resolve("ok")).data(tsv).steps(4).shuffle(false).listener(new Trainer.Listener() {
            @Override
            public void onNotice(String n) {
                notices.add(n);
            }
        }).train();
        assertEquals(2, r.skippedImages());
        assertTrue(notices.stream().anyMatch(n -> n.contains("missing.png")), notices.toString());
        ClipException e = assertThrows(ClipException.class,
                () -> tiny(tmp.resolve("strict")).data(tsv).steps(4).shuffle(false).maxSkippedImages(1).train());
        assertTrue(e.getMessage().contains("maxSkippedImages"), e.getMessage());
    }

    @Test
    void nanLossStopsAndKeepsTheLastGoodWeights(@TempDir Path tmp) {
        Path out = tmp.resolve("nan");
        ClipException e = assertThrows(ClipException.class, () -> tiny(out).lr(1e30).weightDecay(0).steps(6).train());
        assertTrue(e.getMessage().contains("NaN") || e.getMessage().contains("Infinity"), e.getMessage());
        assertTrue(Files.isDirectory(out.resolve("checkpoints")), "the last good weights are kept");
    }
}
