package io.clipkit.search;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A self-contained HTML page of search results: one card per hit with its thumbnail (a JPEG data
 * URI, so the page needs no other file and can be mailed), rank, score and path, linking to the
 * file. No script, no external resource; a thumbnail that cannot be made shows the reason instead.
 * Written to a temporary file and renamed, so a reader never sees half a page.
 */
public final class ContactSheet {
    private ContactSheet() {}

    /** One card. */
    public record Card(int rank, Path path, float score) {}

    /** Makes a square thumbnail of an image (the caller's decoder: EXIF rotation, every format we read). */
    public interface Thumbnailer {
        BufferedImage thumbnail(Path image) throws IOException;
    }

    public static void write(Path out, String title, List<Card> cards, Thumbnailer thumbnailer) throws IOException {
        StringBuilder h = new StringBuilder(4096 + cards.size() * 8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:1.5em;background:#f6f6f6;color:#222}\n")
                .append("h1{font-size:1.2em;font-weight:600}\n")
                .append(".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:14px}\n")
                .append(".card{margin:0;background:#fff;border-radius:6px;padding:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}\n")
                .append(".card img{width:100%;aspect-ratio:1;object-fit:cover;display:block;border-radius:4px}\n")
                .append(".none{width:100%;aspect-ratio:1;display:flex;align-items:center;justify-content:center;")
                .append("background:#eee;color:#a00;font-size:.8em;text-align:center}\n")
                .append(".meta{font-size:.8em;margin-top:6px;word-break:break-all}\n.score{font-weight:600}\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        if (cards.isEmpty()) {
            h.append("<p class=\"empty\">No results.</p>\n");
        }
        h.append("<div class=\"grid\">\n");
        for (Card c : cards) {
            String href = c.path().toAbsolutePath().toUri().toASCIIString();
            String path = c.path().toString();
            h.append("<figure class=\"card\" data-rank=\"").append(c.rank()).append("\" data-score=\"")
                    .append(String.format(Locale.ROOT, "%.6f", c.score())).append("\">\n<a href=\"").append(escape(href))
                    .append("\">");
            String img;
            try {
                img = "<img alt=\"" + escape(c.path().getFileName().toString()) + "\" src=\"data:image/jpeg;base64,"
                        + jpegBase64(thumbnailer.thumbnail(c.path())) + "\">";
            } catch (IOException | RuntimeException e) {
                img = "<div class=\"none\">no preview: " + escape(String.valueOf(e.getMessage())) + "</div>";
            }
            h.append(img).append("</a>\n<figcaption class=\"meta\">#").append(c.rank()).append(" <span class=\"score\">")
                    .append(String.format(Locale.ROOT, "%.4f", c.score())).append("</span><br><a href=\"")
                    .append(escape(href)).append("\">").append(escape(path)).append("</a></figcaption>\n</figure>\n");
        }
        h.append("</div>\n</body>\n</html>\n");
        Path abs = out.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(h.toString());
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String jpegBase64(BufferedImage img) throws IOException {
        BufferedImage rgb = img;
        if (img.getType() != BufferedImage.TYPE_INT_RGB && img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = rgb.createGraphics();
            g.drawImage(img, 0, 0, null);
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(rgb, "jpeg", bytes)) {
            throw new IOException("no JPEG writer");
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
