package io.clipkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import io.clipkit.image.Augmentation;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data sets, the batch order, the learning-rate schedule and augmentation, without a model. */
class DataTest {
    @TempDir Path dir;

    @Test
    void readsJsonlWithRelativePathsAndCaptionLists() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Path f = dir.resolve("sub/pairs.jsonl");
        Files.writeString(f, "{\"image\": \"a.png\", \"caption\": \"a cat\"}\n\n"
                + "{\"image\": \"/abs/b.png\", \"captions\": [\"a dog\", \"a puppy\"]}\n");
        List<Pairs.Pair> p = Pairs.read(f, List.of());
        assertEquals(2, p.size());
        assertEquals(dir.resolve("sub/a.png").toAbsolutePath().normalize(), p.get(0).image());
        assertEquals(Path.of("/abs/b.png"), p.get(1).image());
        assertEquals(List.of("a dog", "a puppy"), p.get(1).captions());
        assertTrue(p.get(1).where().endsWith("pairs.jsonl:3"), p.get(1).where());
    }

    @Test
    void tsvNeedsATab() throws Exception {
        Path f = dir.resolve("p.tsv");
        Files.writeString(f, "a.png\ta cat\nb.png a dog\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pairs.read(f, List.of()));
        assertTrue(e.getMessage().contains("p.tsv:2") && e.getMessage().contains("tab"), e.getMessage());
    }

    @Test
    void folderPerClassCaptionsThroughTemplates() throws Exception {
        for (String c : List.of("golden_retriever", "tabby_cat")) {
            Files.createDirectories(dir.resolve(c));
            Files.write(dir.resolve(c).resolve("1.jpg"), new byte[] {1});
            Files.write(dir.resolve(c).resolve("notes.txt"), new byte[] {1});
        }
        List<Pairs.Pair> p = Pairs.read(dir, List.of("a photo of a {}.", "a drawing of a {}."));
        assertEquals(2, p.size(), "only image files");
        assertEquals(List.of("a photo of a golden retriever.", "a drawing of a golden retriever."), p.get(0).captions());
    }

    @Test
    void shuffledEpochsArePermutationsAndFileOrderWraps() {
        List<Pairs.Pair> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pairs.add(new Pairs.Pair(Path.of(i + ".png"), List.of("c"), "x"));
        }
        BatchStream shuffled = new BatchStream(pairs, 4, 3, true, null, null, null, 8, 0, null, s -> { });
        BatchStream again = new BatchStream(pairs, 4, 3, true, null, null, null, 8, 0, null, s -> { });
        BatchStream ordered = new BatchStream(pairs, 4, 3, false, null, null, null, 8, 0, null, s -> { });
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                long p = epoch * 10L + i;
                seen.add(shuffled.pairAt(p));
                assertEquals(shuffled.pairAt(p), again.pairAt(p), "seeded");
                assertEquals(i, ordered.pairAt(p));
            }
            assertEquals(10, seen.size(), "each epoch is a permutation");
        }
        int[] e0 = new int[10];
        int[] e1 = new int[10];
        for (int i = 0; i < 10; i++) {
            e0[i] = shuffled.pairAt(i);
            e1[i] = shuffled.pairAt(10 + i);
        }
        assertFalse(Arrays.equals(e0, e1), "a new order each epoch");
    }

    @Test
    void scheduleIsOpenClipsCosineWithWarmup() {
        LrSchedule s = new LrSchedule(1.0, 4, 14, io.clipkit.Trainer.Schedule.COSINE);
        assertEquals(0.25, s.at(0), 1e-12);
        assertEquals(1.0, s.at(3), 1e-12);
        assertEquals(1.0, s.at(4), 1e-12);
        assertEquals(0.5, s.at(9), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 9 / 10)), s.at(13), 1e-12);
        assertEquals(1.0, new LrSchedule(1.0, 4, 14, io.clipkit.Trainer.Schedule.CONSTANT).at(13), 0);
    }

    @Test
    void configDigitsAreOpenClipsAndTheSameFloatsAsTheSpec() {
        for (int c = 0; c < 3; c++) {
            assertEquals(ModelSpec.Image.OPENAI_MEAN.get(c), (float) HubFolder.OPENAI_MEAN[c]);
            assertEquals(ModelSpec.Image.OPENAI_STD.get(c), (float) HubFolder.OPENAI_STD[c]);
        }
    }

    @Test
    void weightDecayGroups() {
        assertTrue(AdamW.decays("visual.transformer.resblocks.0.attn.in_proj_weight", 2));
        assertTrue(AdamW.decays("visual.conv1.weight", 4));
        assertFalse(AdamW.decays("visual.class_embedding", 1));
        assertFalse(AdamW.decays("logit_scale", 0));
        assertFalse(AdamW.decays("visual.ln_pre.weight", 1));
        assertFalse(AdamW.decays("visual.bn1.weight", 1));
    }

    @Test
    void augmentationIsSeededAndKeepsTheShape() throws Exception {
        BufferedImage img = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, 25, 40);
        g.dispose();
        Path f = dir.resolve("x.png");
        ImageIO.write(img, "png", f.toFile());
        Augmentation a = new Augmentation(24, 0.9, 1.0, 0.5, 0.2, ModelSpec.Image.OPENAI_MEAN, ModelSpec.Image.OPENAI_STD);
        float[] x = a.apply(f, 1);
        assertEquals(3 * 24 * 24, x.length);
        assertArrayEquals(x, a.apply(f, 1), "same seed, same pixels");
        boolean differs = false;
        for (long seed = 2; seed < 6 && !differs; seed++) {
            differs = !Arrays.equals(x, a.apply(f, seed));
        }
        assertTrue(differs, "other seeds give other crops, flips or colours");
        // no crop range, flip or jitter on an image of the input size: exactly the inference pipeline's pixels
        BufferedImage square = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 24; i++) {
            square.setRGB(i, (i * 7) % 24, 0x3080f0 + i);
        }
        Path sq = dir.resolve("sq.png");
        ImageIO.write(square, "png", sq.toFile());
        Augmentation none = new Augmentation(24, 1.0, 1.0, 0, 0, ModelSpec.Image.OPENAI_MEAN, ModelSpec.Image.OPENAI_STD);
        assertArrayEquals(ImagePreprocessor.builder().size(24).build().preprocess(sq), none.apply(sq, 1));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(24, 0.5, 0.4, 0, 0, List.of(0f, 0f, 0f),
                List.of(1f, 1f, 1f)));
    }
}
