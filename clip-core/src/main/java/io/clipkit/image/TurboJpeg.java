package io.clipkit.image;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * JPEG decoding through the system's TurboJPEG library (Debian/Ubuntu package
 * {@code libturbojpeg0}), when present. It is libjpeg-turbo with its SIMD code, the same library
 * and settings (accurate integer IDCT, fancy upsampling) Pillow decodes with, and about twice as
 * fast as OpenCV's bundled copy, which is built without SIMD. Without it, JPEGs go through OpenCV
 * (same pixels, slower).
 */
final class TurboJpeg {
    static final int TJPF_RGB = 0;
    static final int TJPF_GRAY = 6;
    static final int TJPF_CMYK = 11;
    private static final int TJERR_WARNING = 0;

    /** The subset of the TurboJPEG 2.x C API we use. */
    interface Lib extends Library {
        Pointer tjInitDecompress();

        int tjDecompress2(Pointer handle, Pointer jpegBuf, NativeLong jpegSize, Pointer dstBuf, int width,
                int pitch, int height, int pixelFormat, int flags);

        int tjGetErrorCode(Pointer handle);

        String tjGetErrorStr2(Pointer handle);

        int tjDestroy(Pointer handle);
    }

    private static final Lib LIB = load();

    private TurboJpeg() {}

    private static Lib load() {
        if (Boolean.getBoolean("clipkit.noTurboJpeg")) {
            return null;
        }
        for (String name : new String[] {"turbojpeg", "libturbojpeg.so.0"}) {
            try {
                return Native.load(name, Lib.class);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // try the next name; fall back to OpenCV when none loads
            }
        }
        return null;
    }

    static boolean available() {
        return LIB != null;
    }

    /** Decoded samples (w*h*channels bytes), or an exception with libjpeg's message. */
    static byte[] decode(byte[] jpeg, int width, int height, int pixelFormat, int channels) throws DecodeError {
        long size = (long) width * height * channels;
        Pointer handle = LIB.tjInitDecompress();
        if (handle == null) {
            throw new DecodeError("cannot initialize the JPEG decoder");
        }
        Memory in = scratch(0, jpeg.length);
        Memory out = scratch(1, size);
        try {
            in.write(0, jpeg, 0, jpeg.length);
            int rc = LIB.tjDecompress2(handle, in, new NativeLong(jpeg.length), out, width, 0, height, pixelFormat, 0);
            // Warnings (e.g. extraneous bytes) do not stop libjpeg or Pillow; only fatal errors count.
            if (rc != 0 && LIB.tjGetErrorCode(handle) != TJERR_WARNING) {
                throw new DecodeError(LIB.tjGetErrorStr2(handle));
            }
            byte[] pixels = new byte[(int) size];
            out.read(0, pixels, 0, pixels.length);
            return pixels;
        } finally {
            LIB.tjDestroy(handle);
            release(in, 0);
            release(out, 1);
        }
    }

    /** Largest native buffer kept per thread for reuse (fresh mmap'ed pages cost page faults). */
    private static final long KEEP = 64L << 20;

    private static final ThreadLocal<Memory[]> SCRATCH = ThreadLocal.withInitial(() -> new Memory[2]);

    private static Memory scratch(int slot, long size) {
        Memory[] s = SCRATCH.get();
        Memory m = s[slot];
        if (m != null && m.size() >= size) {
            s[slot] = null; // in use: a re-entrant call must not share it
            return m;
        }
        return new Memory(Math.max(size, 1));
    }

    private static void release(Memory m, int slot) {
        Memory[] s = SCRATCH.get();
        if (m.size() <= KEEP && (s[slot] == null || s[slot].size() < m.size())) {
            if (s[slot] != null) {
                s[slot].close();
            }
            s[slot] = m;
        } else {
            m.close();
        }
    }

    /** A fatal libjpeg error. */
    static final class DecodeError extends Exception {
        private static final long serialVersionUID = 1L;

        DecodeError(String message) {
            super(message);
        }
    }
}
