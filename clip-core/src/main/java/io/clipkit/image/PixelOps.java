package io.clipkit.image;

/** Pillow's pixel conversions (Convert.c) and transposes that the reference pipeline uses. */
final class PixelOps {
    private PixelOps() {}

    /** Pillow's MULDIV255: a * b / 255 rounded, in integer arithmetic. */
    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    /**
     * RGBA to RGBa / LA to La (Pillow premultiplies the color bands before resizing), in place:
     * the caller owns the decoded buffer and a second full-size copy would double peak memory.
     */
    static Pixels premultiplyInPlace(Pixels p) {
        byte[] d = p.bytes();
        int c = p.channels();
        int colors = c - 1;
        for (int i = 0; i < d.length; i += c) {
            int alpha = d[i + colors] & 0xff;
            if (alpha == 255) {
                continue;
            }
            for (int k = 0; k < colors; k++) {
                d[i + k] = (byte) mulDiv255(d[i + k] & 0xff, alpha);
            }
        }
        return p;
    }

    /** RGBa to RGBA / La to LA, in place. */
    static void unpremultiply(Pixels p) {
        byte[] d = p.bytes();
        int c = p.channels();
        int colors = c - 1;
        for (int i = 0; i < d.length; i += c) {
            int alpha = d[i + colors] & 0xff;
            if (alpha == 0 || alpha == 255) {
                continue;
            }
            for (int k = 0; k < colors; k++) {
                int v = (255 * (d[i + k] & 0xff)) / alpha;
                d[i + k] = (byte) (v > 255 ? 255 : v);
            }
        }
    }

    /** {@code convert("RGB")}: interleaved R,G,B bytes. Alpha is dropped, not composited. */
    static byte[] toRgb(Pixels p) {
        int n = p.width() * p.height();
        byte[] out = new byte[n * 3];
        switch (p.mode()) {
            case L, BILEVEL -> {
                byte[] in = p.bytes();
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    out[o] = out[o + 1] = out[o + 2] = in[i];
                }
            }
            case LA -> {
                byte[] in = p.bytes();
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    out[o] = out[o + 1] = out[o + 2] = in[2 * i];
                }
            }
            case I -> {
                int[] in = p.ints();
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    int v = in[i];
                    out[o] = out[o + 1] = out[o + 2] = (byte) (v <= 0 ? 0 : v >= 255 ? 255 : v);
                }
            }
            case RGB, P, RGBA -> {
                byte[] in = p.bytes();
                int c = p.channels();
                int r = p.bgr() ? 2 : 0;
                int b = 2 - r;
                for (int i = 0, s = 0, o = 0; i < n; i++, s += c, o += 3) {
                    out[o] = in[s + r];
                    out[o + 1] = in[s + 1];
                    out[o + 2] = in[s + b];
                }
            }
            case CMYK -> {
                byte[] in = p.bytes();
                for (int i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
                    int nk = 255 - (in[s + 3] & 0xff);
                    for (int k = 0; k < 3; k++) {
                        int v = nk - mulDiv255(in[s + k] & 0xff, nk);
                        out[o + k] = (byte) (v < 0 ? 0 : v > 255 ? 255 : v);
                    }
                }
            }
        }
        return out;
    }

    /** {@code ImageOps.exif_transpose} for EXIF orientations 2..8; other values leave the image as is. */
    static Pixels orient(Pixels p, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return p;
        }
        int w = p.width();
        int h = p.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int c = p.mode() == Mode.I ? 1 : p.channels();
        byte[] inB = p.bytes();
        int[] inI = p.ints();
        byte[] outB = inB == null ? null : new byte[inB.length];
        int[] outI = inI == null ? null : new int[inI.length];
        for (int y = 0; y < oh; y++) {
            // The source index is linear along an output row: si = first + x * step.
            int first;
            int step;
            switch (orientation) {
                case 2 -> { first = y * w + (w - 1); step = -1; }          // FLIP_LEFT_RIGHT
                case 3 -> { first = (h - 1 - y) * w + (w - 1); step = -1; } // ROTATE_180
                case 4 -> { first = (h - 1 - y) * w; step = 1; }            // FLIP_TOP_BOTTOM
                case 5 -> { first = y; step = w; }                          // TRANSPOSE
                case 6 -> { first = (h - 1) * w + y; step = -w; }           // ROTATE_270
                case 7 -> { first = (h - 1) * w + (w - 1 - y); step = -w; } // TRANSVERSE
                default -> { first = w - 1 - y; step = w; }                 // 8: ROTATE_90
            }
            int o = y * ow;
            if (outI != null) {
                for (int x = 0, si = first; x < ow; x++, si += step) {
                    outI[o + x] = inI[si];
                }
            } else if (c == 3) {
                for (int x = 0, si = first * 3, oi = o * 3; x < ow; x++, si += 3 * step, oi += 3) {
                    outB[oi] = inB[si];
                    outB[oi + 1] = inB[si + 1];
                    outB[oi + 2] = inB[si + 2];
                }
            } else {
                for (int x = 0, si = first * c, oi = o * c; x < ow; x++, si += c * step, oi += c) {
                    for (int k = 0; k < c; k++) {
                        outB[oi + k] = inB[si + k];
                    }
                }
            }
        }
        return outI != null ? Pixels.ofInt(ow, oh, outI) : Pixels.of8(p.mode(), ow, oh, outB, p.bgr());
    }
}
