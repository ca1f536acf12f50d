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
 * a direct buffer over a contiguous tensor's memory; that this aliases is checked once at startup,
 * and anything else (GPU, other types, a failed check) takes the libtorch path.
 */
final class Blas {
    private Blas() {}

    private static volatile Boolean usable;

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
        return x.getDataType() == DataType.FLOAT32 && !x.getDevice().isGpu() && usable();
    }

    static void setThreads(int threads) {
        if (usable()) {
            openblas.blas_set_num_threads(threads);
        }
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
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            Engines.javacpp(); // before OpenBLAS's classes, or this can deadlock against oneDNN's load
            NDArray x = m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            NDArray w = m.create(new float[] {1, 0, -1, 2, 1, 0}, new Shape(2, 3));
            NDArray y = m.create(new Shape(2, 2), DataType.FLOAT32);
            ByteBuffer yb = y.toByteBuffer(true);
            if (!yb.isDirect()) {
                return false;
            }
            try (FloatPointer xp = pointer(x); FloatPointer wp = pointer(w); FloatPointer yp = new FloatPointer(floats(yb))) {
                openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans,
                        2, 2, 3, 1f, xp, 3, wp, 3, 0f, yp, 2);
            }
            return java.util.Arrays.equals(y.toFloatArray(), new float[] {-2, 4, -2, 13});
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
