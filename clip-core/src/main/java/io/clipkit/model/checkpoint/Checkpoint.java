package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint's tensors by state-dict key (buffers included, {@code module.} prefixes and
 * {@code state_dict} wrappers removed), whatever the file format.
 *
 * <pre>{@code
 * Checkpoint ckpt = Checkpoint.read(Path.of("ViT-B-32.pt"));
 * TensorData conv = ckpt.require("visual.conv1.weight");
 * float[] w = conv.toFloatArray();
 * }</pre>
 *
 * @param format {@code torchscript}, {@code state-dict} or {@code safetensors}
 * @param tensors tensors by key, in file order
 * @param scalars non-tensor entries (may be empty): {@code input_resolution}, {@code context_length},
 *     {@code vocab_size} of OpenAI archives (Long), other integer or float entries of state dicts by key,
 *     safetensors metadata as {@code __metadata__.<key>} strings
 * @param sha256 hex SHA-256 of the file (null only from {@link #readUnhashed})
 */
public record Checkpoint(String format, Map<String, TensorData> tensors, Map<String, Object> scalars, String sha256) {
    /** Format name of OpenAI-style TorchScript archives. */
    public static final String TORCHSCRIPT = "torchscript";
    /** Format name of {@code torch.save} state dicts (zip). */
    public static final String STATE_DICT = "state-dict";
    /** Format name of safetensors files. */
    public static final String SAFETENSORS = "safetensors";

    public Checkpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
    }

    /**
     * Reads a checkpoint, choosing the format by content. Never executes pickled code.
     *
     * @throws IOException if the file cannot be read
     * @throws io.clipkit.ClipException if the content is not a checkpoint this reader accepts
     */
    public static Checkpoint read(Path file) throws IOException {
        return CheckpointReader.read(file);
    }

    /**
     * Reads a checkpoint like {@link #read} but leaves {@link #sha256()} null: hashing a large file
     * takes a while, so a loader can run {@link #sha256(Path)} concurrently with using the tensors and
     * attach the result with {@link #withSha256}.
     */
    public static Checkpoint readUnhashed(Path file) throws IOException {
        return CheckpointReader.read(file, FileSource.WHOLE_MAP_LIMIT, false);
    }

    /** Hex SHA-256 of a file, as {@link #sha256()} reports it. */
    public static String sha256(Path file) throws IOException {
        return CheckpointReader.sha256(file);
    }

    /** This checkpoint with the given SHA-256 (see {@link #readUnhashed}). */
    public Checkpoint withSha256(String sha256) {
        return new Checkpoint(format, tensors, scalars, sha256);
    }

    /** The tensor named {@code key}; a {@link ClipException} naming it if absent. */
    public TensorData require(String key) {
        TensorData t = tensors.get(key);
        if (t == null) {
            throw new ClipException("checkpoint has no tensor " + key);
        }
        return t;
    }

    /** The tensor named {@code key}, which must have the given shape; a {@link ClipException} naming both otherwise. */
    public TensorData require(String key, long... expectedShape) {
        TensorData t = tensors.get(key);
        if (t == null) {
            throw new ClipException("checkpoint has no tensor " + key + " (expected shape " + Arrays.toString(expectedShape) + ")");
        }
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new ClipException("tensor " + key + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(expectedShape));
        }
        return t;
    }

    /** Bytes a format detector needs. */
    static ByteBuffer head(Path file, int n) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return ByteBuffer.wrap(in.readNBytes(n)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }
    }
}
