package io.clipkit.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.engine.Engines;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * fp32 matrix products through OpenBLAS (bytedeco build) instead of libtorch's bundled MKL, which
 * takes a slow path on AMD CPUs: measured single-threaded on this Zen 5, 240 vs 108 GFLOP/s for the
 * encoder's shapes. The product is written straight into a fresh libtorch tensor: DJL hands out
 * a direct buffer over a contiguous tensor's memory; that this aliases is checked once, at the
 * first product, and anything else (GPU, other types, a failed check) takes the libtorch path.
 * Whether OpenBLAS itself works ({@link #usable()}) is known without libtorch, so that a model can
 * name its kernel before the engine has started.
 */
final class Blas {
    private Blas() {}

    private static volatile Boolean usable;
    private static volatile Boolean aliases;
    private static volatile java.util.List<com.sun.jna.Function> setThreads; // openblas_set_num_threads of each loaded OpenBLAS

    /** Whether OpenBLAS can be used for fp32 CPU arrays in this process. */
    static boolean usable() {
        Boolean u = usable;
        if (u == null) {
            synchronized (Blas.class) {
                u = usable;
                if (u == null) {
                    u = probe();
                    usable = u;
                }
            }
        }
        return u;
    }

    static boolean applies(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 && !x.getDevice().isGpu() && usable() && aliases();
    }

    /** Whether writes through DJL's direct buffer over a libtorch tensor land in the tensor (checked once). */
    private static boolean aliases() {
        Boolean a = aliases;
        if (a == null) {
            synchronized (Blas.class) {
                a = aliases;
                if (a == null) {
                    a = checkAliasing();
                    aliases = a;
                }
            }
        }
        return a;
    }

    private static boolean checkAliasing() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray y = m.create(new Shape(2), DataType.FLOAT32);
            ByteBuffer yb = y.toByteBuffer(true);
            if (!yb.isDirect()) {
                return false;
            }
            floats(yb).put(0, 1.5f).put(1, -2f);
            return java.util.Arrays.equals(y.toFloatArray(), new float[] {1.5f, -2f});
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * OpenBLAS's thread count. Through {@code openblas_set_num_threads} looked up once with dlsym
     * (JNA), not JavaCPP's {@code blas_set_num_threads}: that one looks the function up on every
     * call with {@code Loader.addressof}, which walks the loaded libraries and closes handles
     * inside glibc's iteration, and so can deadlock against a {@code dlopen} on another thread (it
     * did: {@code clip tag} hung once in ~30 starts, the weights loading in the background while
     * the main thread loaded FFmpeg).
     */
    static void setThreads(int threads) {
        if (!usable()) {
            return;
        }
        java.util.List<com.sun.jna.Function> fs = setThreads;
        if (fs == null) {
            synchronized (Blas.class) {
                fs = setThreads;
                if (fs == null) {
                    fs = lookUpSetThreads();
                    setThreads = fs;
                }
            }
        }
        if (fs.isEmpty()) {
            openblas.blas_set_num_threads(threads); // not found by path: JavaCPP's own lookup
            return;
        }
        for (com.sun.jna.Function f : fs) {
            f.invoke(new Object[] {threads});
        }
    }

    /** {@code openblas_set_num_threads} in each OpenBLAS library JavaCPP loaded (by its path: the same instance). */
    private static java.util.List<com.sun.jna.Function> lookUpSetThreads() {
        java.util.List<com.sun.jna.Function> out = new java.util.ArrayList<>();
        try {
            for (String path : org.bytedeco.javacpp.Loader.getLoadedLibraries().values()) {
                String file = path == null ? "" : java.nio.file.Path.of(path).getFileName().toString();
                if (file.startsWith("libopenblas") && file.contains(".so")) {
                    // RTLD_LAZY | RTLD_NOLOAD, without JNA's default RTLD_GLOBAL: promoting OpenBLAS to the
                    // global scope would let libtorch's lazily bound BLAS symbols resolve into it (it crashed)
                    out.add(com.sun.jna.NativeLibrary.getInstance(path, java.util.Map.of(com.sun.jna.Library.OPTION_OPEN_FLAGS,
                            0x1 | 0x4)).getFunction("openblas_set_num_threads"));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            out.clear();
        }
        return out;
    }

    /** {@code x [..., K] @ w[N,K]^T (+ b)}, into a new array of x's manager. */
    static NDArray linear(NDArray x, NDArray w, NDArray b) {
        Shape xs = x.getShape();
        long k = xs.get(xs.dimension() - 1);
        long m = xs.size() / k;
        long n = w.getShape().get(0);
        Shape outShape = xs.slice(0, xs.dimension() - 1).add(n);
        NDArray y = x.getManager().create(outShape, DataType.FLOAT32);
        ByteBuffer yb = y.toByteBuffer(true);
        if (!yb.isDirect()) {
            y.close();
            return Nn.torchLinear(x, w, b);
        }
        try (FloatPointer xp = pointer(x); FloatPointer wp = pointer(w); FloatPointer yp = new FloatPointer(floats(yb))) {
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans,
                    (int) m, (int) n, (int) k, 1f, xp, (int) k, wp, (int) k, 0f, yp, (int) n);
        }
        return b == null ? y : y.addi(b);
    }

    private static FloatPointer pointer(NDArray a) {
        // direct (aliasing) for a contiguous tensor; otherwise DJL returns a contiguous copy
        return new FloatPointer(floats(a.toByteBuffer(true)));
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(values).flip();
        return b;
    }

    private static FloatBuffer floats(ByteBuffer b) {
        return b.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** libc's setenv, to configure OpenBLAS before it loads and reads its environment. */
    private interface CLib extends com.sun.jna.Library {
        int setenv(String name, String value, int overwrite);
    }

    private static boolean probe() {
        if (Boolean.getBoolean("clipkit.noBlas")) {
            return false;
        }
        if (System.getenv("OPENBLAS_THREAD_TIMEOUT") == null) {
            // OpenBLAS's idle threads spin ~2^28 cycles after each product, taking the cores from
            // libtorch's element-wise work between products; 2^4 (the minimum) measured 25% faster.
            try {
                com.sun.jna.Native.load("c", CLib.class).setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
            } catch (RuntimeException | LinkageError e) {
                // keep OpenBLAS's default
            }
        }
        try {
            Engines.javacpp(); // before OpenBLAS's classes, or this can deadlock against oneDNN's load
            // plain direct buffers: libtorch need not have started (see aliases() for its tensors)
            FloatBuffer x = direct(new float[] {1, 2, 3, 4, 5, 6});
            FloatBuffer w = direct(new float[] {1, 0, -1, 2, 1, 0});
            FloatBuffer y = direct(new float[4]);
            try (FloatPointer xp = new FloatPointer(x); FloatPointer wp = new FloatPointer(w); FloatPointer yp = new FloatPointer(y)) {
                openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans,
                        2, 2, 3, 1f, xp, 3, wp, 3, 0f, yp, 2);
            }
            float[] got = new float[4];
            y.get(0, got);
            return java.util.Arrays.equals(got, new float[] {-2, 4, -2, 13});
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
