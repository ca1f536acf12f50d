package io.clipkit.model.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}} and the
 * raw little-endian tensor bytes, offsets relative to the end of the header.
 */
final class Safetensors {
    /** The reference implementation refuses headers over 100 MB; so do we. */
    static final long MAX_HEADER = 100_000_000L;

    private Safetensors() {}

    /** True if the first bytes look like a safetensors header start. */
    static boolean looksLike(ByteBuffer head, long fileSize) {
        if (head.remaining() < 9) {
            return false;
        }
        long n = head.getLong(0);
        return n >= 2 && n <= Math.min(MAX_HEADER, fileSize - 8) && head.get(8) == '{';
    }

    static Map<String, TensorData> read(FileSource src, Map<String, Object> scalars) throws IOException {
        ByteBuffer lenBuf = src.slice(0, 8, "safetensors header length");
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER || n > src.size - 8) {
            throw new ClipException(src.file + ": corrupt safetensors header length " + n + " (file has " + src.size + " bytes)");
        }
        ByteBuffer hb = src.slice(8, n, "safetensors header");
        byte[] bytes = new byte[(int) n];
        hb.get(bytes);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ClipException(src.file + ": corrupt safetensors header: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ClipException(src.file + ": corrupt safetensors header: not a JSON object");
        }
        long dataStart = 8 + n;
        long dataSize = src.size - dataStart;
        record Entry(String name, Object dtype, long[] shape, long begin, long end) {}
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (v.isObject()) {
                    v.properties().forEach(m -> scalars.put("__metadata__." + m.getKey(), m.getValue().asText()));
                }
                continue;
            }
            String where = src.file + ": tensor " + name;
            JsonNode dt = v.get("dtype");
            JsonNode sh = v.get("shape");
            JsonNode off = v.get("data_offsets");
            if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
                throw new ClipException(where + ": corrupt safetensors entry " + v);
            }
            TensorData.Dtype dtype = dtype(dt.asText(), where);
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) {
                    throw new ClipException(where + ": bad shape " + sh);
                }
                shape[i] = sh.get(i).asLong();
            }
            long begin = off.get(0).asLong(-1);
            long end = off.get(1).asLong(-1);
            long expected;
            try {
                expected = Math.multiplyExact(TensorData.numel(shape), dtype.bytes());
            } catch (ArithmeticException e) {
                throw new ClipException(where + ": shape " + sh + " is too large");
            }
            if (begin < 0 || end < begin || end > dataSize) {
                throw new ClipException(where + ": data offsets " + off + " lie outside the " + dataSize
                        + " data bytes; the file is truncated or its header is corrupt");
            }
            if (end - begin != expected) {
                throw new ClipException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected
                        + " bytes but data offsets " + off + " give " + (end - begin));
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            ByteBuffer data = src.slice(dataStart + e.begin, e.end - e.begin, "tensor " + e.name);
            out.put(e.name, new TensorData(e.name, e.shape, (TensorData.Dtype) e.dtype, data));
        }
        return out;
    }

    private static TensorData.Dtype dtype(String s, String where) {
        return switch (s) {
            case "F16" -> TensorData.Dtype.F16;
            case "BF16" -> TensorData.Dtype.BF16;
            case "F32" -> TensorData.Dtype.F32;
            case "F64" -> TensorData.Dtype.F64;
            case "I64" -> TensorData.Dtype.I64;
            case "I32" -> TensorData.Dtype.I32;
            case "I16" -> TensorData.Dtype.I16;
            case "I8" -> TensorData.Dtype.I8;
            case "U8" -> TensorData.Dtype.U8;
            case "BOOL" -> TensorData.Dtype.BOOL;
            default -> throw new ClipException(where + ": unsupported dtype " + s);
        };
    }
}
