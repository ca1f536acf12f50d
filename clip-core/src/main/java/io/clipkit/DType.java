package io.clipkit;

/**
 * Compute type of the encoders. Weights stored in fp16/bf16 are upcast to fp32 unless another
 * type is chosen. {@link #BF16} and {@link #INT8} are CPU types: the encoders' matrix products run
 * through oneDNN in that precision (bf16: AVX512-BF16 or AMX; int8: weights quantized per output
 * channel, activations per row; AVX512-VNNI or AMX), everything else in fp32.
 *
 * <pre>{@code
 * ClipModel.builder().model("ViT-B-32").dtype(DType.FP16).device("gpu").load();
 * }</pre>
 */
public enum DType {
    FP32,
    FP16,
    BF16,
    INT8;

    /** Parses {@code fp32}, {@code fp16}/{@code half}, {@code bf16}, {@code int8} (any case). */
    public static DType parse(String s) {
        String n = s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "fp32", "float32", "float" -> FP32;
            case "fp16", "float16", "half" -> FP16;
            case "bf16", "bfloat16" -> BF16;
            case "int8" -> INT8;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "': use fp32, fp16, bf16 or int8");
        };
    }
}
