package io.clipkit.model.checkpoint;

import io.clipkit.ClipException;
import java.io.IOException;
import java.util.Map;

/** PyTorch zip archives: {@code torch.save} state dicts and TorchScript archives. */
final class TorchZip {
    record Result(Map<String, TensorData> tensors, boolean torchscript) {}

    private TorchZip() {}

    static Result read(FileSource src, Map<String, Object> scalars) throws IOException {
        throw new ClipException(src.file + ": PyTorch zip archives are not supported yet");
    }
}
