package io.clipkit.model;

import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import java.io.IOException;
import java.nio.file.Path;

/** Loads checkpoints into {@link ClipModel}s. (Placeholder until the encoders land.) */
public final class ModelLoader {
    private ModelLoader() {}

    public static ClipModel load(Path checkpoint, ModelOptions options) throws IOException {
        throw new UnsupportedOperationException("model loading is not implemented yet");
    }
}
