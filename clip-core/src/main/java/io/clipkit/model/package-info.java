/**
 * CLIP's two encoders on DJL: the architecture inferred from a checkpoint's tensors
 * ({@code ModelConfig}), the vision transformer and modified ResNet, the text transformer, weight
 * loading ({@code Weights}, {@code ModelLoader}), OpenBLAS matrix products on CPU ({@code Blas}) and
 * models shipped on the classpath ({@code BundledModels}). Implementation: load through
 * {@link io.clipkit.ClipModel#builder()}.
 */
package io.clipkit.model;
