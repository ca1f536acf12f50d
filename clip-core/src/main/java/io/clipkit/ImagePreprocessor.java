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

    /** Validating builder. */
    interface Builder {
        /** Input side in pixels, keeping the rest of the spec (default: OpenAI's spec at 224). */
        Builder size(int size);

        /** The whole image spec of a model family ({@code model.info().spec().image()}). */
        Builder spec(ModelSpec.Image spec);

        Builder exifRotate(boolean rotate);

        Builder maxPixels(long maxPixels);

        ImagePreprocessor build();
    }
}
