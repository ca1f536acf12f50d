package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted pickle reader that builds plain Java values and never executes anything: the only
 * callables it accepts are the tensor-rebuild functions, storage types, {@code OrderedDict} and
 * TorchScript's list helpers, interpreted here; in TorchScript archives, classes named
 * {@code __torch__.*} become {@link TorchObject} records of attributes. Any other global is refused
 * by name before anything else happens.
 *
 * <p>Values: {@code null}, Boolean, Long (BigInteger if larger), Double, String, byte[],
 * {@link Tuple}, ArrayList, LinkedHashMap, {@link StorageRef}, {@link TensorRef}, {@link TorchObject}.
 */
final class Unpickler {
    /** A pickled tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) {
            return items.get(i);
        }

        int size() {
            return items.size();
        }
    }

    /** A GLOBAL reference, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A storage type global such as {@code torch.HalfStorage}. */
    record StorageType(TensorData.Dtype dtype, String name) {}

    /** A persistent storage reference: data lives in the archive's {@code data/<key>}. */
    record StorageRef(String key, TensorData.Dtype dtype, long numel, String location) {}

    /** A tensor view on a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A TorchScript module or class instance: its type name and attributes (from BUILD). */
    static final class TorchObject {
        final String type;
        final Map<String, Object> attributes = new LinkedHashMap<>();

        TorchObject(String type) {
            this.type = type;
        }

        @Override
        public String toString() {
            return type + attributes.keySet();
        }
    }

    private static final Object MARK = new Object();
    private static final Map<String, TensorData.Dtype> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", TensorData.Dtype.F32),
            Map.entry("HalfStorage", TensorData.Dtype.F16),
            Map.entry("BFloat16Storage", TensorData.Dtype.BF16),
            Map.entry("DoubleStorage", TensorData.Dtype.F64),
            Map.entry("LongStorage", TensorData.Dtype.I64),
            Map.entry("IntStorage", TensorData.Dtype.I32),
            Map.entry("ShortStorage", TensorData.Dtype.I16),
            Map.entry("CharStorage", TensorData.Dtype.I8),
            Map.entry("ByteStorage", TensorData.Dtype.U8),
            Map.entry("BoolStorage", TensorData.Dtype.BOOL));
    private static final java.util.Set<String> FUNCTIONS = java.util.Set.of(
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch._tensor._rebuild_from_type_v2",
            "torch.Tensor",
            "torch.nn.parameter.Parameter",
            "collections.OrderedDict",
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensorlist",
            "torch.jit._pickle.restore_type_tag");

    private final String where;
    private final boolean allowTorchScriptClasses;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    /** Storages referenced so far, by key. */
    final Map<String, StorageRef> storages = new LinkedHashMap<>();

    /**
     * @param where file and entry, for messages
     * @param allowTorchScriptClasses accept {@code __torch__.*} classes (TorchScript archives only)
     */
    Unpickler(String where, ByteBuffer pickle, boolean allowTorchScriptClasses) {
        this.where = where;
        this.in = pickle.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.allowTorchScriptClasses = allowTorchScriptClasses;
    }

    /** Where the next pickle would start, after {@link #load()}. */
    int position() {
        return in.position();
    }

    Object load() {
        try {
            return run();
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new ClipException(where + ": truncated or corrupt pickle at byte " + in.position(), e);
        } catch (ClassCastException | NullPointerException | ArithmeticException e) {
            throw new ClipException(where + ": unexpected value in pickle at byte " + in.position() + ": " + e.getMessage(), e);
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = in.get() & 0xff;
                    if (proto > 5) {
                        throw fail("unsupported pickle protocol " + proto);
                    }
                }
                case 0x95 -> in.getLong(); // FRAME: framing is irrelevant when reading from memory
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> marks.add(stack.size());
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'c' -> push(global(readLine(), readLine()));
                case 0x93 -> { // STACK_GLOBAL
                    String name = (String) pop();
                    String module = (String) pop();
                    push(global(module, name));
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(in.get() & 0xff));
                case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<Object>());
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(Collections.unmodifiableList(popMark())));
                case 0x85 -> push(tuple(1));
                case 0x86 -> push(tuple(2));
                case 0x87 -> push(tuple(3));
                case 'l' -> push(popMark()); // LIST
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                    push(m);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = dict(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        m.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(readLong(in.get() & 0xff));
                case 0x8b -> push(readLong(checkedLength(in.getInt() & 0xffffffffL)));
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
                case 'X' -> push(readString(checkedLength(in.getInt() & 0xffffffffL)));
                case 0x8c -> push(readString(in.get() & 0xff));
                case 0x8d -> push(readString(checkedLength(in.getLong())));
                case 'T' -> push(new String(readBytes(checkedLength(in.getInt() & 0xffffffffL)), StandardCharsets.ISO_8859_1));
                case 'U' -> push(new String(readBytes(in.get() & 0xff), StandardCharsets.ISO_8859_1));
                case 'B' -> push(readBytes(checkedLength(in.getInt() & 0xffffffffL)));
                case 'C' -> push(readBytes(in.get() & 0xff));
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 0x8f -> push(new ArrayList<Object>()); // EMPTY_SET, read as a list
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x91 -> push(popMark()); // FROZENSET
                case 'Q' -> push(persistent(pop()));
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    push(call(fn, (Tuple) args));
                }
                case 0x81 -> { // NEWOBJ
                    Tuple args = (Tuple) pop();
                    Object cls = pop();
                    push(newObject(cls, args));
                }
                case 'b' -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case 'i' -> { // INST (protocol 0): refuse by name like GLOBAL
                    Object g = global(readLine(), readLine());
                    throw fail("pickle instantiates " + describe(g) + " with INST, which checkpoints never use");
                }
                case 0x82, 0x83, 0x84 -> throw fail("pickle uses the copyreg extension registry (EXT opcodes), which checkpoints never use");
                default -> throw fail(String.format("unsupported pickle opcode 0x%02x at byte %d", op, in.position() - 1));
            }
        }
    }

    private ClipException fail(String msg) {
        return new ClipException(where + ": " + msg);
    }

    private Object global(String module, String name) {
        String q = module + "." + name;
        if (module.equals("torch") && STORAGES.containsKey(name)) {
            return new StorageType(STORAGES.get(name), name);
        }
        if (FUNCTIONS.contains(q)) {
            return new Global(module, name);
        }
        if (allowTorchScriptClasses && (module.equals("__torch__") || module.startsWith("__torch__."))) {
            return new Global(module, name);
        }
        throw new ClipException("refusing to load " + where + ": its pickle calls " + q
                + ", which a checkpoint never needs (only tensors, storages and OrderedDict are allowed;"
                + " a whole pickled model or a malicious file looks like this)");
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw fail("unsupported persistent id " + describe(pid));
        }
        if (!(t.get(1) instanceof StorageType type)) {
            throw fail("unsupported storage type " + describe(t.get(1)));
        }
        long numel = asLong(t.get(4));
        if (numel < 0) {
            throw fail("negative storage size " + numel);
        }
        if (t.size() > 5 && t.get(5) != null) {
            throw fail("storage views (legacy view metadata " + describe(t.get(5)) + ") are not supported");
        }
        StorageRef ref = new StorageRef(String.valueOf(t.get(2)), type.dtype(), numel, String.valueOf(t.get(3)));
        StorageRef before = storages.putIfAbsent(ref.key(), ref);
        if (before != null && !before.equals(ref)) {
            throw fail("storage " + ref.key() + " is declared twice with different types or sizes");
        }
        return ref;
    }

    private Object call(Object fn, Tuple args) {
        if (!(fn instanceof Global g)) {
            throw fail("pickle calls a non-function " + describe(fn));
        }
        switch (g.qualified()) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4 || !(args.get(0) instanceof StorageRef s)) {
                    throw fail(g.qualified() + " with unexpected arguments " + describe(args));
                }
                long[] size = longs(args.get(2));
                long[] stride = longs(args.get(3));
                if (size.length != stride.length) {
                    throw fail("tensor size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride) + " differ in rank");
                }
                return new TensorRef(s, asLong(args.get(1)), size, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                return args.get(0);
            }
            case "torch._tensor._rebuild_from_type_v2" -> {
                // (func, new_type, args, state): only plain tensors and parameters
                Object type = args.get(1);
                if (!(type instanceof Global t) || !(t.qualified().equals("torch.Tensor")
                        || t.qualified().equals("torch.nn.parameter.Parameter"))) {
                    throw fail("refusing tensor subclass " + describe(type));
                }
                return call(args.get(0), (Tuple) args.get(2));
            }
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() > 0 && args.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        Tuple kv = (Tuple) p;
                        m.put(kv.get(0), kv.get(1));
                    }
                }
                return m;
            }
            case "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_doublelist",
                    "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensorlist",
                    "torch.jit._pickle.restore_type_tag" -> {
                return args.get(0);
            }
            default -> throw fail("pickle calls " + g.qualified() + " in an unsupported way");
        }
    }

    private Object newObject(Object cls, Tuple args) {
        if (cls instanceof Global g && (g.module().equals("__torch__") || g.module().startsWith("__torch__."))) {
            return new TorchObject(g.qualified());
        }
        if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")) {
            return new LinkedHashMap<Object, Object>();
        }
        throw fail("pickle instantiates unsupported class " + describe(cls));
    }

    private void build(Object obj, Object state) {
        if (obj instanceof TorchObject o) {
            if (state instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    o.attributes.put(String.valueOf(e.getKey()), e.getValue());
                }
                return;
            }
            throw fail("TorchScript class " + o.type + " has a custom state " + describe(state) + ", which is not supported");
        }
        // OrderedDict attributes (state_dict()._metadata) and tensor state carry no weights.
    }

    private Object memoGet(long i) {
        if (!memo.containsKey(i)) {
            throw fail("pickle refers to missing memo entry " + i);
        }
        return memo.get(i);
    }

    private Tuple tuple(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Tuple(Collections.unmodifiableList(Arrays.asList(items)));
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size())) {
            throw fail("corrupt pickle: stack underflow at byte " + in.position());
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw fail("corrupt pickle: empty stack at byte " + in.position());
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw fail("corrupt pickle: no MARK at byte " + in.position());
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail("corrupt pickle: SETITEM on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail("corrupt pickle: APPEND on " + describe(o));
    }

    private int checkedLength(long n) {
        if (n < 0 || n > in.remaining()) {
            throw fail("corrupt pickle: length " + n + " exceeds the remaining " + in.remaining() + " bytes");
        }
        return (int) n;
    }

    private byte[] readBytes(int n) {
        byte[] b = new byte[checkedLength(n)];
        in.get(b);
        return b;
    }

    private String readString(int n) {
        return new String(readBytes(n), StandardCharsets.UTF_8);
    }

    private String readLine() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return sb.toString();
            }
            sb.append((char) (b & 0xff));
            if (sb.length() > 1000) {
                throw fail("corrupt pickle: overlong GLOBAL name");
            }
        }
    }

    private Object readLong(int n) {
        byte[] b = readBytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw fail("expected an integer, found " + describe(o));
    }

    private long[] longs(Object o) {
        if (!(o instanceof Tuple t)) {
            throw fail("expected a tuple of integers, found " + describe(o));
        }
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = asLong(t.get(i));
        }
        return r;
    }

    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        String s = o instanceof Global g ? g.qualified() : o.toString();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
