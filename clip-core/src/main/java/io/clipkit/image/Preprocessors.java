package io.clipkit.image;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;

/**
 * Builds {@link ImagePreprocessor}s: Pillow 9.4 + torchvision 0.14 CLIP preprocessing, bit-exact.
 *
 * <pre>{@code
 * ImagePreprocessor p = Preprocessors.builder().size(224).exifRotate(true).build();
 * }</pre>
 */
public final class Preprocessors {
    /** Largest accepted input size (the model's input resolution). */
    public static final int MAX_SIZE = 4096;

    private Preprocessors() {}

    public static ImagePreprocessor.Builder builder() {
        return new BuilderImpl();
    }

    /**
     * How many pixels {@code p} decodes for a {@code width} x {@code height} image: fewer for a
     * JPEG when it decodes fast (reduced), all of them otherwise. For memory estimates made from
     * the header, before decoding.
     */
    public static long decodedPixels(ImagePreprocessor p, long width, long height, boolean jpeg) {
        int r = jpeg && p.fast() ? ImageDecoder.reduction(width, height, 2 * p.size()) : 1;
        return ImageDecoder.reduced(width, r) * ImageDecoder.reduced(height, r);
    }

    private static final class BuilderImpl implements ImagePreprocessor.Builder {
        private ModelSpec.Image spec = ModelSpec.Image.openai(224);
        private boolean exifRotate = true;
        private long maxPixels = ImagePreprocessor.DEFAULT_MAX_PIXELS;
        private boolean fast;

        @Override
        public ImagePreprocessor.Builder size(int size) {
            if (size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException("image size must be between 1 and " + MAX_SIZE + ", got " + size);
            }
            this.spec = spec.withSize(size);
            return this;
        }

        @Override
        public ImagePreprocessor.Builder spec(ModelSpec.Image spec) {
            this.spec = java.util.Objects.requireNonNull(spec, "spec");
            return this;
        }

        @Override
        public ImagePreprocessor.Builder exifRotate(boolean rotate) {
            this.exifRotate = rotate;
            return this;
        }

        @Override
        public ImagePreprocessor.Builder maxPixels(long maxPixels) {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
            this.maxPixels = maxPixels;
            return this;
        }

        @Override
        public ImagePreprocessor.Builder fast(boolean fast) {
            this.fast = fast;
            return this;
        }

        @Override
        public ImagePreprocessor build() {
            return new ClipImagePreprocessor(spec, exifRotate, maxPixels, true, fast);
        }
    }
}
