package io.clipkit.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gives an ImageDecodeException naming the file and a specific reason. */
class ImageErrorsTest {
    @TempDir Path tmp;

    private final ImagePreprocessor pre = ImagePreprocessor.builder().size(32).build();

    private ImageDecodeException failure(Path file) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> pre.preprocess(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(TestFiles.fixture("images/src/" + name));
    }

    @Test
    void emptyMissingDirectoryAndNonImage() throws IOException {
        assertTrue(failure(Files.createFile(tmp.resolve("empty.jpg"))).reason().contains("empty file"));
        assertTrue(failure(tmp.resolve("missing.png")).reason().contains("no such file"));
        assertTrue(failure(Files.createDirectory(tmp.resolve("dir.jpg"))).reason().contains("directory"));
        Path text = Files.writeString(tmp.resolve("notes.jpg"), "hello, I am text");
        assertTrue(failure(text).reason().contains("not a recognized image"));
        Path pdf = Files.writeString(tmp.resolve("doc.png"), "%PDF-1.4 ...");
        assertTrue(failure(pdf).reason().contains("PDF"));
        byte[] heic = new byte[32];
        System.arraycopy("ftypheic".getBytes(), 0, heic, 4, 8);
        assertTrue(failure(Files.write(tmp.resolve("photo.heic"), heic)).reason().contains("HEIF"));
    }

    @ParameterizedTest
    @CsvSource({"jpeg_420_4x3.jpg, 0.5", "jpeg_progressive.jpg, 0.6", "png_rgb.png, 0.5", "png_p.png, 0.9",
        "gif_palette.gif, 0.5", "webp_lossy.webp, 0.7", "webp_alpha_lossless.webp, 0.5", "jpeg_large.jpg, 0.99"})
    void truncatedFilesAreRefused(String name, double keep) throws IOException {
        byte[] b = fixture(name);
        Path cut = Files.write(tmp.resolve(name), Arrays.copyOf(b, (int) (b.length * keep)));
        String reason = failure(cut).reason();
        assertTrue(reason.contains("truncated") || reason.contains("corrupt"), reason);
    }

    @Test
    void sniffsByContentNotExtension() throws IOException {
        Path disguised = Files.write(tmp.resolve("really_a_png.jpg"), fixture("png_rgb.png"));
        assertArrayEquals(pre.preprocess(TestFiles.fixture("images/src/png_rgb.png")), pre.preprocess(disguised));
    }

    @Test
    void pixelLimitIsCheckedBeforeDecoding() throws IOException {
        ImagePreprocessor small = ImagePreprocessor.builder().size(32).maxPixels(10_000).build();
        Path jpg = TestFiles.fixture("images/src/jpeg_420_4x3.jpg");
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> small.preprocess(jpg));
        assertTrue(e.reason().contains("320x240") && e.reason().contains("76,800 pixels")
                && e.reason().contains("10,000"), e.reason());
        // A PNG whose header claims 60000 x 60000 (3.6e9 pixels) is refused with the default limit
        // without trying to allocate it.
        Path bomb = Files.write(tmp.resolve("bomb.png"), pngHeaderOnly(60000, 60000));
        assertTrue(failure(bomb).reason().contains("over the limit of 178,956,970"));
    }

    @Test
    void sixteenBitTiffIsUnsupportedLikeTheReference() throws IOException {
        // Little-endian TIFF, one IFD: 4x4, 16 bits/sample, 1 sample (Pillow mode I;16 cannot be resized).
        ByteBuffer t = ByteBuffer.allocate(200).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        t.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        short[][] tags = {{256, 3, 4}, {257, 3, 4}, {258, 3, 16}, {262, 3, 1}, {277, 3, 1}};
        t.putShort((short) tags.length);
        for (short[] tag : tags) {
            t.putShort(tag[0]).putShort(tag[1]).putInt(1).putShort(tag[2]).putShort((short) 0);
        }
        t.putInt(0);
        Path tif = Files.write(tmp.resolve("gray16.tif"), Arrays.copyOf(t.array(), t.position() + 32));
        assertTrue(failure(tif).reason().contains("16 bits per sample"));
    }

    @Test
    void builderNamesBadValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.builder().size(0));
        assertTrue(e.getMessage().contains("0"));
        e = assertThrows(IllegalArgumentException.class, () -> ImagePreprocessor.builder().maxPixels(-5));
        assertTrue(e.getMessage().contains("-5"));
    }

    @Test
    void bufferedImageAndCropAgreeWithFilePath() throws IOException {
        Path png = TestFiles.fixture("images/src/png_rgb.png");
        ImagePreprocessor p = ImagePreprocessor.builder().size(64).build();
        float[] fromFile = p.preprocess(png);
        assertArrayEquals(fromFile, p.preprocess(ImageIO.read(png.toFile())));
        assertArrayEquals(fromFile, p.preprocess(p.crop(png)));
        Path rgba = TestFiles.fixture("images/src/png_rgba.png");
        assertArrayEquals(p.preprocess(rgba), p.preprocess(ImageIO.read(rgba.toFile())));
        Path gray = TestFiles.fixture("images/src/png_l.png");
        assertArrayEquals(p.preprocess(gray), p.preprocess(ImageIO.read(gray.toFile())));
    }

    private static byte[] pngHeaderOnly(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes();
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
