package io.clipkit.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor read from a checkpoint: its shape, element type and contiguous row-major bytes
 * (little-endian). Plain Java memory: nothing native to close.
 *
 * @param name state-dict key, e.g. {@code visual.conv1.weight}
 * @param shape dimensions (empty for a scalar)
 * @param dtype element type as stored
 * @param data the elements, {@code numel * dtype.bytes()} bytes, little-endian
 */
public record TensorData(String name, long[] shape, Dtype dtype, ByteBuffer data) {

    /** Element types found in CLIP checkpoints. */
    public enum Dtype {
        F16(2), BF16(2), F32(4), F64(8), I64(8), I32(4), U8(1), BOOL(1);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    public TensorData {
        shape = shape.clone();
        data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The elements as float32 (fp16/bf16/f64/ints converted). */
    public float[] toFloatArray() {
        throw new UnsupportedOperationException("owned by the checkpoint helper");
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + dtype;
    }
}
