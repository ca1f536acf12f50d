package io.clipkit.image;

import io.clipkit.ImageDecodeException;
import java.nio.file.Path;

/** GIF's variable-length-code LZW, decoding one frame's indices onto a canvas. */
final class Lzw {
    private static final int MAX_CODES = 4096;

    private Lzw() {}

    /**
     * Decodes the image data starting at {@code p} (the LZW minimum code size byte, then data
     * sub-blocks) until the frame is full, with Pillow's GifDecode.c rules for what is broken or
     * truncated. Pixels beyond the canvas are dropped.
     */
    static void decode(Path file, byte[] b, int p, int[] canvas, int cw, int left, int top, int fw, int fh,
            boolean interlaced) throws ImageDecodeException {
        int n = b.length;
        if (p >= n) {
            throw Gif.truncated(file, "image data");
        }
        int minSize = b[p++] & 0xff;
        if (minSize < 1 || minSize > 11) {
            throw new ImageDecodeException(file, "corrupt GIF data (LZW code size " + minSize + ")");
        }
        int clear = 1 << minSize;
        int eoi = clear + 1;
        int[] prefix = new int[MAX_CODES];
        byte[] suffix = new byte[MAX_CODES];
        byte[] stack = new byte[MAX_CODES + 1];
        for (int i = 0; i < clear; i++) {
            suffix[i] = (byte) i;
        }
        int codeSize = minSize + 1;
        int next = clear + 2;
        int prev = -1;
        int first = 0;
        // bit reader over the sub-blocks
        int blockLeft = 0;
        long bits = 0;
        int nbits = 0;
        // output position
        long total = (long) fw * fh;
        long written = 0;
        int row = 0;
        int col = 0;
        int pass = 0;
        while (written < total) {
            while (nbits < codeSize) {
                if (blockLeft == 0) {
                    // Like Pillow's decoder: a block is only started when all of it is there, and
                    // a zero-length block (the terminator) does not end decoding: it goes on until
                    // the frame is full, so data that ends early means a truncated file.
                    if (p >= n || p + 1 + (b[p] & 0xff) > n) {
                        throw Gif.truncated(file, "image data ends before the image is complete");
                    }
                    blockLeft = b[p++] & 0xff;
                    continue;
                }
                bits |= (long) (b[p++] & 0xff) << nbits;
                nbits += 8;
                blockLeft--;
            }
            int code = (int) (bits & ((1 << codeSize) - 1));
            bits >>>= codeSize;
            nbits -= codeSize;
            if (code == clear) {
                codeSize = minSize + 1;
                next = clear + 2;
                prev = -1;
                continue;
            }
            if (code == eoi) {
                continue; // Pillow does not stop at the end code either, only at a full frame
            }
            int sp = 0;
            int c = code;
            if (prev < 0) {
                if (code >= clear) {
                    throw new ImageDecodeException(file, "corrupt GIF data (invalid LZW code)");
                }
                first = code;
                stack[sp++] = (byte) code;
            } else {
                if (code > next || (code == next && next >= MAX_CODES)) {
                    throw new ImageDecodeException(file, "corrupt GIF data (invalid LZW code)");
                }
                if (code == next) {
                    stack[sp++] = (byte) first;
                    c = prev;
                }
                while (c >= clear) {
                    stack[sp++] = suffix[c];
                    c = prefix[c];
                }
                first = c;
                stack[sp++] = (byte) c;
                if (next < MAX_CODES) {
                    prefix[next] = prev;
                    suffix[next] = (byte) first;
                    next++;
                    if (next == (1 << codeSize) && codeSize < 12) {
                        codeSize++;
                    }
                }
            }
            prev = code;
            // emit the string (stack holds it reversed)
            while (sp > 0 && written < total) {
                int v = stack[--sp] & 0xff;
                int y = top + row;
                int x = left + col;
                if (x < cw && y < canvas.length / cw) {
                    canvas[y * cw + x] = v;
                }
                written++;
                if (++col == fw) {
                    col = 0;
                    if (!interlaced) {
                        row++;
                    } else {
                        row += pass == 0 || pass == 1 ? 8 : pass == 2 ? 4 : 2;
                        while (row >= fh && pass < 3) {
                            pass++;
                            row = pass == 1 ? 4 : pass == 2 ? 2 : 1;
                        }
                    }
                }
            }
        }
    }
}
