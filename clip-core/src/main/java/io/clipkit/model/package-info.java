/**
 * CLIP's two encoders on DJL: the architecture inferred from a checkpoint's tensors
 * ({@code ModelConfig}), the vision transformer and modified ResNet, the text transformer, weight
 * loading ({@code Weights}, {@code ModelLoader}), the Linear layers ({@code Linear}) with their
 * kernels: OpenBLAS fp32 products on CPU ({@code Blas}), oneDNN bf16/int8 products on CPU
 * ({@code Dnnl}, chosen from the CPU's flags, {@link io.clipkit.model.CpuFeatures}), and models
 * shipped on the classpath ({@code BundledModels}). Implementation: load through
 * {@link io.clipkit.ClipModel#builder()}.
 */
package io.clipkit.model;
