package io.clipkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.model.TestCheckpoints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The spark-submit entry point: clip tag's label options, embeddings only, usage errors before Spark starts. */
class SparkTagCommandTest {
    @TempDir Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cl = SparkTagCommand.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void tagsAFolderIntoParquetWithTagsLabelOptions() throws IOException {
        Path images = Files.createDirectories(dir.resolve("in"));
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        Files.write(images.resolve("black.png"), png.toByteArray());
        Files.writeString(images.resolve("page.jpg"), "<html><body>moved</body></html>");
        Path model = TestCheckpoints.writeFullVocabModel(dir.resolve("e2e.safetensors"));
        Path labels = Files.writeString(dir.resolve("labels.txt"), "# labels\nnight\nday\nsnow\n");
        String out = dir.resolve("out.parquet").toString();
        StringWriter err = new StringWriter();
        int code = run(err, "--input", images.toString(), "--output", out, "--model", model.toString(),
                "--labels-file", labels.toString(), "--template", "a photo at {}.", "-k", "2", "--embeddings",
                "--batch-size", "2");
        assertEquals(0, code, err.toString());
        assertTrue(err.toString().contains("clip-spark: 1 ok, 1 failed or skipped, 0 already done, of 2 files"), err.toString());
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(out).orderBy("path").collectAsList();
            assertEquals(2, rows.size());
            Row ok = rows.get(0);
            assertTrue(ok.getString(0).endsWith("/black.png"), ok.toString());
            assertEquals(2, ok.getList(ok.fieldIndex("labels")).size());
            assertEquals(32, ok.getList(ok.fieldIndex("embedding")).size());
            Row bad = rows.get(1);
            assertEquals("error", bad.getString(1));
            assertEquals("not an image: the file is an HTML document", bad.getString(bad.fieldIndex("error")));
        } finally {
            spark.stop();
        }
    }

    @Test
    void usageErrorsComeBeforeSparkStarts() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "--output", "x.parquet", "--labels", "a,b"));
        assertTrue(err.toString().contains("give --input"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "--input", "d", "--output", "x.parquet"));
        assertTrue(err.toString().contains("no labels"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "--input", "d", "--output", "x.parquet", "--labels", "a,a"));
        assertTrue(err.toString().toLowerCase(java.util.Locale.ROOT).contains("duplicate"), err.toString());
    }
}
