package io.clipkit.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import io.clipkit.model.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/**
 * The checkpoint's tensors turned into native arrays on demand, each checked against the shape the
 * architecture needs. Stored fp16/bf16 values are converted natively (not element by element in
 * Java) to the compute type.
 */
final class Weights {
    private final Map<String, TensorData> tensors;
    private final NDManager manager;
    private final DataType computeType;
    private final Map<String, NDArray> loaded = new java.util.LinkedHashMap<>();
    private final Dnnl.Kind products;
    private boolean fp16Reorders = true; // until oneDNN refuses one

    Weights(Map<String, TensorData> tensors, NDManager manager, DataType computeType) {
        this(tensors, manager, computeType, null);
    }

    /**
     * @param products the low precision the Linear layers' products run in through oneDNN (their
     *     weights are converted once, here), or null for fp32; the arrays stay in {@code computeType}
     *     for everything else
     */
    Weights(Map<String, TensorData> tensors, NDManager manager, DataType computeType, Dnnl.Kind products) {
        this.tensors = tensors;
        this.manager = manager;
        this.computeType = computeType;
        this.products = products;
    }

    /** A Linear layer: weight {@code [n,k]}, bias {@code [n]} (null name: none). */
    Linear linear(String weight, String bias, long n, long k) {
        return linear(weight, bias, n, k, null);
    }

    /** A Linear layer followed by {@code then} (see {@link Linear#applyThen}). */
    Linear linear(String weight, String bias, long n, long k, io.clipkit.Activation then) {
        if (products == Dnnl.Kind.BF16) {
            TensorData t = checked(weight, n, k);
            ByteBuffer plain = t.data();
            boolean fp16 = t.dtype() == TensorData.Dtype.F16;
            if ((fp16 || t.dtype() == TensorData.Dtype.F32) && plain.isDirect() && (!fp16 || fp16Reorders)) {
                // converted straight from the checkpoint's (mapped) bytes: no copy in the engine
                NDArray b = bias == null ? null : get(bias, n);
                try {
                    Dnnl.Weight packed = Dnnl.packBf16(plain, fp16, n, k, false, b, manager, then);
                    t.dropResident();
                    return new Linear(null, null, false, packed);
                } catch (ClipException e) {
                    if (!fp16) {
                        throw e;
                    }
                    fp16Reorders = false; // this oneDNN cannot read fp16 here: through the engine, as below
                } finally {
                    if (b != null) {
                        b.close();
                    }
                }
            }
        }
        return linear(get(weight, n, k), bias == null ? null : get(bias, n), false, then);
    }

    /** A Linear layer over arrays already loaded (views of a packed projection). */
    Linear linear(NDArray w, NDArray b) {
        return linear(w, b, false, null);
    }

    /** A bias-free projection stored input-major, {@code [k,n]} ({@code x @ w}), as CLIP's {@code proj}s are. */
    Linear projection(String name, long k, long n) {
        return linear(get(name, k, n), null, true, null);
    }

    /**
     * fp32 products keep the arrays; low-precision ones convert them for oneDNN and free the fp32
     * copies (a bf16 model holds 2 bytes per Linear weight, not 4 + 2): nothing else reads them,
     * as such a model is never trained.
     */
    private Linear linear(NDArray w, NDArray b, boolean kn, io.clipkit.Activation then) {
        if (products == null) {
            return new Linear(w, b, kn, null);
        }
        Dnnl.Weight packed = Dnnl.pack(w, b, kn, manager, products, then);
        w.close();
        if (b != null) {
            b.close();
        }
        return new Linear(null, null, kn, packed);
    }

    /** Whether the Linear layers' products run in bf16/int8 through oneDNN (their fp32 arrays are freed). */
    boolean lowPrecision() {
        return products != null;
    }

    DataType computeType() {
        return computeType;
    }

    /** A tensor in the compute type; missing or wrongly shaped is a {@link ClipException} naming it. */
    NDArray get(String name, long... shape) {
        return get(name, computeType, shape);
    }

    /** A tensor kept in fp32 whatever the compute type (LayerNorm parameters, as OpenAI does). */
    NDArray getFloat(String name, long... shape) {
        return get(name, DataType.FLOAT32, shape);
    }

    /** The named tensor, which must have {@code shape}; a {@link ClipException} naming it otherwise. */
    private TensorData checked(String name, long... shape) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new ClipException("checkpoint is missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(shape) + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ClipException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    NDArray get(String name, DataType type, long... shape) {
        TensorData t = checked(name, shape);
        DataType stored = switch (t.dtype()) {
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            case F32 -> DataType.FLOAT32;
            case F64 -> DataType.FLOAT64;
            default -> throw new ClipException("tensor '" + name + "' has element type " + t.dtype()
                    + ", expected a floating-point type");
        };
        try (NDManager scratch = manager.newSubManager()) {
            // Copy into native memory in the stored type, then convert natively (fast for 300 MB of fp16).
            // DJL's JNI cannot create bf16 arrays from a buffer: widen those in Java (a bf16 is the top
            // half of an fp32).
            NDArray raw = stored == DataType.BFLOAT16
                    ? scratch.create(widenBf16(t.data(), t.numel()), new Shape(shape), DataType.FLOAT32)
                    : scratch.create(t.data(), new Shape(shape), stored);
            // The raw array may alias the Java buffer (torch from_blob): always take a real copy.
            NDArray out = raw.getDataType() == type ? raw.duplicate() : raw.toType(type, false);
            out.attach(manager);
            t.dropResident(); // copied: the checkpoint's pages need not stay in memory while the rest loads
            loaded.put(name, out);
            return out;
        }
    }

    private static ByteBuffer widenBf16(ByteBuffer in, long numel) {
        ByteBuffer src = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(numel * 4)).order(ByteOrder.nativeOrder());
        for (long i = 0; i < numel; i++) {
            out.putInt((src.getShort() & 0xffff) << 16);
        }
        out.flip();
        return out;
    }

    /** The arrays handed out so far, by tensor name, in the order asked for (training reads them back). */
    Map<String, NDArray> loaded() {
        return java.util.Collections.unmodifiableMap(loaded);
    }

    /** Whether the checkpoint has this tensor. */
    boolean has(String name) {
        return tensors.containsKey(name);
    }

    long[] shape(String name) {
        TensorData t = tensors.get(name);
        return t == null ? null : t.shape();
    }
}
