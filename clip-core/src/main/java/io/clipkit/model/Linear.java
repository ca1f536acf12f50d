package io.clipkit.model;

import ai.djl.ndarray.NDArray;

/**
 * One matrix product of an encoder with its weights: the fp32 arrays (libtorch, OpenBLAS, training)
 * and, when the model computes its products in bf16 or int8, oneDNN's converted copy.
 *
 * @param w the weight, {@code [N,K]} as torch.nn.Linear's, or {@code [K,N]} when {@code kn} (CLIP's projections)
 * @param b the bias {@code [N]}, or null
 * @param kn whether {@code w} is stored input-major ({@code x @ w})
 * @param lowp the weight converted for oneDNN (bf16 or int8), or null for fp32 products
 */
record Linear(NDArray w, NDArray b, boolean kn, Dnnl.Weight lowp) {
    /** {@code x @ w^T + b} (or {@code x @ w + b} when {@code kn}) with the model's kernel. */
    NDArray apply(NDArray x) {
        if (lowp != null && Dnnl.applies(x) && !Nn.recorded(w)) {
            return Dnnl.linear(x, lowp);
        }
        if (kn) {
            NDArray y = x.matMul(w);
            return b == null ? y : y.addi(b);
        }
        return Nn.linear(x, w, b);
    }

    /** {@code act(apply(x))}; the bf16 kernel applies the activation itself when it was converted with it. */
    NDArray applyThen(NDArray x, io.clipkit.Activation act) {
        if (lowp != null && lowp.fused == act && Dnnl.applies(x) && !Nn.recorded(w)) {
            return Dnnl.linear(x, lowp);
        }
        return Nn.activation(apply(x), act, w);
    }
}
