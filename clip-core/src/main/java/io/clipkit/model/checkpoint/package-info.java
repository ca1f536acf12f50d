/**
 * Reading checkpoints without executing them: TorchScript and {@code torch.save} zip archives
 * ({@code TorchZip}, {@code ZipIndex}) with a pickle reader that only builds data
 * ({@code Unpickler}), and safetensors ({@code Safetensors}); tensors are read lazily from the file
 * ({@code FileSource}, {@code TensorData}, fp16 via {@code Half}).
 */
package io.clipkit.model.checkpoint;
