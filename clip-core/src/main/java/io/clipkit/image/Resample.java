package io.clipkit.image;

/**
 * Pillow's {@code Image.resize} (Resample.c / Geometry.c of Pillow 9.4), reimplemented so that
 * the output is bit-identical: separable convolution with the bicubic kernel (a = -0.5) or the
 * bilinear triangle, the
 * kernel support widened by the scale factor when downscaling (antialiasing), horizontal pass
 * first, 8-bit images in fixed point with 22 fractional bits, 32-bit integer images in double
 * precision, and NEAREST for palette and bilevel images as Pillow's affine scaler does it.
 *
 * <p>Every output pixel depends only on its own coefficients, so computing just the window that a
 * center crop keeps gives the same values as resizing everything and cropping afterwards.
 */
final class Resample {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resample() {}

    /** Pillow's separable filters: support radius and kernel (Resample.c). */
    enum Filter {
        /** {@code Image.BICUBIC}: Keys' cubic with a = -0.5, support 2. */
        BICUBIC(2.0),
        /** {@code Image.BILINEAR}: the triangle, support 1. */
        BILINEAR(1.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            return this == BICUBIC ? bicubic(x) : bilinear(x);
        }
    }

    /**
     * Resizes {@code src} to {@code outW x outH} and returns the window at ({@code x0}, {@code y0})
     * of size {@code w x h} of the result.
     */
    static Pixels resizeWindow(Pixels src, int outW, int outH, int x0, int y0, int w, int h) {
        return resizeWindow(src, outW, outH, x0, y0, w, h, Filter.BICUBIC);
    }

    /** As {@link #resizeWindow(Pixels, int, int, int, int, int, int)} with the given filter. */
    static Pixels resizeWindow(Pixels src, int outW, int outH, int x0, int y0, int w, int h, Filter filter) {
        if (src.width() == outW && src.height() == outH) {
            return window(src, x0, y0, w, h); // Pillow copies; torchvision even skips the call
        }
        if (src.mode().nearest()) {
            return nearest(src, outW, outH, x0, y0, w, h);
        }
        return resizeWindow(src, src.width(), src.height(), outW, outH, x0, y0, w, h, filter);
    }

    /**
     * The same from the source box {@code [0, boxW) x [0, boxH)} (Pillow's {@code box}), which may
     * end inside the last column/row: a JPEG decoded reduced by r has ceil(W / r) columns, of
     * which the image covers W / r.
     */
    static Pixels resizeWindow(Pixels src, double boxW, double boxH, int outW, int outH, int x0, int y0, int w, int h,
            Filter filter) {
        boolean needH = outW != src.width() || boxW != src.width();
        boolean needV = outH != src.height() || boxH != src.height();
        Coeffs ch = needH ? precompute(src.width(), boxW, outW, x0, w, filter) : null;
        Coeffs cv = needV ? precompute(src.height(), boxH, outH, y0, h, filter) : null;
        // Source rows the vertical pass reads (or the window rows when there is none).
        int r0 = needV ? cv.bounds[0] : y0;
        int r1 = needV ? cv.bounds[2 * (h - 1)] + cv.bounds[2 * (h - 1) + 1] : y0 + h;
        if (src.mode() == Mode.I) {
            int[] tmp;
            int tmpW;
            int colOff;
            if (needH) {
                tmp = horizontal32(src.ints(), src.width(), r0, r1, ch);
                tmpW = w;
                colOff = 0;
            } else {
                tmp = src.ints();
                tmpW = src.width();
                colOff = x0;
            }
            int[] out;
            if (needV) {
                out = vertical32(tmp, tmpW, needH ? r0 : 0, colOff, w, cv);
            } else {
                int firstRow = needH ? 0 : y0;
                out = new int[w * h];
                for (int y = 0; y < h; y++) {
                    System.arraycopy(tmp, (firstRow + y) * tmpW + colOff, out, y * w, w);
                }
            }
            return Pixels.ofInt(w, h, out);
        }
        int c = src.channels();
        byte[] tmp;
        int tmpW;
        int colOff;
        if (needH) {
            tmp = horizontal8(src.bytes(), src.width(), c, r0, r1, ch);
            tmpW = w;
            colOff = 0;
        } else {
            tmp = src.bytes();
            tmpW = src.width();
            colOff = x0;
        }
        byte[] out;
        if (needV) {
            out = vertical8(tmp, tmpW, c, needH ? r0 : 0, colOff, w, cv);
        } else {
            int firstRow = needH ? 0 : y0;
            out = new byte[w * h * c];
            for (int y = 0; y < h; y++) {
                System.arraycopy(tmp, ((firstRow + y) * tmpW + colOff) * c, out, y * w * c, w * c);
            }
        }
        return Pixels.of8(src.mode(), w, h, out, src.bgr());
    }

    /** A plain copy of a window. */
    static Pixels window(Pixels src, int x0, int y0, int w, int h) {
        if (x0 == 0 && y0 == 0 && w == src.width() && h == src.height()) {
            return src;
        }
        if (src.mode() == Mode.I) {
            int[] out = new int[w * h];
            for (int y = 0; y < h; y++) {
                System.arraycopy(src.ints(), (y0 + y) * src.width() + x0, out, y * w, w);
            }
            return Pixels.ofInt(w, h, out);
        }
        int c = src.channels();
        byte[] out = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            System.arraycopy(src.bytes(), ((y0 + y) * src.width() + x0) * c, out, y * w * c, w * c);
        }
        return Pixels.of8(src.mode(), w, h, out, src.bgr());
    }

    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    static double bilinear(double x) {
        if (x < 0.0) {
            x = -x;
        }
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /** Filter taps of output positions [from, from + count): first source index, tap count, weights. */
    static final class Coeffs {
        final int ksize;
        final int[] bounds; // pairs: xmin, number of taps
        final double[] kk;
        final int[] fixed; // kk in fixed point for 8-bit images

        Coeffs(int ksize, int[] bounds, double[] kk) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.kk = kk;
            this.fixed = new int[kk.length];
            for (int i = 0; i < kk.length; i++) {
                double v = kk[i] * (1 << PRECISION_BITS);
                fixed[i] = (int) (kk[i] < 0 ? -0.5 + v : 0.5 + v);
            }
        }
    }

    static Coeffs precompute(int inSize, int outSize, int from, int count) {
        return precompute(inSize, outSize, from, count, Filter.BICUBIC);
    }

    static Coeffs precompute(int inSize, int outSize, int from, int count, Filter filter) {
        return precompute(inSize, inSize, outSize, from, count, filter);
    }

    /** Taps for the source box {@code [0, box)} of an {@code inSize} line (taps past {@code inSize} are dropped). */
    static Coeffs precompute(int inSize, double box, int outSize, int from, int count, Filter filter) {
        // Pillow's box is float: in1 - in0 is a float subtraction.
        double scale = (double) (float) box / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = filter.support * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[count * 2];
        double[] kk = new double[count * ksize];
        double ss = 1.0 / filterscale;
        for (int i = 0; i < count; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            int k = i * ksize;
            for (int x = 0; x < xmax; x++) {
                double wgt = filter.weight((x + xmin - center + 0.5) * ss);
                kk[k + x] = wgt;
                ww += wgt;
            }
            if (ww != 0.0) {
                for (int x = 0; x < xmax; x++) {
                    kk[k + x] /= ww;
                }
            }
            bounds[2 * i] = xmin;
            bounds[2 * i + 1] = xmax;
        }
        return new Coeffs(ksize, bounds, kk);
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : s > 255 ? 255 : s;
    }

    /** Horizontal pass over source rows [r0, r1): returns (r1 - r0) rows of the window's width. */
    static byte[] horizontal8(byte[] in, int inW, int c, int r0, int r1, Coeffs co) {
        int outW = co.bounds.length / 2;
        int ksize = co.ksize;
        int[] kk = co.fixed;
        int[] bounds = co.bounds;
        byte[] out = new byte[(r1 - r0) * outW * c];
        final int half = 1 << (PRECISION_BITS - 1);
        int o = 0;
        int y0 = r0;
        if (c == 3) {
            // Two rows per pass: shares the coefficient loads and gives the CPU independent sums.
            int rowOut = outW * 3;
            for (; y0 + 1 < r1; y0 += 2) {
                int base0 = y0 * inW * 3;
                int base1 = base0 + inW * 3;
                int o1 = o + rowOut;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin3 = bounds[2 * xx] * 3;
                    int n = bounds[2 * xx + 1];
                    int k = xx * ksize;
                    int p = base0 + xmin3;
                    int q = base1 + xmin3;
                    int s0 = half;
                    int s1 = half;
                    int s2 = half;
                    int t0 = half;
                    int t1 = half;
                    int t2 = half;
                    for (int x = 0; x < n; x++, p += 3, q += 3) {
                        int w = kk[k + x];
                        s0 += (in[p] & 0xff) * w;
                        s1 += (in[p + 1] & 0xff) * w;
                        s2 += (in[p + 2] & 0xff) * w;
                        t0 += (in[q] & 0xff) * w;
                        t1 += (in[q + 1] & 0xff) * w;
                        t2 += (in[q + 2] & 0xff) * w;
                    }
                    out[o] = (byte) clip8(s0);
                    out[o + 1] = (byte) clip8(s1);
                    out[o + 2] = (byte) clip8(s2);
                    out[o1] = (byte) clip8(t0);
                    out[o1 + 1] = (byte) clip8(t1);
                    out[o1 + 2] = (byte) clip8(t2);
                    o += 3;
                    o1 += 3;
                }
                o += rowOut;
            }
        }
        for (int y = y0; y < r1; y++) {
            int rowBase = y * inW;
            switch (c) {
                case 1 -> {
                    for (int xx = 0; xx < outW; xx++) {
                        int xmin = bounds[2 * xx];
                        int n = bounds[2 * xx + 1];
                        int k = xx * ksize;
                        int p = rowBase + xmin;
                        int s0 = half;
                        for (int x = 0; x < n; x++) {
                            s0 += (in[p + x] & 0xff) * kk[k + x];
                        }
                        out[o++] = (byte) clip8(s0);
                    }
                }
                case 3 -> {
                    for (int xx = 0; xx < outW; xx++) {
                        int xmin = bounds[2 * xx];
                        int n = bounds[2 * xx + 1];
                        int k = xx * ksize;
                        int p = (rowBase + xmin) * 3;
                        int s0 = half;
                        int s1 = half;
                        int s2 = half;
                        for (int x = 0; x < n; x++, p += 3) {
                            int w = kk[k + x];
                            s0 += (in[p] & 0xff) * w;
                            s1 += (in[p + 1] & 0xff) * w;
                            s2 += (in[p + 2] & 0xff) * w;
                        }
                        out[o] = (byte) clip8(s0);
                        out[o + 1] = (byte) clip8(s1);
                        out[o + 2] = (byte) clip8(s2);
                        o += 3;
                    }
                }
                case 4 -> {
                    for (int xx = 0; xx < outW; xx++) {
                        int xmin = bounds[2 * xx];
                        int n = bounds[2 * xx + 1];
                        int k = xx * ksize;
                        int p = (rowBase + xmin) * 4;
                        int s0 = half;
                        int s1 = half;
                        int s2 = half;
                        int s3 = half;
                        for (int x = 0; x < n; x++, p += 4) {
                            int w = kk[k + x];
                            s0 += (in[p] & 0xff) * w;
                            s1 += (in[p + 1] & 0xff) * w;
                            s2 += (in[p + 2] & 0xff) * w;
                            s3 += (in[p + 3] & 0xff) * w;
                        }
                        out[o] = (byte) clip8(s0);
                        out[o + 1] = (byte) clip8(s1);
                        out[o + 2] = (byte) clip8(s2);
                        out[o + 3] = (byte) clip8(s3);
                        o += 4;
                    }
                }
                default -> {
                    for (int xx = 0; xx < outW; xx++) {
                        int xmin = bounds[2 * xx];
                        int n = bounds[2 * xx + 1];
                        int k = xx * ksize;
                        for (int ch = 0; ch < c; ch++) {
                            int s = half;
                            int p = (rowBase + xmin) * c + ch;
                            for (int x = 0; x < n; x++, p += c) {
                                s += (in[p] & 0xff) * kk[k + x];
                            }
                            out[o++] = (byte) clip8(s);
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Vertical pass: output rows per {@code co} (source row = bound - rowShift), columns
     * [colOff, colOff + w) of a buffer {@code inW} pixels wide.
     */
    static byte[] vertical8(byte[] in, int inW, int c, int rowShift, int colOff, int w, Coeffs co) {
        int outH = co.bounds.length / 2;
        int ksize = co.ksize;
        int[] kk = co.fixed;
        byte[] out = new byte[outH * w * c];
        final int half = 1 << (PRECISION_BITS - 1);
        int rowStride = inW * c;
        int[] acc = new int[w * c];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = co.bounds[2 * yy] - rowShift;
            int n = co.bounds[2 * yy + 1];
            int k = yy * ksize;
            java.util.Arrays.fill(acc, half);
            // Row-wise accumulation: same sums as Pillow's per-pixel loop (integer, exact).
            for (int y = 0; y < n; y++) {
                int wgt = kk[k + y];
                int p = (ymin + y) * rowStride + colOff * c;
                for (int i = 0; i < acc.length; i++) {
                    acc[i] += (in[p + i] & 0xff) * wgt;
                }
            }
            int o = yy * w * c;
            for (int i = 0; i < acc.length; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return out;
    }

    private static int roundUp(double f) {
        return (int) (f >= 0.0 ? f + 0.5 : f - 0.5);
    }

    static int[] horizontal32(int[] in, int inW, int r0, int r1, Coeffs co) {
        int outW = co.bounds.length / 2;
        int[] out = new int[(r1 - r0) * outW];
        int o = 0;
        for (int y = r0; y < r1; y++) {
            for (int xx = 0; xx < outW; xx++) {
                int xmin = co.bounds[2 * xx];
                int n = co.bounds[2 * xx + 1];
                int k = xx * co.ksize;
                double ss = 0.0;
                for (int x = 0; x < n; x++) {
                    ss += in[y * inW + xmin + x] * co.kk[k + x];
                }
                out[o++] = roundUp(ss);
            }
        }
        return out;
    }

    static int[] vertical32(int[] in, int inW, int rowShift, int colOff, int w, Coeffs co) {
        int outH = co.bounds.length / 2;
        int[] out = new int[outH * w];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = co.bounds[2 * yy] - rowShift;
            int n = co.bounds[2 * yy + 1];
            int k = yy * co.ksize;
            for (int xx = 0; xx < w; xx++) {
                double ss = 0.0;
                // Floating point: keep Pillow's summation order (y ascending per pixel).
                for (int y = 0; y < n; y++) {
                    ss += in[(ymin + y) * inW + colOff + xx] * co.kk[k + y];
                }
                out[yy * w + xx] = roundUp(ss);
            }
        }
        return out;
    }

    /** Pillow's NEAREST resize (ImagingScaleAffine): positions accumulated in double, as Pillow does. */
    static Pixels nearest(Pixels src, int outW, int outH, int x0, int y0, int w, int h) {
        int[] xs = nearestIndex(src.width(), outW, x0, w);
        int[] ys = nearestIndex(src.height(), outH, y0, h);
        int c = src.channels();
        if (src.mode() == Mode.I) {
            int[] out = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = ys[y] < 0 || xs[x] < 0 ? 0 : src.ints()[ys[y] * src.width() + xs[x]];
                }
            }
            return Pixels.ofInt(w, h, out);
        }
        byte[] in = src.bytes();
        byte[] out = new byte[w * h * c];
        for (int y = 0; y < h; y++) {
            if (ys[y] < 0) {
                continue;
            }
            int row = ys[y] * src.width();
            for (int x = 0; x < w; x++) {
                if (xs[x] < 0) {
                    continue;
                }
                System.arraycopy(in, (row + xs[x]) * c, out, (y * w + x) * c, c);
            }
        }
        return Pixels.of8(src.mode(), w, h, out, src.bgr());
    }

    private static int[] nearestIndex(int inSize, int outSize, int from, int count) {
        double a = (double) (float) inSize / outSize;
        double pos = a * 0.5;
        int[] idx = new int[count];
        for (int x = 0; x < from + count; x++) {
            if (x >= from) {
                int v = pos < 0.0 ? -1 : (int) pos;
                idx[x - from] = v < inSize ? v : -1;
            }
            pos += a;
        }
        return idx;
    }
}
