package io.clipkit.model;

import static org.bytedeco.dnnl.global.dnnl.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Reduced-precision matrix products on CPU through oneDNN (bytedeco's build of oneDNN 3.8):
 * {@code x[M,K] @ w^T + b} with fp32 activations in and out. Each weight is converted once, at load,
 * to the low-precision type in the blocked layout oneDNN's matmul prefers for this CPU
 * ({@code format_tag::any}); each call converts its activations (a oneDNN reorder) and writes the
 * product into a fresh libtorch tensor's memory, as {@link Blas} does.
 * <ul>
 * <li>{@link Kind#BF16}: weights and activations rounded to bf16, fp32 accumulation. Activations are
 *     converted by a reorder: an fp32 source with {@code fpmath_mode::bf16} takes a slower, non-AMX
 *     kernel (measured 130 vs 900 GFLOP/s on this CPU).
 * <li>{@link Kind#INT8}: weights quantized to s8 per output channel (symmetric, scale = max|w|/127),
 *     activations quantized dynamically per row (s8, scale = max|x|/127, a reorder with per-row
 *     scales); s32 accumulation, dequantized by the weight scales in the kernel and by the row
 *     scales after it (oneDNN's matmul has no per-row source scales), then the bias.
 * </ul>
 *
 * <p>oneDNN's threading rules, and how they are kept: an engine and primitives may be used from
 * many threads, a stream may not (one short-lived stream per call); with the default scratchpad
 * mode a primitive must run on the thread that created it, so every primitive here uses a
 * caller-provided scratchpad (allocated per call). Matmul primitives are made for the call's M (not
 * a run-time M: see {@link #matmul}) and cached per (shape, M, threads: the scratchpad size depends
 * on the threads), shared by the weights of one shape; activation reorders are cached per (M, K,
 * threads). oneDNN's OpenMP runtime is its own (bytedeco's libgomp, not libtorch's): its thread
 * count per calling thread is set to the model's {@code threads} option.
 */
final class Dnnl {
    private Dnnl() {}

    /** The low-precision type of a weight and of the activations it multiplies. */
    enum Kind {
        BF16,
        INT8;

        int dnnl() {
            return this == BF16 ? dnnl_bf16 : dnnl_s8;
        }
    }

    private static volatile State state;
    private static volatile String failure = "not loaded";
    private static volatile int threads; // 0: OpenMP's default
    /** Activation reorders, per (M, K): small primitives, many kept (varied text lengths). */
    private static final PrimCache<ReorderKey> REORDERS = new PrimCache<>(4096);
    /**
     * Matmul primitives, per weight shape and M. Each holds about 0.5 MB (measured: the RSS of 900
     * of them; JIT kernels), so only the 256 most recently used are kept (about 130 MB): a job's image batch
     * sizes (the full one and the last) need about 12 each, and texts come sorted by length, so a
     * length's 4 or 5 products are made once, when the first batch of that length comes.
     */
    private static final PrimCache<MatmulKey> MATMULS = new PrimCache<>(256);
    /** The distinct weights layouts chosen so far (owned clones), so that a matmul's cache key can name its layout. */
    private static final java.util.List<dnnl_memory_desc> LAYOUTS = new java.util.ArrayList<>();
    private static final Set<String> IMPLS = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<int[]> THREADS_SET = new ThreadLocal<>();

    /** Whether oneDNN's natives load here (and the library's tiny self-test passes). */
    static boolean usable() {
        return state() != null;
    }

    /** Why {@link #usable()} is false. */
    static String failure() {
        state();
        return failure;
    }

    /** The implementations that have run (or been created) in this process, e.g. {@code brg_matmul:avx10_1_512_amx}. */
    static Set<String> implementations() {
        return Set.copyOf(IMPLS);
    }

    /** The OpenMP threads each call uses from now on (0: OpenMP's default, the available cores). */
    static void setThreads(int n) {
        threads = n;
    }

    private static State state() {
        State s = state;
        if (s == null) {
            synchronized (Dnnl.class) {
                s = state;
                if (s == null && failure.equals("not loaded")) {
                    try {
                        s = load();
                        state = s;
                        failure = "";
                    } catch (RuntimeException | LinkageError e) {
                        failure = String.valueOf(e.getMessage() != null ? e.getMessage() : e);
                    }
                }
            }
        }
        return s;
    }

    private interface Gomp extends com.sun.jna.Library {
        int omp_get_max_threads();

        void omp_set_num_threads(int n);
    }

    private record State(dnnl_engine engine, Gomp gomp, int defaultThreads) {}

    private static State load() {
        io.clipkit.engine.Engines.javacpp(); // first, or this load can deadlock against another thread's
        Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        dnnl_engine engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "creating the CPU engine");
        Gomp gomp = null;
        int def = 0;
        String path = Loader.getLoadedLibraries().get("gomp@.1");
        if (path != null) {
            // RTLD_LAZY | RTLD_NOLOAD, without JNA's default RTLD_GLOBAL: promoting this libgomp to the
            // global scope would let libtorch's (and OpenBLAS's) lazily bound symbols resolve into it.
            gomp = com.sun.jna.Native.load(path, Gomp.class, Map.of(com.sun.jna.Library.OPTION_OPEN_FLAGS, 0x1 | 0x4));
            def = gomp.omp_get_max_threads();
        }
        return new State(engine, gomp, def);
    }

    /** Sets this thread's OpenMP thread count for oneDNN's runtime, and returns it. */
    private static int threadsHere(State s) {
        int want = threads > 0 ? threads : s.defaultThreads;
        if (s.gomp == null) {
            return want;
        }
        int[] set = THREADS_SET.get();
        if (set == null) {
            set = new int[] {s.defaultThreads};
            THREADS_SET.set(set);
        }
        if (set[0] != want) {
            s.gomp.omp_set_num_threads(want);
            set[0] = want;
        }
        return want;
    }

    static boolean applies(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 && !x.getDevice().isGpu();
    }

    /** A primitive with its descriptor (owned; queried descriptors live as long as it) and scratchpad size. */
    private record Prim(dnnl_primitive_desc pd, dnnl_primitive prim, long scratchpad, String impl) {
        void destroy() {
            dnnl_primitive_destroy(prim);
            dnnl_primitive_desc_destroy(pd);
        }
    }

    /**
     * One Linear layer's weight, converted to the low-precision type in oneDNN's blocked layout
     * (bytes held in a libtorch tensor of the model's manager, freed with the model), its fp32 bias
     * and, for int8, its per-output-channel scales.
     */
    static final class Weight {
        final Kind kind;
        final long n;
        final long k;
        private final NDArray packed; // kept reachable: the memory the pointer below addresses
        private final BytePointer packedPtr;
        private final NDArray bias; // bf16: fused into the product; int8: added after the row scales
        private final BytePointer biasPtr;
        private final NDArray scales; // int8: per output channel, f32 [N]
        private final BytePointer scalesPtr;
        private final dnnl_memory_desc layout; // the chosen weights layout (one of LAYOUTS, never destroyed)
        private final int layoutId; // its index in LAYOUTS
        final String impl;
        final io.clipkit.Activation fused; // applied by the kernel to its output (bf16), or null

        private Weight(Kind kind, long n, long k, NDArray packed, NDArray bias, NDArray scales, dnnl_memory_desc layout,
                int layoutId, String impl, io.clipkit.Activation fused) {
            this.kind = kind;
            this.fused = fused;
            this.n = n;
            this.k = k;
            this.packed = packed;
            this.packedPtr = new BytePointer(direct(packed));
            this.bias = bias;
            this.biasPtr = bias == null ? null : new BytePointer(direct(bias));
            this.scales = scales;
            this.scalesPtr = scales == null ? null : new BytePointer(direct(scales));
            this.layout = layout;
            this.layoutId = layoutId;
            this.impl = impl;
        }

        boolean fusedBias() {
            return bias != null && kind == Kind.BF16;
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + "[" + n + "x" + k + ", " + packed.size() + " bytes] " + impl;
        }
    }

    /**
     * Converts {@code w} ({@code [N,K]} as torch.nn.Linear's, or {@code [K,N]} when {@code kn}) to
     * {@code kind} in oneDNN's preferred layout; the arrays are attached to {@code owner} (the model's
     * manager). {@code then}: an activation the bf16 kernel applies to its output (a post-op, saving
     * libtorch's passes over the MLP's widest tensor); int8 ignores it (its bias comes after the kernel).
     */
    static Weight pack(NDArray w, NDArray b, boolean kn, NDManager owner, Kind kind, io.clipkit.Activation then) {
        Shape ws = w.getShape();
        long n = kn ? ws.get(1) : ws.get(0);
        long k = kn ? ws.get(0) : ws.get(1);
        if (kind == Kind.BF16) {
            // reordered from w's own memory (DJL hands a contiguous copy of a strided view): no duplicate
            return pack(n, k, kn, b, owner, kind, then,
                    (s, layout, packed, scalesOut) -> reorderPlain(s, k, n, kn, dnnl_f32, direct(w), layout, packed));
        }
        return pack(n, k, kn, b, owner, kind, then, (s, layout, packed, scalesOut) -> {
            try (NDManager scratch = owner.newSubManager()) {
                NDArray plainW = w.duplicate(); // a view (q, kv of the packed in-projection) becomes its own memory
                plainW.attach(scratch);
                int type = dnnl_f32;
                if (kind == Kind.INT8) {
                    // symmetric per output channel: the channel's largest |w| maps to 127
                    NDArray amax = plainW.abs().max(new int[] {kn ? 0 : 1}, true);
                    NDArray sc = amax.div(127f).maximum(Float.MIN_NORMAL);
                    plainW = plainW.div(sc).round().toType(DataType.INT8, false);
                    NDArray scales = sc.reshape(n).duplicate();
                    scales.attach(owner);
                    scalesOut[0] = scales;
                    type = dnnl_s8;
                }
                reorderPlain(s, k, n, kn, type, direct(plainW), layout, packed);
            }
        });
    }

    /**
     * As {@link #pack(NDArray, NDArray, boolean, NDManager, Kind, io.clipkit.Activation)} for bf16,
     * reading an fp32 (or, with {@code fp16}, an fp16) {@code [N,K]} (or {@code [K,N]} when {@code kn})
     * weight straight from {@code plain}, e.g. a memory-mapped checkpoint's bytes: no engine copy of
     * the weight is made (loading ViT-B/32 in bf16 copied its Linear weights twice, and converted
     * OpenAI's fp16 ones to fp32, before their conversion to bf16).
     *
     * @throws ClipException if oneDNN cannot reorder from that type here (the caller converts through the engine)
     */
    static Weight packBf16(ByteBuffer plain, boolean fp16, long n, long k, boolean kn, NDArray b, NDManager owner,
            io.clipkit.Activation then) {
        long bytes = n * k * (fp16 ? 2 : 4);
        if (!plain.isDirect() || plain.remaining() != bytes) {
            throw new IllegalArgumentException("expected " + bytes + " bytes of direct " + (fp16 ? "fp16" : "fp32")
                    + " memory, got " + plain.remaining() + (plain.isDirect() ? "" : " on the heap"));
        }
        int type = fp16 ? dnnl_f16 : dnnl_f32;
        return pack(n, k, kn, b, owner, Kind.BF16, then,
                (s, layout, packed, scalesOut) -> reorderPlain(s, k, n, kn, type, plain, layout, packed));
    }

    /** Fills the packed weight (and, for int8, its scales) given the layout chosen for it. */
    @FunctionalInterface
    private interface Filler {
        void fill(State s, dnnl_memory_desc layout, NDArray packed, NDArray[] scalesOut);
    }

    private static Weight pack(long n, long k, boolean kn, NDArray b, NDManager owner, Kind kind,
            io.clipkit.Activation then, Filler filler) {
        io.clipkit.Activation fused = kind == Kind.BF16 ? then : null;
        State s = state();
        if (s == null) {
            throw new ClipException("oneDNN is not available: " + failure);
        }
        threadsHere(s);
        // The layout is chosen by a matmul with a run-time M: one that suits every M this weight
        // will be multiplied with (each call's own primitive is then made for its M: see matmul).
        Prim first = createMatmul(s, kind, DNNL_RUNTIME_DIM_VAL, k, n, b != null && kind == Kind.BF16, fused, null);
        dnnl_memory_desc layout;
        int layoutId;
        String impl = first.impl;
        try {
            layoutId = layoutId(dnnl_primitive_desc_query_md(first.pd, dnnl_query_weights_md, 0));
            synchronized (LAYOUTS) {
                layout = LAYOUTS.get(layoutId);
            }
        } finally {
            first.destroy();
        }
        long bytes = dnnl_memory_desc_get_size(layout);
        NDArray packed = owner.create(new Shape(bytes), DataType.INT8);
        NDArray[] scales = new NDArray[1];
        try {
            filler.fill(s, layout, packed, scales);
        } catch (RuntimeException e) {
            packed.close(); // attached to the model's manager: not to be held by a weight that failed
            throw e;
        }
        NDArray bias = null;
        if (b != null) {
            bias = b.duplicate(); // own contiguous memory, as the pointer kept for it needs
            bias.attach(owner);
        }
        return new Weight(kind, n, k, packed, bias, scales[0], layout, layoutId, impl, fused);
    }

    /** Reorders a plain {@code [K,N]} (or {@code [N,K]} stored, {@code !kn}) weight of {@code type} into the packed layout. */
    private static void reorderPlain(State s, long k, long n, boolean kn, int type, ByteBuffer from, dnnl_memory_desc layout,
            NDArray packed) {
        dnnl_memory_desc plain = md(new long[] {k, n}, type, kn ? dnnl_ab : dnnl_ba);
        try {
            reorder(s, plain, new BytePointer(from), layout, new BytePointer(direct(packed)));
        } finally {
            dnnl_memory_desc_destroy(plain);
        }
    }

    /**
     * Creates, and drops, the primitive a {@code [K,N]} weight of {@code kind} is packed with, so that
     * {@link #implementations()} names what the products will run on before any weight is converted
     * (a model's description is complete while its weights still load).
     */
    static void probe(Kind kind, long k, long n) {
        State s = state();
        if (s == null) {
            throw new ClipException("oneDNN is not available: " + failure);
        }
        threadsHere(s);
        createMatmul(s, kind, DNNL_RUNTIME_DIM_VAL, k, n, kind == Kind.BF16, null, null).destroy();
    }

    /** The index in {@link #LAYOUTS} of a layout equal to {@code chosen}, adding a clone of it if new. */
    private static int layoutId(dnnl_memory_desc chosen) {
        synchronized (LAYOUTS) {
            for (int i = 0; i < LAYOUTS.size(); i++) {
                if (dnnl_memory_desc_equal(LAYOUTS.get(i), chosen) != 0) {
                    return i;
                }
            }
            dnnl_memory_desc clone = new dnnl_memory_desc();
            check(dnnl_memory_desc_clone(clone, chosen), "cloning the weights layout");
            LAYOUTS.add(clone);
            return LAYOUTS.size() - 1;
        }
    }

    /** {@code x [..., K] @ w (+ b)} in the weight's low precision, into a new fp32 array of x's manager. */
    static NDArray linear(NDArray x, Weight w) {
        State s = state();
        Shape xs = x.getShape();
        long k = xs.get(xs.dimension() - 1);
        if (k != w.k) {
            throw new IllegalStateException("matmul input has " + k + " columns, weight expects " + w.k);
        }
        long m = xs.size() / k;
        NDManager mgr = x.getManager();
        NDArray y = mgr.create(xs.slice(0, xs.dimension() - 1).add(w.n), DataType.FLOAT32);
        if (m == 0) {
            return y;
        }
        int t = threadsHere(s);
        NDArray rowScales = null;
        try (NDManager scratch = mgr.newSubManager()) {
            // low-precision activations: bf16 bytes in a 2-byte tensor, s8 in an int8 one; never read by libtorch
            NDArray xl = scratch.create(new Shape(m * k), w.kind == Kind.BF16 ? DataType.FLOAT16 : DataType.INT8);
            ByteBuffer xb = x.toByteBuffer(true); // aliases a contiguous tensor, else a copy
            ByteBuffer xbDirect = xb.isDirect() ? xb : copyDirect(xb);
            BytePointer rowScalesPtr = null;
            if (w.kind == Kind.INT8) {
                // dynamic per-row quantization: the row's largest |x| maps to 127
                rowScales = x.abs().max(new int[] {-1}, true).div(127f).maximum(Float.MIN_NORMAL); // [..., 1]
                rowScales.attach(mgr);
                rowScalesPtr = new BytePointer(direct(rowScales));
            }
            convert(s, w.kind, m, k, t, new BytePointer(xbDirect), new BytePointer(direct(xl)), rowScalesPtr);
            PrimCache<MatmulKey>.Use p = matmul(s, w, m, t);
            dnnl_memory_desc src = md(new long[] {m, k}, w.kind.dnnl(), dnnl_ab);
            dnnl_memory_desc dst = md(new long[] {m, w.n}, dnnl_f32, dnnl_ab);
            dnnl_memory_desc biasMd = w.fusedBias() ? md(new long[] {1, w.n}, dnnl_f32, dnnl_ab) : null;
            dnnl_memory_desc scalesMd = w.scales == null ? null : md(new long[] {w.n}, dnnl_f32, dnnl_a);
            try {
                execute(s, p.prim, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST,
                        DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS},
                        new dnnl_memory_desc[] {src, w.layout, biasMd, dst, scalesMd},
                        new Pointer[] {new BytePointer(direct(xl)), w.packedPtr, w.biasPtr, new BytePointer(direct(y)),
                                w.scalesPtr});
            } finally {
                for (dnnl_memory_desc d : new dnnl_memory_desc[] {src, dst, biasMd, scalesMd}) {
                    if (d != null) {
                        dnnl_memory_desc_destroy(d);
                    }
                }
                p.done();
            }
        }
        if (rowScales != null) {
            y = y.muli(rowScales);
            rowScales.close();
            if (w.bias != null) {
                y = y.addi(w.bias);
            }
        }
        return y;
    }

    /** The activations in the low-precision type: bf16, or s8 divided by the per-row scales. */
    private static void convert(State s, Kind kind, long m, long k, int t, Pointer from, Pointer to, Pointer rowScales) {
        PrimCache<ReorderKey>.Use p = REORDERS.use(new ReorderKey(kind, m, k, t), () -> createReorder(s, kind, m, k));
        dnnl_memory_desc f = md(new long[] {m, k}, dnnl_f32, dnnl_ab);
        dnnl_memory_desc l = md(new long[] {m, k}, kind.dnnl(), dnnl_ab);
        dnnl_memory_desc sc = kind == Kind.INT8 ? md(new long[] {m}, dnnl_f32, dnnl_a) : null;
        try {
            execute(s, p.prim, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO, DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST},
                    new dnnl_memory_desc[] {f, l, sc}, new Pointer[] {from, to, rowScales});
        } finally {
            dnnl_memory_desc_destroy(f);
            dnnl_memory_desc_destroy(l);
            if (sc != null) {
                dnnl_memory_desc_destroy(sc);
            }
            p.done();
        }
    }

    /**
     * Primitives by what they are made for, the least recently used dropped past {@code max}. A
     * dropped primitive that a call on another thread is still running is destroyed when that call
     * is done with it ({@link Use#done}).
     */
    private static final class PrimCache<K> {
        private final int max;
        private final java.util.LinkedHashMap<K, Use> map = new java.util.LinkedHashMap<>(64, 0.75f, true);

        PrimCache(int max) {
            this.max = max;
        }

        @Override
        public synchronized String toString() {
            return map.size() + " of " + max + " primitives";
        }

        /** A primitive held until {@link #done}. */
        final class Use {
            final Prim prim;
            private int users;
            private boolean dropped;

            private Use(Prim prim) {
                this.prim = prim;
            }

            void done() {
                synchronized (PrimCache.this) {
                    users--;
                    if (dropped && users == 0) {
                        prim.destroy();
                    }
                }
            }
        }

        /** The primitive for {@code key}, made by {@code create} (outside the lock: it takes about 0.5 ms) if not cached. */
        Use use(K key, java.util.function.Supplier<Prim> create) {
            synchronized (this) {
                Use u = map.get(key);
                if (u != null) {
                    u.users++;
                    return u;
                }
            }
            Prim made = create.get();
            synchronized (this) {
                Use u = map.get(key);
                if (u != null) { // made meanwhile by another thread
                    made.destroy();
                } else {
                    u = new Use(made);
                    map.put(key, u);
                    for (java.util.Iterator<Use> it = map.values().iterator(); map.size() > max && it.hasNext();) {
                        Use old = it.next(); // least recently used first
                        it.remove();
                        old.dropped = true;
                        if (old.users == 0) {
                            old.prim.destroy();
                        }
                    }
                }
                u.users++;
                return u;
            }
        }
    }

    /** What an activation reorder is made for (a record, not a packed number: no two shapes can share a key). */
    private record ReorderKey(Kind kind, long m, long k, int threads) {}

    /** What a matmul primitive is made for: the weight's type, shape, layout and fused ops, the call's M, the thread count. */
    private record MatmulKey(Kind kind, long m, long k, long n, boolean bias, io.clipkit.Activation act, int layoutId,
            int threads) {}

    /**
     * The matmul for {@code m} rows of {@code w}, made for that M rather than once with a run-time M
     * (as it was): oneDNN 3.8's brgemm matmul computes a run-time M's tail with kernels of 32, 16, 8
     * or 1 rows that overlap (M = 10: rows 0-7, then rows 2-9 again), and saves and restores the
     * overlapped rows of the destination around the second kernel. When K is split into chunks
     * accumulated in the destination (on this AMX CPU, of the K tried: bf16 at 2560, 3072 and 5120,
     * so ViT-B's MLP c_proj and patch embedding, K = 3072; int8 at 4096 and 5120, so ViT-L's c_proj),
     * the restore is off and the overlapped rows get the later K chunks twice (rows 2-7 of M = 10
     * held K's second half twice).
     * Rows then depended on the rest of the batch: one photo twice in a batch gave cosine 0.997 and
     * 0.967 to fp32 in bf16. oneDNN 3.12 reworked that restore ("fix backup of overlaps"); bytedeco
     * ships 3.8. A primitive made for a known M has a single M-tail kernel and no overlap (checked by
     * BatchInvarianceTest for every M to 40). Making one takes about 0.5 ms and the weights of one
     * shape share it, so a new batch shape costs a few ms once.
     */
    private static PrimCache<MatmulKey>.Use matmul(State s, Weight w, long m, int t) {
        MatmulKey key = new MatmulKey(w.kind, m, w.k, w.n, w.fusedBias(), w.fused, w.layoutId, t);
        return MATMULS.use(key, () -> createMatmul(s, w.kind, m, w.k, w.n, w.fusedBias(), w.fused, w.layout));
    }

    private static Prim createReorder(State s, Kind kind, long m, long k) {
        dnnl_memory_desc f = md(new long[] {m, k}, dnnl_f32, dnnl_ab);
        dnnl_memory_desc l = md(new long[] {m, k}, kind.dnnl(), dnnl_ab);
        try {
            return create(s, attr -> {
                if (kind == Kind.INT8) {
                    check(dnnl_primitive_attr_set_scales_mask(attr, DNNL_ARG_DST, 1), "setting per-row scales");
                }
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                check(dnnl_reorder_primitive_desc_create(pd, f, s.engine, l, s.engine, attr), "creating an f32->" + kind + " reorder");
                return pd;
            });
        } finally {
            dnnl_memory_desc_destroy(f);
            dnnl_memory_desc_destroy(l);
        }
    }

    /** One reorder, executed and destroyed (weights, at load). */
    private static void reorder(State s, dnnl_memory_desc fromMd, Pointer from, dnnl_memory_desc toMd, Pointer to) {
        Prim p = create(s, attr -> {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, fromMd, s.engine, toMd, s.engine, attr), "creating the weights reorder");
            return pd;
        });
        try {
            execute(s, p, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, new dnnl_memory_desc[] {fromMd, toMd}, new Pointer[] {from, to});
        } finally {
            p.destroy();
        }
    }

    /**
     * {@code [M,K] @ [K,N] (+ [1,N])} in {@code kind} into fp32 ({@code rm}: M, or {@code DNNL_RUNTIME_DIM_VAL});
     * weights {@code any} unless {@code layout}; int8 with per-output-channel weight scales; then {@code act} (or none).
     */
    private static Prim createMatmul(State s, Kind kind, long rm, long k, long n, boolean bias, io.clipkit.Activation act,
            dnnl_memory_desc layout) {
        dnnl_memory_desc src = md(new long[] {rm, k}, kind.dnnl(), dnnl_ab);
        dnnl_memory_desc wei = layout != null ? layout : md(new long[] {k, n}, kind.dnnl(), dnnl_format_tag_any);
        dnnl_memory_desc b = bias ? md(new long[] {1, n}, dnnl_f32, dnnl_ab) : null;
        dnnl_memory_desc dst = md(new long[] {rm, n}, dnnl_f32, dnnl_ab);
        try {
            Prim p = create(s, attr -> {
                if (kind == Kind.INT8) {
                    check(dnnl_primitive_attr_set_scales_mask(attr, DNNL_ARG_WEIGHTS, 1 << 1), "setting per-channel scales");
                }
                if (act != null) {
                    dnnl_post_ops po = new dnnl_post_ops();
                    check(dnnl_post_ops_create(po), "creating post-ops");
                    try {
                        // QuickGELU x*sigmoid(1.702x) is oneDNN's swish with alpha 1.702; GELU is gelu_erf (exact, as torch's)
                        check(act == io.clipkit.Activation.GELU
                                ? dnnl_post_ops_append_eltwise(po, dnnl_eltwise_gelu_erf, 0f, 0f)
                                : dnnl_post_ops_append_eltwise(po, dnnl_eltwise_swish, 1.702f, 0f), "appending the activation");
                        check(dnnl_primitive_attr_set_post_ops(attr, po), "setting post-ops");
                    } finally {
                        dnnl_post_ops_destroy(po);
                    }
                }
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                check(dnnl_matmul_primitive_desc_create(pd, s.engine, src, wei, b, dst, attr),
                        "creating a " + kind + " matmul " + k + "x" + n);
                return pd;
            });
            IMPLS.add(p.impl);
            return p;
        } finally {
            dnnl_memory_desc_destroy(src);
            if (layout == null) {
                dnnl_memory_desc_destroy(wei);
            }
            if (b != null) {
                dnnl_memory_desc_destroy(b);
            }
            dnnl_memory_desc_destroy(dst);
        }
    }

    private interface PdFactory {
        dnnl_primitive_desc create(dnnl_primitive_attr attr);
    }

    private static Prim create(State s, PdFactory f) {
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "creating primitive attributes");
        try {
            // A caller-provided scratchpad: with the library's own, a primitive may only run on the thread that created it.
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "setting the scratchpad mode");
            dnnl_primitive_desc pd = f.create(attr);
            dnnl_primitive prim = new dnnl_primitive();
            int st = dnnl_primitive_create(prim, pd);
            if (st != dnnl_success) {
                dnnl_primitive_desc_destroy(pd);
                check(st, "creating a primitive");
            }
            dnnl_memory_desc sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
            long spBytes = sp == null || sp.isNull() ? 0 : dnnl_memory_desc_get_size(sp);
            return new Prim(pd, prim, spBytes, implInfo(pd));
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
    }

    private static String implInfo(dnnl_primitive_desc pd) {
        try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
            check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out), "querying the implementation");
            BytePointer str = out.get(BytePointer.class, 0);
            return str == null || str.isNull() ? "unknown" : str.getString();
        }
    }

    /** Runs {@code p} on a stream of its own, with memories over the given buffers (a null descriptor skips the argument). */
    private static void execute(State s, Prim p, int[] argIds, dnnl_memory_desc[] mds, Pointer[] data) {
        int count = 0;
        for (dnnl_memory_desc d : mds) {
            count += d == null ? 0 : 1;
        }
        int total = count + (p.scratchpad > 0 ? 1 : 0);
        dnnl_memory[] mems = new dnnl_memory[total];
        BytePointer scratchpad = null;
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, s.engine, dnnl_stream_default_flags), "creating a stream");
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(total)) {
            int i = 0;
            for (int a = 0; a < mds.length; a++) {
                if (mds[a] == null) {
                    continue;
                }
                mems[i] = new dnnl_memory();
                check(dnnl_memory_create(mems[i], mds[a], s.engine, data[a]), "creating a memory object");
                args.position(i).arg(argIds[a]).memory(mems[i]);
                i++;
            }
            if (p.scratchpad > 0) {
                scratchpad = new BytePointer(p.scratchpad);
                dnnl_memory_desc spMd = dnnl_primitive_desc_query_md(p.pd, dnnl_query_scratchpad_md, 0);
                mems[i] = new dnnl_memory();
                check(dnnl_memory_create(mems[i], spMd, s.engine, scratchpad), "creating the scratchpad");
                args.position(i).arg(DNNL_ARG_SCRATCHPAD).memory(mems[i]);
            }
            args.position(0);
            check(dnnl_primitive_execute(p.prim, stream, total, args), "executing " + p.impl);
            check(dnnl_stream_wait(stream), "waiting for " + p.impl);
        } finally {
            for (dnnl_memory mem : mems) {
                if (mem != null && !mem.isNull()) {
                    dnnl_memory_destroy(mem);
                }
            }
            dnnl_stream_destroy(stream);
            if (scratchpad != null) {
                scratchpad.close();
            }
        }
    }

    private static dnnl_memory_desc md(long[] dims, int type, int tag) {
        dnnl_memory_desc d = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(d, dims.length, dims, type, tag), "creating a memory descriptor");
        return d;
    }

    private static ByteBuffer direct(NDArray a) {
        ByteBuffer b = a.toByteBuffer(true);
        if (!b.isDirect()) {
            throw new IllegalStateException("libtorch tensor memory is not directly addressable");
        }
        return b;
    }

    private static ByteBuffer copyDirect(ByteBuffer b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
        d.put(b.duplicate());
        d.flip();
        return d;
    }

    private static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new ClipException("oneDNN failed " + what + " (status " + status + ")");
        }
    }
}
