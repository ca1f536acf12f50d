package io.clipkit.image;

/** Reads the orientation tag (0x0112) from a TIFF-structured EXIF block, as Pillow's getexif does. */
final class Exif {
    private Exif() {}

    /**
     * Orientation in IFD0 of the TIFF structure at {@code off}, or 0 if absent or unreadable
     * (a broken EXIF block must not make the image unusable).
     */
    static int orientation(byte[] b, int off, int len) {
        try {
            int end = Math.min(b.length, off + len);
            if (off + 8 > end) {
                return 0;
            }
            boolean le;
            if (b[off] == 'I' && b[off + 1] == 'I') {
                le = true;
            } else if (b[off] == 'M' && b[off + 1] == 'M') {
                le = false;
            } else {
                return 0;
            }
            long ifd = u32(b, off + 4, le);
            if (ifd < 8 || off + ifd + 2 > end) {
                return 0;
            }
            int p = (int) (off + ifd);
            int count = u16(b, p, le);
            for (int i = 0; i < count; i++) {
                int e = p + 2 + 12 * i;
                if (e + 12 > end) {
                    return 0;
                }
                if (u16(b, e, le) == 0x0112) {
                    int type = u16(b, e + 2, le);
                    if (type == 3) { // SHORT
                        return u16(b, e + 8, le);
                    }
                    if (type == 4) { // LONG
                        return (int) u32(b, e + 8, le);
                    }
                    return 0;
                }
            }
            return 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** EXIF data that may start with the JPEG-style "Exif\0\0" prefix (PNG eXIf, WebP EXIF). */
    static int orientationMaybePrefixed(byte[] b, int off, int len) {
        if (len >= 6 && b[off] == 'E' && b[off + 1] == 'x' && b[off + 2] == 'i' && b[off + 3] == 'f'
                && b[off + 4] == 0 && b[off + 5] == 0) {
            return orientation(b, off + 6, len - 6);
        }
        return orientation(b, off, len);
    }

    static int u16(byte[] b, int p, boolean le) {
        return le ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 : (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    static long u32(byte[] b, int p, boolean le) {
        long v = le
                ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (long) (b[p + 3] & 0xff) << 24
                : (long) (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
        return v & 0xffffffffL;
    }
}
