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
