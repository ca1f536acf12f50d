package io.clipkit.image;

/** Pillow's pixel conversions (Convert.c) and transposes that the reference pipeline uses. */
final class PixelOps {
    private PixelOps() {}

    /** Pillow's MULDIV255: a * b / 255 rounded, in integer arithmetic. */
    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    /** RGBA to RGBa / LA to La (Pillow premultiplies the color bands before resizing). */
    static Pixels premultiply(Pixels p) {
        byte[] in = p.bytes();
        byte[] out = new byte[in.length];
        int c = p.channels();
        int colors = c - 1;
        for (int i = 0; i < in.length; i += c) {
            int alpha = in[i + colors] & 0xff;
            for (int k = 0; k < colors; k++) {
                out[i + k] = (byte) mulDiv255(in[i + k] & 0xff, alpha);
            }
            out[i + colors] = (byte) alpha;
        }
        return Pixels.of8(p.mode(), p.width(), p.height(), out, p.bgr());
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
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }              // FLIP_LEFT_RIGHT
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }      // ROTATE_180
                    case 4 -> { sx = x; sy = h - 1 - y; }              // FLIP_TOP_BOTTOM
                    case 5 -> { sx = y; sy = x; }                      // TRANSPOSE
                    case 6 -> { sx = y; sy = h - 1 - x; }              // ROTATE_270
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }      // TRANSVERSE
                    default -> { sx = w - 1 - y; sy = x; }             // 8: ROTATE_90
                }
                int si = sy * w + sx;
                int oi = y * ow + x;
                if (outI != null) {
                    outI[oi] = inI[si];
                } else {
                    System.arraycopy(inB, si * c, outB, oi * c, c);
                }
            }
        }
        return outI != null ? Pixels.ofInt(ow, oh, outI) : Pixels.of8(p.mode(), ow, oh, outB, p.bgr());
    }
}
