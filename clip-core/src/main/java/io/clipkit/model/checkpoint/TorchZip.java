package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import io.clipkit.model.checkpoint.Unpickler.StorageRef;
import io.clipkit.model.checkpoint.Unpickler.TensorRef;
import io.clipkit.model.checkpoint.Unpickler.TorchObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch zip archives: {@code torch.save} state dicts ({@code <root>/data.pkl} + {@code <root>/data/<key>})
 * and TorchScript archives (the same plus {@code constants.pkl} and {@code code/}), whose
 * {@code data.pkl} holds the module tree as {@code __torch__.*} objects.
 */
final class TorchZip {
    record Result(Map<String, TensorData> tensors, boolean torchscript) {}

    /** Keys under which training checkpoints keep the state dict. */
    private static final List<String> WRAPPERS = List.of("state_dict", "model_state_dict", "model", "module");

    private final FileSource src;
    private final ZipIndex zip;
    private final String root;
    private final Map<String, ByteBuffer> storages = new HashMap<>();

    /** Magic number that starts legacy (pre-1.6, non-zip) torch.save files. */
    static final java.math.BigInteger LEGACY_MAGIC = new java.math.BigInteger("1950a86a20f9469cfc6c", 16);

    private TorchZip(FileSource src, Map<String, ByteBuffer> legacyStorages) {
        this.src = src;
        this.zip = null;
        this.root = "";
        this.storages.putAll(legacyStorages);
    }

    /**
     * A legacy torch.save file: pickles of the magic number, protocol version and system info,
     * the object, the sorted storage keys, then each storage as an int64 element count and its bytes.
     */
    static Result readLegacy(FileSource src, Map<String, Object> scalars) throws IOException {
        ByteBuffer all = src.slice(0, src.size, "legacy torch.save file");
        String where = src.file + " (legacy torch.save)";
        Unpickler u = new Unpickler(where, all, false);
        if (!LEGACY_MAGIC.equals(u.load())) {
            throw new ClipException(src.file + ": a Python pickle, not a checkpoint this reader accepts");
        }
        u = new Unpickler(where, all.duplicate().position(u.position()), false);
        Object version = u.load();
        if (!Long.valueOf(1001).equals(version)) {
            throw new ClipException(where + ": unsupported legacy protocol version " + version);
        }
        u = new Unpickler(where, all.duplicate().position(u.position()), false);
        if (!(u.load() instanceof Map<?, ?> sys) || !Boolean.TRUE.equals(sys.get("little_endian"))) {
            throw new ClipException(where + ": only little-endian legacy files are supported");
        }
        Unpickler main = new Unpickler(where, all.duplicate().position(u.position()), false);
        Object top = main.load();
        u = new Unpickler(where, all.duplicate().position(main.position()), false);
        if (!(u.load() instanceof List<?> keys)) {
            throw new ClipException(where + ": corrupt storage key list");
        }
        long pos = u.position();
        Map<String, ByteBuffer> data = new HashMap<>();
        for (Object k : keys) {
            StorageRef ref = main.storages.get(String.valueOf(k));
            if (ref == null) {
                throw new ClipException(where + ": storage " + k + " is stored but never used");
            }
            long numel = src.slice(pos, 8, "size of storage " + k).getLong(0);
            if (numel != ref.numel()) {
                throw new ClipException(where + ": storage " + k + " holds " + numel + " elements, " + ref.numel() + " declared");
            }
            long bytes = Math.multiplyExact(numel, ref.dtype().bytes());
            data.put(ref.key(), src.slice(pos + 8, bytes, "storage " + k));
            pos += 8 + bytes;
        }
        TorchZip t = new TorchZip(src, data);
        Map<String, TensorData> out = new LinkedHashMap<>();
        t.flattenTop(top, out, scalars);
        return new Result(out, false);
    }

    private TorchZip(FileSource src) throws IOException {
        this.src = src;
        this.zip = new ZipIndex(src);
        String r = null;
        for (String name : zip.entries.keySet()) {
            if (name.endsWith("data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                if (r != null) {
                    throw new ClipException(src.file + ": zip archive holds more than one data.pkl (" + r + "data.pkl, " + name + ")");
                }
                r = name.substring(0, name.length() - "data.pkl".length());
            }
        }
        if (r == null) {
            throw new ClipException(src.file + ": zip archive without <root>/data.pkl: not a PyTorch checkpoint (entries: "
                    + zip.entries.keySet().stream().limit(5).toList() + ")");
        }
        this.root = r;
    }

    static Result read(FileSource src, Map<String, Object> scalars) throws IOException {
        return new TorchZip(src).read(scalars);
    }

    private Result read(Map<String, Object> scalars) throws IOException {
        ZipIndex.Entry bo = zip.entries.get(root + "byteorder");
        if (bo != null) {
            String order = StandardCharsets.US_ASCII.decode(zip.read(bo)).toString().trim();
            if (!order.equals("little")) {
                throw new ClipException(src.file + ": byte order '" + order + "' is not supported (only little-endian)");
            }
        }
        boolean torchscript = zip.entries.containsKey(root + "constants.pkl")
                || zip.entries.keySet().stream().anyMatch(n -> n.startsWith(root + "code/"));
        String where = src.file + " (" + root + "data.pkl)";
        Object top = new Unpickler(where, zip.read(zip.entries.get(root + "data.pkl")), torchscript).load();
        Map<String, TensorData> out = new LinkedHashMap<>();
        flattenTop(top, out, scalars);
        return new Result(out, torchscript);
    }

    private void flattenTop(Object top, Map<String, TensorData> out, Map<String, Object> scalars) throws IOException {
        if (top instanceof TorchObject module) {
            flattenModule(module, "", out, scalars);
        } else if (top instanceof Map<?, ?> m) {
            flattenDict(unwrap(m), "", out, scalars);
        } else {
            throw new ClipException(src.file + ": not a state dict: the pickle holds " + Unpickler.describe(top));
        }
        if (out.isEmpty()) {
            throw new ClipException(src.file + ": the checkpoint holds no tensors");
        }
    }

    private static Map<?, ?> unwrap(Map<?, ?> m) {
        for (int depth = 0; depth < 4; depth++) {
            if (m.values().stream().anyMatch(v -> v instanceof TensorRef)) {
                return m;
            }
            Map<?, ?> inner = null;
            for (String w : WRAPPERS) {
                if (m.get(w) instanceof Map<?, ?> x && x != m) {
                    inner = x;
                    break;
                }
            }
            if (inner == null) {
                return m;
            }
            m = inner;
        }
        return m;
    }

    /** Containers on the current path: a pickle can make an object contain itself. */
    private final java.util.Set<Object> open = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    private void enter(Object container, String prefix) {
        if (open.size() > 200) {
            throw new ClipException(src.file + ": module tree is nested more than 200 levels deep at " + prefix);
        }
        if (!open.add(container)) {
            throw new ClipException(src.file + ": the pickle's module tree contains itself at " + prefix);
        }
    }

    private void flattenModule(TorchObject o, String prefix, Map<String, TensorData> out, Map<String, Object> scalars)
            throws IOException {
        enter(o, prefix);
        for (Map.Entry<String, Object> e : o.attributes.entrySet()) {
            String path = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof TensorRef t) {
                out.put(path, materialize(path, t));
            } else if (v instanceof TorchObject child) {
                flattenModule(child, path + ".", out, scalars);
            } else if (v instanceof Long || v instanceof Double) {
                scalars.put(path, v);
            }
        }
        open.remove(o);
    }

    private void flattenDict(Map<?, ?> m, String prefix, Map<String, TensorData> out, Map<String, Object> scalars)
            throws IOException {
        enter(m, prefix);
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String path = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof TensorRef t) {
                out.put(path, materialize(path, t));
            } else if (v instanceof Map<?, ?> inner) {
                flattenDict(inner, path + ".", out, scalars);
            } else if (v instanceof Long || v instanceof Double) {
                scalars.put(path, v);
            }
        }
        open.remove(m);
    }

    private ByteBuffer storage(String tensor, StorageRef s) throws IOException {
        ByteBuffer b = storages.get(s.key());
        if (b == null && zip == null) {
            throw new ClipException(src.file + ": tensor " + tensor + ": storage " + s.key() + " is missing from the file");
        }
        if (b == null) {
            ZipIndex.Entry en = zip.entries.get(root + "data/" + s.key());
            if (en == null) {
                throw new ClipException(src.file + ": tensor " + tensor + ": storage " + root + "data/" + s.key()
                        + " is missing from the archive (truncated or corrupt file)");
            }
            b = zip.read(en);
            storages.put(s.key(), b);
        }
        long need;
        try {
            need = Math.multiplyExact(s.numel(), s.dtype().bytes());
        } catch (ArithmeticException e) {
            throw new ClipException(src.file + ": tensor " + tensor + ": storage size " + s.numel() + " is too large");
        }
        if (b.remaining() < need) {
            throw new ClipException(src.file + ": tensor " + tensor + ": storage data/" + s.key() + " has " + b.remaining()
                    + " bytes, " + need + " expected for " + s.numel() + " " + s.dtype() + " elements");
        }
        return b;
    }

    /** The tensor's elements as contiguous little-endian bytes: a slice when possible, a copy for strided views. */
    private TensorData materialize(String name, TensorRef t) throws IOException {
        StorageRef s = t.storage();
        ByteBuffer storage = storage(name, s);
        long[] size = t.size();
        long[] stride = t.stride();
        long numel;
        try {
            numel = TensorData.numel(size);
        } catch (ArithmeticException e) {
            throw new ClipException(src.file + ": tensor " + name + ": shape " + Arrays.toString(size) + " is too large");
        }
        for (long d : size) {
            if (d < 0) {
                throw new ClipException(src.file + ": tensor " + name + ": negative size " + Arrays.toString(size));
            }
        }
        if (numel == 0) {
            return new TensorData(name, size, s.dtype(), ByteBuffer.allocate(0));
        }
        long last = t.offset();
        boolean overflow = false;
        for (int i = 0; i < size.length; i++) {
            if (stride[i] < 0) {
                throw new ClipException(src.file + ": tensor " + name + ": negative stride " + Arrays.toString(stride));
            }
            try {
                last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        if (overflow || t.offset() < 0 || last >= s.numel()) {
            throw new ClipException(src.file + ": tensor " + name + ": view (offset " + t.offset() + ", size " + Arrays.toString(size)
                    + ", stride " + Arrays.toString(stride) + ") reaches past its storage of " + s.numel() + " elements");
        }
        int es = s.dtype().bytes();
        if (isContiguous(size, stride)) {
            ByteBuffer slice = storage.slice((int) (t.offset() * es), (int) (numel * es)).order(ByteOrder.LITTLE_ENDIAN);
            return new TensorData(name, size, s.dtype(), slice);
        }
        if (numel * es > Integer.MAX_VALUE) {
            throw new ClipException(src.file + ": tensor " + name + " is a strided view larger than 2 GiB, which is not supported");
        }
        ByteBuffer out = ByteBuffer.allocate((int) (numel * es)).order(ByteOrder.LITTLE_ENDIAN);
        int rank = size.length;
        long[] idx = new long[rank];
        long pos = t.offset();
        byte[] elem = new byte[es];
        for (long n = 0; n < numel; n++) {
            storage.get((int) (pos * es), elem);
            out.put(elem);
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                pos -= idx[d] * stride[d];
                idx[d] = 0;
            }
        }
        return new TensorData(name, size, s.dtype(), out.flip());
    }

    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }
}
