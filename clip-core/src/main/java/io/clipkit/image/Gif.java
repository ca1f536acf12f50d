package io.clipkit.image;

import io.clipkit.ImageDecodeException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * First frame of a GIF as Pillow 9.4 loads it: mode L when the frame's palette is the identity
 * gray ramp (then it is resized bicubic), else P; the frame is placed on a canvas of the logical
 * screen size filled with the transparent index (or 0). The JDK reader decodes the LZW data; the
 * structure and palettes are parsed here.
 */
final class Gif {
    private Gif() {}

    static Pixels decode(Path file, byte[] b) throws ImageDecodeException {
        int n = b.length;
        int screenW = Exif.u16(b, 6, true);
        int screenH = Exif.u16(b, 8, true);
        int flags = b[10] & 0xff;
        int p = 13;
        byte[] global = null;
        if ((flags & 0x80) != 0) {
            int len = 3 << ((flags & 7) + 1);
            if (p + len > n) {
                throw truncated(file, "global palette");
            }
            global = java.util.Arrays.copyOfRange(b, p, p + len);
            p += len;
        }
        int transparency = -1;
        int left;
        int top;
        int fw;
        int fh;
        byte[] local = null;
        while (true) {
            if (p >= n) {
                throw truncated(file, "no image in file");
            }
            int block = b[p] & 0xff;
            if (block == 0x21) {
                if (p + 2 > n) {
                    throw truncated(file, "extension");
                }
                int label = b[p + 1] & 0xff;
                p += 2;
                if (label == 0xF9 && p + 5 <= n && (b[p] & 0xff) >= 4 && (b[p + 1] & 1) != 0) {
                    transparency = b[p + 4] & 0xff;
                }
                p = skipSubBlocks(file, b, p);
            } else if (block == 0x2C) {
                if (p + 10 > n) {
                    throw truncated(file, "image descriptor");
                }
                left = Exif.u16(b, p + 1, true);
                top = Exif.u16(b, p + 3, true);
                fw = Exif.u16(b, p + 5, true);
                fh = Exif.u16(b, p + 7, true);
                int f = b[p + 9] & 0xff;
                p += 10;
                if ((f & 0x80) != 0) {
                    int len = 3 << ((f & 7) + 1);
                    if (p + len > n) {
                        throw truncated(file, "local palette");
                    }
                    local = java.util.Arrays.copyOfRange(b, p, p + len);
                    p += len;
                }
                if (p >= n) {
                    throw truncated(file, "image data");
                }
                skipSubBlocks(file, b, p + 1); // LZW data must be complete
                break;
            } else if (block == 0x3B) {
                throw truncated(file, "no image in file");
            } else {
                throw new ImageDecodeException(file, "corrupt GIF (unknown block 0x"
                        + Integer.toHexString(block) + " at offset " + p + ")");
            }
        }
        byte[] palette = local != null ? local : global;
        boolean paletteNeeded = palette != null && paletteNeeded(palette);
        int[] indices = readIndices(file, b, fw, fh);
        int cw = Math.max(screenW, left + fw);
        int ch = Math.max(screenH, top + fh);
        int fill = transparency >= 0 ? transparency : 0;
        int[] canvas = new int[cw * ch];
        java.util.Arrays.fill(canvas, fill);
        for (int y = 0; y < fh; y++) {
            System.arraycopy(indices, y * fw, canvas, (top + y) * cw + left, fw);
        }
        if (!paletteNeeded) {
            byte[] out = new byte[cw * ch];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) canvas[i];
            }
            return Pixels.of8(Mode.L, cw, ch, out, false);
        }
        byte[] out = new byte[cw * ch * 3];
        for (int i = 0; i < canvas.length; i++) {
            int q = canvas[i] * 3;
            if (q + 2 < palette.length) {
                out[3 * i] = palette[q];
                out[3 * i + 1] = palette[q + 1];
                out[3 * i + 2] = palette[q + 2];
            }
        }
        return Pixels.of8(Mode.P, cw, ch, out, false);
    }

    /** Pillow's _is_palette_needed: false when entry i is (i, i, i) for every entry. */
    private static boolean paletteNeeded(byte[] p) {
        for (int i = 0; i + 2 < p.length; i += 3) {
            int v = i / 3;
            if ((p[i] & 0xff) != v || (p[i + 1] & 0xff) != v || (p[i + 2] & 0xff) != v) {
                return true;
            }
        }
        return false;
    }

    private static int skipSubBlocks(Path file, byte[] b, int p) throws ImageDecodeException {
        while (true) {
            if (p >= b.length) {
                throw truncated(file, "data blocks cut short");
            }
            int len = b[p] & 0xff;
            p += 1 + len;
            if (len == 0) {
                return p;
            }
        }
    }

    private static int[] readIndices(Path file, byte[] b, int fw, int fh) throws ImageDecodeException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("gif");
            if (!readers.hasNext()) {
                throw new ImageDecodeException(file, "no GIF reader available");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                BufferedImage img = reader.read(0);
                Raster r = img.getRaster();
                if (r.getWidth() != fw || r.getHeight() != fh || r.getNumBands() != 1) {
                    throw new ImageDecodeException(file, "unexpected GIF frame layout");
                }
                return r.getPixels(0, 0, fw, fh, (int[]) null);
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(file, "cannot decode GIF data: " + e.getMessage(), e);
        }
    }

    private static ImageDecodeException truncated(Path file, String what) {
        return new ImageDecodeException(file, "truncated or corrupt GIF file (" + what + ")");
    }
}
