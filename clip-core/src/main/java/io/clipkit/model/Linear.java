package io.clipkit.model;

import ai.djl.ndarray.NDArray;

/**
 * One matrix product of an encoder with its weights: the fp32 arrays (libtorch, OpenBLAS, training)
 * and, when the model computes its products in bf16 or int8, oneDNN's converted copy.
 *
 * @param w the weight, {@code [N,K]} as torch.nn.Linear's, or {@code [K,N]} when {@code kn} (CLIP's
 *     projections); null when {@code lowp} holds it (the fp32 copy is freed at load)
 * @param b the bias {@code [N]}, or null (none, or held by {@code lowp})
 * @param kn whether {@code w} is stored input-major ({@code x @ w})
 * @param lowp the weight converted for oneDNN (bf16 or int8), or null for fp32 products
 */
record Linear(NDArray w, NDArray b, boolean kn, Dnnl.Weight lowp) {
    /** {@code x @ w^T + b} (or {@code x @ w + b} when {@code kn}) with the model's kernel. */
    NDArray apply(NDArray x) {
        if (lowp != null) {
            return Dnnl.linear(checked(x), lowp);
        }
        if (kn) {
            NDArray y = x.matMul(w);
            return b == null ? y : y.addi(b);
        }
        return Nn.linear(x, w, b);
    }

    /** {@code act(apply(x))}; the bf16 kernel applies the activation itself when it was converted with it. */
    NDArray applyThen(NDArray x, io.clipkit.Activation act) {
        if (lowp != null) {
            NDArray y = Dnnl.linear(checked(x), lowp);
            return lowp.fused == act ? y : Nn.activation(y, act, null);
        }
        return Nn.activation(apply(x), act, w);
    }

    /** A low-precision model computes in fp32 on the CPU only (the loader refuses anything else). */
    private static NDArray checked(NDArray x) {
        if (!Dnnl.applies(x)) {
            throw new IllegalStateException("oneDNN products need fp32 CPU arrays, got " + x.getDataType() + " on " + x.getDevice());
        }
        return x;
    }
}
