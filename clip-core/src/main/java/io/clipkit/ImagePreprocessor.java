package io.clipkit;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns an image file into the model's input exactly as the reference pipeline (PIL +
 * torchvision {@code Resize(n, BICUBIC)}, {@code CenterCrop(n)}, RGB, {@code ToTensor},
 * {@code Normalize}) does. Thread-safe.
 *
 * <pre>{@code
 * ImagePreprocessor p = ImagePreprocessor.builder().size(224).build();
 * float[] chw = p.preprocess(Path.of("photo.jpg"));   // 3*224*224 normalized values
 * }</pre>
 */
public interface ImagePreprocessor {
    /** PIL's hard decompression-bomb limit. */
    long DEFAULT_MAX_PIXELS = 178_956_970L;

    static Builder builder() {
        return io.clipkit.image.Preprocessors.builder();
    }

    int size();

    /** Decodes, rotates per EXIF (unless disabled), resizes, crops and normalizes: CHW float32. */
    float[] preprocess(Path image) throws IOException;

    /**
     * The same for an encoded image held in memory (an upload): the same decoders, EXIF handling,
     * pixel limit and failure reasons as for a file. {@code name} (may be null) only names the
     * image in messages.
     *
     * <pre>{@code
     * float[] chw = p.preprocess(Files.readAllBytes(photo), "photo.jpg");
     * }</pre>
     *
     * @throws ImageDecodeException if the bytes are empty, not an image, truncated or over the pixel limit
     */
    default float[] preprocess(byte[] bytes, String name) throws IOException {
        // Implementations that decode from memory override this; the fallback goes through a file.
        Path tmp = java.nio.file.Files.createTempFile("clipkit-upload", ".img");
        try {
            java.nio.file.Files.write(tmp, bytes);
            return preprocess(tmp);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    /** The same for an image already in memory (no EXIF). */
    float[] preprocess(BufferedImage image);

    /** What the model sees: the resized, center-cropped RGB image (before normalization). */
    BufferedImage crop(Path image) throws IOException;

    /** Whether JPEGs are decoded reduced ({@link Builder#fast(boolean)}): not bit-exact, faster. */
    default boolean fast() {
        return false;
    }

    /** Validating builder. */
    interface Builder {
        /** Input side in pixels, keeping the rest of the spec (default: OpenAI's spec at 224). */
        Builder size(int size);

        /** The whole image spec of a model family ({@code model.info().spec().image()}). */
        Builder spec(ModelSpec.Image spec);

        Builder exifRotate(boolean rotate);

        Builder maxPixels(long maxPixels);

        /**
         * Fast decoding (default false: bit-exact). JPEGs are decoded reduced in the DCT domain
         * (libjpeg-turbo's scaled decoding, what Pillow's {@code draft} does) by 2, 4 or 8, as long
         * as the short side stays at least twice the input size, then resized and cropped as
         * usual. On photos the input differs from the exact one by a mean of about 0.003 (0..1
         * units) and decoding a 12-MP JPEG costs a fraction of the time and memory. Other formats
         * decode as before.
         *
         * <pre>{@code
         * ImagePreprocessor p = ImagePreprocessor.builder().size(224).fast(true).build();
         * }</pre>
         */
        Builder fast(boolean fast);

        ImagePreprocessor build();
    }
}
