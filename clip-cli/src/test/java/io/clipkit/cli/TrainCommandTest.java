package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clip train}: a tiny run on a folder per class, and usage errors. */
class TrainCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    void folders(Path root) throws Exception {
        Color[] colors = {Color.RED, Color.BLUE};
        String[] names = {"red_square", "blue_square"};
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(colors[c]);
                g.fillRect(i, i, 16, 16);
                g.dispose();
                Path p = root.resolve(names[c]).resolve(i + ".png");
                Files.createDirectories(p.getParent());
                ImageIO.write(img, "png", p.toFile());
            }
        }
    }

    @Test
    void trainsATinyModelFromAFolderPerClass() throws Exception {
        folders(dir.resolve("data"));
        Path out = dir.resolve("out");
        Run r = run("train", dir.resolve("data").toString(), "-o", out.toString(), "--steps", "2", "--batch-size", "4",
                "--image-size", "32", "--vision-width", "64", "--vision-layers", "1", "--text-width", "64",
                "--text-layers", "1", "--context-length", "8", "--embed-dim", "16",
                "--eval", dir.resolve("data").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("trained 2 steps"), r.err());
        assertTrue(r.err().contains("zero-shot top-1"), r.err()); // 6 pairs, 2 steps of 4: one epoch passes
        assertTrue(Files.isRegularFile(out.resolve("open_clip_config.json")));
        assertTrue(Files.isRegularFile(out.resolve("open_clip_model.safetensors")));
        assertEquals(2, Files.readAllLines(out.resolve("log.jsonl")).stream().filter(l -> l.contains("\"loss\"")).count());
    }

    @Test
    void usageErrors() throws Exception {
        folders(dir.resolve("data"));
        Run r = run("train", dir.resolve("data").toString(), "-o", dir.resolve("o").toString());
        assertEquals(2, r.code(), "no --steps or --epochs");
        r = run("train", dir.resolve("data").toString(), "-o", dir.resolve("o").toString(), "--steps", "2", "--epochs", "1");
        assertEquals(2, r.code(), "--steps and --epochs exclude each other");
        r = run("train", dir.resolve("data").toString(), "-o", dir.resolve("o").toString(), "--steps", "2",
                "--init", "x.pt", "--vision-width", "64");
        assertEquals(2, r.code(), "--init and new-model options exclude each other");
        r = run("train", dir.resolve("data").toString(), "-o", dir.resolve("o").toString(), "--steps", "2",
                "--batch-size", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--batch-size"), r.err());
        r = run("train", dir.resolve("data").toString(), "-o", dir.resolve("o").toString(), "--steps", "2",
                "--vision-width", "32");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--vision-width 32"), r.err());
    }
}
