package io.clipkit.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipModel;
import io.clipkit.LabelScore;
import io.clipkit.TagResult;
import io.clipkit.Tagger;
import io.clipkit.batch.EmbeddingCache;
import io.clipkit.model.TestCheckpoints;
import io.clipkit.testing.TestFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the job in {@code local[2]} on a folder of real, generated and hostile images with the tiny
 * end-to-end checkpoint, and checks every row against {@code clip tag} (the {@link Tagger} library
 * API on the same files with the same checkpoint): labels, probabilities, cosines and embeddings
 * equal, bad files as error rows with tag's reasons, resume redoing nothing, one model per JVM.
 */
class SparkTaggerTest {
    private static final List<String> LABELS = List.of("a red square", "a blue circle", "a green field", "text", "a cat");
    private static final int TOP_K = 3;
    /** Files tag and the job must fail, with the reason each must carry (both must agree on it). */
    private static final List<String> HOSTILE = List.of("empty.jpg", "truncated.jpg", "notes.jpg", "page.png");

    @TempDir static Path dir;
    static Path images;
    static Path checkpoint;
    static SparkSession spark;
    /** What clip tag recorded, by file name. */
    static Map<String, TagResult> tagged = new HashMap<>();
    /** The embeddings tag computed (from its index), by file name. */
    static Map<String, float[]> tagEmbeddings = new HashMap<>();

    @BeforeAll
    static void setUp() throws IOException {
        images = Files.createDirectories(dir.resolve("images"));
        Path sub = Files.createDirectories(images.resolve("sub"));
        for (String f : List.of("jpeg_exif_6.jpg", "jpeg_progressive.jpg", "jpeg_cmyk.jpg", "png_rgba.png", "png_p_trns.png",
                "gif_palette.gif", "bmp_rgb24.bmp")) {
            Files.copy(TestFiles.fixture("images/src/" + f), images.resolve(f));
        }
        write(images.resolve("red.png"), "png", Color.RED, false);
        write(images.resolve("blue.jpg"), "jpg", Color.BLUE, true);
        write(sub.resolve("green.png"), "png", new Color(30, 160, 40), true);
        Files.write(images.resolve("empty.jpg"), new byte[0]);
        byte[] jpeg = Files.readAllBytes(images.resolve("blue.jpg"));
        Files.write(images.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, 300));
        Files.writeString(images.resolve("notes.jpg"), "shopping list\nmilk\neggs\n", StandardCharsets.UTF_8);
        Files.writeString(sub.resolve("page.png"), "<!DOCTYPE html>\n<html><body>404 not found</body></html>\n");
        Files.writeString(images.resolve("readme.txt"), "not an image extension: neither tag nor the job looks at it\n");

        checkpoint = TestCheckpoints.writeFullVocabModel(dir.resolve("e2e.safetensors"));
        Path index = dir.resolve("index.sqlite");
        try (ClipModel m = ClipModel.builder().path(checkpoint).load()) {
            Tagger.builder(m).labels(LABELS).topK(TOP_K).recursive(true).batchSize(4).index(index).build()
                    .run(List.of(images), new io.clipkit.TagListener() {
                        @Override
                        public void result(TagResult r) {
                            tagged.put(r.path().getFileName().toString(), r);
                        }
                    });
            try (EmbeddingCache c = EmbeddingCache.open(index, m.info().checkpointSha256(), m.info().name(),
                    m.info().embedDim(), io.clipkit.batch.PreprocessingKey.of(m, m.info().imageResolution(), true))) {
                for (TagResult r : tagged.values()) {
                    if (r.status() == TagResult.Status.OK) {
                        String abs = r.path().toAbsolutePath().normalize().toString();
                        tagEmbeddings.put(r.path().getFileName().toString(), c.byPath(abs, r.size(), r.mtime()));
                    }
                }
            }
        }
        spark = SparkSession.builder().master("local[2]").appName("clip-spark-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static void write(Path file, String format, Color c, boolean circle) throws IOException {
        BufferedImage img = new BufferedImage(96, 72, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 96, 72);
        g.setColor(c);
        if (circle) {
            g.fillOval(20, 10, 50, 50);
        } else {
            g.fillRect(20, 10, 50, 50);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        Files.write(file, out.toByteArray());
    }

    private SparkTagger.Builder tagger() {
        return SparkTagger.builder().model(checkpoint.toString()).labels(LABELS).topK(TOP_K).embeddings(true).batchSize(4);
    }

    private static String name(Row r) {
        String p = r.getString(r.fieldIndex("path"));
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static List<Row> rows(Dataset<Row> d) {
        return d.collectAsList();
    }

    /** Every row equals tag's record for the same file. */
    private static void assertSameAsTag(List<Row> rows) {
        assertSameAsTag(rows, tagged.keySet());
    }

    private static void assertSameAsTag(List<Row> rows, java.util.Set<String> files) {
        assertEquals(files, rows.stream().map(SparkTaggerTest::name).collect(java.util.stream.Collectors.toSet()),
                "the same files");
        assertEquals(files.size(), rows.size(), "each once");
        for (Row r : rows) {
            String n = name(r);
            TagResult t = tagged.get(n);
            assertEquals(t.status().json(), r.getString(r.fieldIndex("status")), n);
            List<String> labels = r.getList(r.fieldIndex("labels"));
            List<Float> probs = r.getList(r.fieldIndex("probabilities"));
            List<Float> cosines = r.getList(r.fieldIndex("cosines"));
            assertEquals(t.labels().stream().map(LabelScore::label).toList(), labels, n);
            for (int i = 0; i < labels.size(); i++) {
                assertEquals(t.labels().get(i).probability(), probs.get(i), 1e-6f, n + " probability " + i);
                assertEquals(t.labels().get(i).cosine(), cosines.get(i), 1e-6f, n + " cosine " + i);
            }
            if (t.status() == TagResult.Status.OK) {
                assertNull(r.get(r.fieldIndex("error")), n);
                assertEquals(t.size(), r.getLong(r.fieldIndex("size")), n);
                List<Float> e = r.getList(r.fieldIndex("embedding"));
                float[] want = tagEmbeddings.get(n);
                assertNotNull(want, n);
                float[] got = new float[e.size()];
                for (int i = 0; i < got.length; i++) {
                    got[i] = e.get(i);
                }
                assertArrayEquals(want, got, 1e-6f, n + " embedding");
            } else {
                assertEquals(t.error(), r.getString(r.fieldIndex("error")), n + ": the reason tag gives");
                assertTrue(r.isNullAt(r.fieldIndex("embedding")), n);
            }
            assertEquals("e2e.safetensors", r.getString(r.fieldIndex("model")));
            assertEquals(64, r.getString(r.fieldIndex("checkpoint_sha256")).length());
        }
    }

    @Test
    void tagReferenceFailsTheHostileFilesWithSpecificReasons() {
        for (String n : HOSTILE) {
            TagResult t = tagged.get(n);
            assertNotNull(t, n + " was tagged");
            assertEquals(TagResult.Status.ERROR, t.status(), n);
            assertFalse(t.error().isBlank(), n);
        }
        assertEquals("empty file (0 bytes)", tagged.get("empty.jpg").error());
        assertEquals("not a recognized image: the file is text", tagged.get("notes.jpg").error());
        assertEquals("not an image: the file is an HTML document", tagged.get("page.png").error());
        assertFalse(tagged.containsKey("readme.txt"));
    }

    @Test
    void runOnAFolderEqualsClipTagAndResumes() throws IOException {
        String out = dir.resolve("run.parquet").toString();
        SparkTagger t = tagger().partitions(2).commits(2).build();
        SparkTagger.Summary s = t.run(SparkTagger.listImages(spark, List.of(images.toString())), out);
        assertEquals(tagged.size(), s.listed());
        assertEquals(0, s.resumed());
        assertEquals(HOSTILE.size(), s.failed());
        assertEquals(tagged.size() - HOSTILE.size(), s.ok());
        assertSameAsTag(rows(spark.read().parquet(out)));

        // A rerun redoes nothing; a new file is the only new row.
        SparkTagger.Summary again = t.run(SparkTagger.listImages(spark, List.of(images.toString())), out);
        assertEquals(tagged.size(), again.resumed());
        assertEquals(0, again.ok() + again.failed());
        Path extra = dir.resolve("more");
        Files.createDirectories(extra);
        write(extra.resolve("late.png"), "png", Color.RED, true);
        SparkTagger.Summary more = t.run(SparkTagger.listImages(spark, List.of(images.toString(), extra.toString())), out);
        assertEquals(tagged.size(), more.resumed());
        assertEquals(1, more.ok());
        assertEquals(tagged.size() + 1, spark.read().parquet(out).count());
        assertEquals(tagged.size() + 1, spark.read().parquet(out).select("path").distinct().count());
        assertEquals(1, ExecutorModels.loadedModels(checkpoint.toString()), "one model per executor JVM, whatever the tasks");
    }

    @Test
    void binaryFileRowsAndPathListsGiveTheSameRows() throws IOException {
        Dataset<Row> bin = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(images.toString()).filter("NOT path LIKE '%.txt'");
        java.util.Set<String> nonEmpty = new java.util.HashSet<>(tagged.keySet());
        nonEmpty.remove("empty.jpg"); // Spark's file sources drop 0-byte files
        assertSameAsTag(rows(tagger().build().tag(bin)), nonEmpty);

        Path list = dir.resolve("list.txt");
        List<String> lines = new ArrayList<>(List.of("# images to tag", ""));
        try (var files = Files.walk(images)) {
            files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".txt")).forEach(p -> lines.add(p.toString()));
        }
        Files.write(list, lines);
        assertSameAsTag(rows(tagger().partitions(3).build().tag(SparkTagger.readPathList(spark, list.toString()))));
    }

    @Test
    void embeddingsOnlyAndMissingFiles() throws IOException {
        Path list = dir.resolve("missing.txt");
        Files.write(list, List.of(images.resolve("red.png").toString(), dir.resolve("gone.jpg").toString(), images.resolve("sub").toString()));
        List<Row> rows = rows(SparkTagger.builder().model(checkpoint.toString()).embeddings(true).build()
                .tag(SparkTagger.readPathList(spark, list.toString())));
        assertEquals(3, rows.size());
        Row red = rows.get(0);
        assertEquals("ok", red.getString(1));
        assertTrue(red.getList(red.fieldIndex("labels")).isEmpty());
        assertEquals(tagEmbeddings.get("red.png").length, red.getList(red.fieldIndex("embedding")).size());
        assertEquals("error", rows.get(1).getString(1));
        assertEquals("no such file", rows.get(1).getString(rows.get(1).fieldIndex("error")));
        assertEquals("skipped", rows.get(2).getString(1));
        assertEquals("is a folder, not an image", rows.get(2).getString(rows.get(2).fieldIndex("error")));
    }

    @Test
    void automaticPartitionsKeepEveryCoreBusy() {
        assertEquals(4, SparkTagger.autoPartitions(2, 128, 32), "one batch each, all slots busy");
        assertEquals(2, SparkTagger.autoPartitions(2, 40, 32), "fewer files than batches: still one per core");
        assertEquals(8, SparkTagger.autoPartitions(2, 50_000, 32), "at most four per core");
        assertEquals(100, SparkTagger.autoPartitions(2, 1_000_000, 32), "at most 10,000 files each");
        assertEquals(1, SparkTagger.autoPartitions(8, 1, 32), "never more partitions than files");
    }

    @Test
    void badSettingsAreRefusedBeforeAnyWork() {
        assertThrows(IllegalArgumentException.class, () -> SparkTagger.builder().model(" "));
        assertThrows(IllegalArgumentException.class, () -> SparkTagger.builder().topK(0));
        assertThrows(IllegalArgumentException.class, () -> SparkTagger.builder().device("tpu"));
        assertThrows(IllegalArgumentException.class, () -> SparkTagger.builder().labels(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> SparkTagger.builder().build(), "neither labels nor embeddings");
        IOException e = assertThrows(IOException.class, () -> {
            Path other = dir.resolve("other.parquet");
            spark.range(3).write().parquet(other.toString());
            tagger().build().run(SparkTagger.listImages(spark, List.of(images.toString())), other.toString());
        });
        assertTrue(e.getMessage().contains("not a clip-spark output"), e.getMessage());
    }
}
