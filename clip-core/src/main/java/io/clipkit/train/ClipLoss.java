package io.clipkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** open_clip's {@code ClipLoss} on one device: symmetric cross-entropy with the diagonal as targets. */
final class ClipLoss {
    private ClipLoss() {}

    /**
     * {@code (CE(s * I @ T^T) + CE(s * T @ I^T)) / 2} with {@code s = exp(logitScale)} and the rows
     * of {@code image} and {@code text} ({@code [B,E]}) L2-normalized first.
     */
    static NDArray loss(NDArray image, NDArray text, NDArray logitScale) {
        NDManager m = image.getManager();
        long b = image.getShape().get(0);
        NDArray img = normalize(image);
        NDArray txt = normalize(text);
        NDArray scale = logitScale.exp();
        scale.attach(m); // results follow the first operand: keep this one out of the weights' manager
        NDArray logits = img.matMul(txt.transpose()).mul(scale); // per image
        NDArray eye = m.eye((int) b);
        NDArray perImage = logits.logSoftmax(1).mul(eye).sum().neg().div(b);
        NDArray perText = logits.transpose().logSoftmax(1).mul(eye).sum().neg().div(b);
        return perImage.add(perText).div(2);
    }

    /** {@code F.normalize(x, dim=1)}: x / max(||x||, 1e-12). */
    static NDArray normalize(NDArray x) {
        return x.div(x.norm(new int[] {1}, true).maximum(1e-12f));
    }
}
