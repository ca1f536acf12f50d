package io.clipkit.batch;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Small generated images and tree checksums for tests. */
public final class Images {
    private Images() {}

    /** Writes a {@code w x h} image with a colour gradient seeded by {@code seed}; format by extension. */
    public static Path write(Path file, int w, int h, int seed) throws IOException {
        String name = file.getFileName().toString();
        String fmt = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        if (fmt.equals("jpg")) {
            fmt = "jpeg";
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        java.util.Random r = new java.util.Random(seed);
        g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
        g.fillOval(w / 4, h / 4, Math.max(1, w / 2), Math.max(1, h / 2));
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, fmt, file.toFile())) {
            throw new IOException("no ImageIO writer for " + fmt);
        }
        return file;
    }

    /** SHA-256 of every regular file under {@code root} (no links followed), by relative path. */
    public static Map<String, String> checksums(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                try {
                    out.put(root.relativize(p).toString(), HexFormat.of().formatHex(io.clipkit.util.Hashes.sha256(p))
                            + " " + Files.getLastModifiedTime(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
