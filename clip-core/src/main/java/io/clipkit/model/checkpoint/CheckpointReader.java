package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Detects a checkpoint's format by content and normalizes what the format readers return. */
final class CheckpointReader {
    /** Entries of OpenAI archives that are hyper-parameters, not weights. */
    static final Set<String> SCALAR_KEYS = Set.of("input_resolution", "context_length", "vocab_size");

    private CheckpointReader() {}

    static Checkpoint read(Path file) throws IOException {
        return read(file, FileSource.WHOLE_MAP_LIMIT, true);
    }

    static Checkpoint read(Path file, long wholeMapLimit) throws IOException {
        return read(file, wholeMapLimit, true);
    }

    /** With {@code hash} false the result's sha256 is null (the caller hashes the file itself). */
    static Checkpoint read(Path file, long wholeMapLimit, boolean hash) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such checkpoint file");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not a checkpoint file");
        }
        ByteBuffer head = Checkpoint.head(file, 64);
        long size = Files.size(file);
        Map<String, Object> scalars = new LinkedHashMap<>();
        Map<String, TensorData> raw;
        String format;
        try (FileSource src = new FileSource(file, wholeMapLimit)) {
            if (isZip(head)) {
                TorchZip.Result r = guarded(file, () -> TorchZip.read(src, scalars));
                raw = r.tensors();
                format = r.torchscript() ? Checkpoint.TORCHSCRIPT : Checkpoint.STATE_DICT;
            } else if (Safetensors.looksLike(head, size)) {
                raw = guarded(file, () -> Safetensors.read(src, scalars));
                format = Checkpoint.SAFETENSORS;
            } else if (isLegacyTorch(head)) {
                raw = guarded(file, () -> TorchZip.readLegacy(src, scalars)).tensors();
                format = Checkpoint.STATE_DICT;
            } else {
                throw new ClipException(file + ": not a checkpoint this reader accepts (" + describe(head, size)
                        + "); expected a TorchScript archive or torch.save file (.pt/.pth/.bin) or a .safetensors file");
            }
        }
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : raw.entrySet()) {
            String key = e.getKey();
            TensorData t = e.getValue();
            if (key.startsWith("module.")) {
                key = key.substring("module.".length());
                t = new TensorData(key, t.shape(), t.dtype(), t.data());
            }
            if (SCALAR_KEYS.contains(key) && t.numel() == 1) {
                scalars.put(key, t.dtype().isFloating() ? (Object) (double) t.toFloatArray()[0] : (Object) t.longValue());
                continue;
            }
            if (tensors.put(key, t) != null) {
                throw new ClipException(file + ": tensor " + key + " appears twice (once with a module. prefix)");
            }
        }
        return new Checkpoint(format, tensors, scalars, hash ? sha256(file) : null);
    }

    private interface Reading<T> {
        T run() throws IOException;
    }

    /** Readers validate what they read; this net turns any slip on a corrupt file into an error naming the file. */
    private static <T> T guarded(Path file, Reading<T> r) throws IOException {
        try {
            return r.run();
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException | IllegalArgumentException
                | ArithmeticException | ClassCastException | NullPointerException e) {
            throw new ClipException(file + ": corrupt checkpoint (" + e + ")", e);
        }
    }

    /** Pickle protocol 2 whose first value is a LONG1 of 10 bytes: the legacy torch.save magic number. */
    static boolean isLegacyTorch(ByteBuffer h) {
        return h.remaining() >= 4 && (h.get(0) & 0xff) == 0x80 && h.get(1) == 2 && (h.get(2) & 0xff) == 0x8a && h.get(3) == 0x0a;
    }

    static boolean isZip(ByteBuffer head) {
        return head.remaining() >= 4 && head.get(0) == 'P' && head.get(1) == 'K'
                && ((head.get(2) == 3 && head.get(3) == 4) || (head.get(2) == 5 && head.get(3) == 6));
    }

    /** A short guess at what a non-checkpoint file is, for the error message. */
    static String describe(ByteBuffer h, long size) {
        if (size == 0) {
            return "the file is empty";
        }
        int n = h.remaining();
        if (n >= 2 && (h.get(0) & 0xff) == 0x80 && h.get(1) >= 2 && h.get(1) <= 5) {
            return "a Python pickle, not a zip archive";
        }
        if (n >= 8 && (h.get(0) & 0xff) == 0x89 && h.get(1) == 'P' && h.get(2) == 'N' && h.get(3) == 'G') {
            return "looks like a PNG image";
        }
        if (n >= 3 && (h.get(0) & 0xff) == 0xff && (h.get(1) & 0xff) == 0xd8) {
            return "looks like a JPEG image";
        }
        if (n >= 6 && (h.get(0) & 0xff) == 0x93 && h.get(1) == 'N' && h.get(2) == 'U') {
            return "looks like a NumPy .npy array";
        }
        if (n >= 2 && (h.get(0) & 0xff) == 0x1f && (h.get(1) & 0xff) == 0x8b) {
            return "looks like a gzip file";
        }
        if (n >= 4 && h.get(0) == 'G' && h.get(1) == 'G' && h.get(2) == 'U' && h.get(3) == 'F') {
            return "looks like a GGUF file";
        }
        if (n >= 8) {
            long len = h.getLong(0);
            if (len > 0 && len < Safetensors.MAX_HEADER && h.get(8) == '{') {
                return "looks like a safetensors file whose header length " + len + " exceeds the file size " + size
                        + " (truncated?)";
            }
        }
        boolean text = true;
        for (int i = 0; i < n; i++) {
            int c = h.get(i) & 0xff;
            if (c < 9 || (c > 13 && c < 32 && c != 27)) {
                text = false;
                break;
            }
        }
        if (text) {
            return "looks like a text file";
        }
        StringBuilder sb = new StringBuilder("unknown content starting with bytes");
        for (int i = 0; i < Math.min(8, n); i++) {
            sb.append(String.format(" %02x", h.get(i) & 0xff));
        }
        return sb.toString();
    }

    static String sha256(Path file) throws IOException {
        return io.clipkit.util.Hashes.sha256Hex(file);
    }
}
