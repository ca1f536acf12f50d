package io.clipkit.image;

import io.clipkit.ImagePreprocessor;

/** Builds image preprocessors. (Placeholder until the image pipeline lands.) */
public final class Preprocessors {
    private Preprocessors() {}

    public static ImagePreprocessor.Builder builder() {
        throw new UnsupportedOperationException("image pipeline is not implemented yet");
    }
}
