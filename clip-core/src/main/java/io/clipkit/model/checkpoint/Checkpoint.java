package io.clipkit.model.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint's tensors by state-dict key (buffers included, {@code module.} prefixes and
 * {@code state_dict} wrappers removed), whatever the file format.
 *
 * @param format {@code torchscript}, {@code state-dict} or {@code safetensors}
 * @param tensors tensors by key, in file order
 * @param scalars non-tensor entries such as {@code input_resolution} (may be empty)
 * @param sha256 hex SHA-256 of the file
 */
public record Checkpoint(String format, Map<String, TensorData> tensors, Map<String, Object> scalars, String sha256) {
    public Checkpoint {
        tensors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
        scalars = Map.copyOf(scalars);
    }

    /**
     * Reads a checkpoint, choosing the format by content. Never executes pickled code.
     *
     * @throws IOException if the file cannot be read
     * @throws io.clipkit.ClipException if the content is not a checkpoint this reader accepts
     */
    public static Checkpoint read(Path file) throws IOException {
        throw new UnsupportedOperationException("owned by the checkpoint helper");
    }
}
