package io.clipkit.image;

/**
 * A decoded image: interleaved 8-bit samples ({@code bytes}) or, for mode I, one int per pixel
 * ({@code ints}). {@code bgr} marks 3/4-channel color data in OpenCV's B,G,R(,A) order: resampling
 * does not care, only the final RGB conversion does, which saves a swizzle pass.
 */
record Pixels(Mode mode, int width, int height, byte[] bytes, int[] ints, boolean bgr) {
    static Pixels of8(Mode mode, int width, int height, byte[] bytes, boolean bgr) {
        if (bytes.length != (long) width * height * mode.channels) {
            throw new IllegalStateException("pixel buffer size mismatch");
        }
        return new Pixels(mode, width, height, bytes, null, bgr);
    }

    static Pixels ofInt(int width, int height, int[] ints) {
        return new Pixels(Mode.I, width, height, null, ints, false);
    }

    int channels() {
        return mode.channels;
    }
}
