package io.clipkit.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor read from a checkpoint: its shape, element type and contiguous row-major bytes
 * (little-endian). Plain Java memory (often a read-only mapping of the checkpoint file): nothing
 * native to close.
 *
 * <pre>{@code
 * TensorData w = checkpoint.tensors().get("visual.conv1.weight");
 * float[] values = w.toFloatArray(); // fp16/bf16 upcast to fp32
 * }</pre>
 *
 * @param name state-dict key, e.g. {@code visual.conv1.weight}
 * @param shape dimensions (empty for a scalar)
 * @param dtype element type as stored
 * @param data the elements, {@code numel * dtype.bytes()} bytes, little-endian
 */
public record TensorData(String name, long[] shape, Dtype dtype, ByteBuffer data) {

    /** Element types found in CLIP checkpoints. */
    public enum Dtype {
        F16(2), BF16(2), F32(4), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        /** True for the floating-point types. */
        public boolean isFloating() {
            return this == F16 || this == BF16 || this == F32 || this == F64;
        }
    }

    public TensorData {
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
        }
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long expected = numel(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException(name + ": " + data.remaining() + " bytes do not hold shape "
                    + Arrays.toString(shape) + " of " + dtype + " (" + expected + " bytes expected)");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Gives back this tensor's resident pages when it lies in a memory-mapped checkpoint (reading
     * it again reads the file's pages back, unchanged); does nothing for tensors in other memory.
     * The loader calls it once a tensor is copied into the engine.
     */
    public void dropResident() {
        FileSource.dropResident(data);
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return numel(shape);
    }

    /** The shape as ints, for engines that take int dimensions. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The elements as float32 (fp16/bf16/f64/ints converted). */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(name + ": " + n + " elements do not fit in a Java array");
        }
        float[] out = new float[(int) n];
        ByteBuffer b = data();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                float[] table = Half.table();
                java.nio.ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = table[s.get(i) & 0xffff];
                }
            }
            case BF16 -> {
                java.nio.ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((s.get(i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                java.nio.DoubleBuffer d = b.asDoubleBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) d.get(i);
                }
            }
            case I64 -> {
                java.nio.LongBuffer l = b.asLongBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = l.get(i);
                }
            }
            case I32 -> {
                java.nio.IntBuffer l = b.asIntBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = l.get(i);
                }
            }
            case I16 -> {
                java.nio.ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < out.length; i++) {
                    out[i] = s.get(i);
                }
            }
            case I8 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.get(i);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.get(i) & 0xff;
                }
            }
            default -> throw new IllegalStateException("unhandled dtype " + dtype);
        }
        return out;
    }

    /** The value of a one-element tensor as a long (integers exactly, floats truncated). */
    public long longValue() {
        if (numel() != 1) {
            throw new IllegalStateException(name + " is not a single value: shape " + Arrays.toString(shape));
        }
        ByteBuffer b = data();
        return switch (dtype) {
            case I64 -> b.getLong(0);
            case I32 -> b.getInt(0);
            case I16 -> b.getShort(0);
            case I8 -> b.get(0);
            case U8, BOOL -> b.get(0) & 0xff;
            default -> (long) toFloatArray()[0];
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && dtype == t.dtype && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + dtype;
    }
}
