package io.clipkit.model;

import io.clipkit.Activation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ModelOptions;

/**
 * The layer operations. Every result is attached to the manager of the first (per-call) operand,
 * never to the weights' manager: the model manager is capped after loading, so a slip fails loudly
 * instead of leaking.
 */
final class Nn {
    private Nn() {}

    static final float LN_EPS = 1e-5f;
    static final float BN_EPS = 1e-5f;

    /** {@code x @ w^T + b}, as torch.nn.Linear. */
    static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return Blas.applies(x) && !recorded(w) ? Blas.linear(x, w, b) : torchLinear(x, w, b);
    }

    static NDArray torchLinear(NDArray x, NDArray w, NDArray b) {
        return x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
    }

    /**
     * Whether autograd records a layer (training): its weight requires a gradient and grad mode is
     * on. Then every operation must be libtorch's (OpenBLAS writes into tensor memory behind
     * autograd's back), and no input a backward function saved may be overwritten in place.
     * Asked of a weight, not of an activation: DJL reports gradients only for leaf tensors. A
     * weight's answer is cached by DJL, so inference (no gradients anywhere) pays nothing.
     */
    static boolean recorded(NDArray weight) {
        return weight.hasGradient() && ai.djl.pytorch.jni.JniUtils.isGradMode();
    }

    /** {@code a += b}, or {@code a + b} when autograd records {@code layerWeight}'s layer (LayerNorm saves its input). */
    static NDArray addi(NDArray a, NDArray b, NDArray layerWeight) {
        return recorded(layerWeight) ? a.add(b) : a.addi(b);
    }

    /** LayerNorm over the last axis, computed in fp32 whatever the input type (as OpenAI's subclass does). */
    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        DataType t = x.getDataType();
        NDArray in = t == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray y = in.getNDArrayInternal()
                .layerNorm(in, new Shape(gamma.getShape().get(0)), gamma, beta, LN_EPS)
                .singletonOrThrow();
        return t == DataType.FLOAT32 ? y : y.toType(t, false);
    }

    static NDArray activation(NDArray x, Activation act) {
        return activation(x, act, null);
    }

    /** The activation of the layer whose weight is {@code layerWeight} (null: not trained). */
    static NDArray activation(NDArray x, Activation act, NDArray layerWeight) {
        if (act == Activation.GELU) {
            return x.getNDArrayInternal().gelu();
        }
        // QuickGELU: x * sigmoid(1.702 x)
        NDArray s = x.mul(1.702f).getNDArrayInternal().sigmoid();
        return layerWeight != null && recorded(layerWeight) ? s.mul(x) : s.muli(x); // sigmoid's backward reads its output
    }

    static NDArray conv2d(NDArray x, NDArray w, int stride, int padding) {
        return x.getNDArrayInternal()
                .convolution(x, w, null, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    /**
     * BatchNorm in inference mode, with the running statistics; in training (autograd recording
     * the layer's parameters) as torch's {@code train()} mode: batch statistics, running ones
     * updated in place with momentum 0.1.
     */
    static NDArray batchNorm(NDArray x, NDArray mean, NDArray var, NDArray gamma, NDArray beta) {
        if (recorded(gamma)) {
            // DJL hands torch 1 - momentum: 0.9 here is torch's (and open_clip's) 0.1
            return x.getNDArrayInternal().batchNorm(x, mean, var, gamma, beta, 1, 0.9f, BN_EPS, true).singletonOrThrow();
        }
        return x.getNDArrayInternal().batchNorm(x, mean, var, gamma, beta, 1, 0.1f, BN_EPS, false).singletonOrThrow();
    }

    static NDArray avgPool(NDArray x, int k) {
        return x.getNDArrayInternal().avgPool(new Shape(k, k), new Shape(k, k), new Shape(0, 0), false, true);
    }

    static NDArray concat(NDArray first, NDArray second, int axis) {
        return first.concat(second, axis);
    }

    static NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, ai.djl.ndarray.types.SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Scaled dot-product attention over heads: {@code q [B,H,Tq,D]}, {@code k,v [B,H,T,D]}, optional
     * additive mask {@code [Tq,T]}; returns {@code [B,H,Tq,D]}.
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long d = q.getShape().get(3);
        NDArray scores = q.mul((float) (1.0 / Math.sqrt(d))).matMul(k.transpose(0, 1, 3, 2));
        if (mask != null) {
            scores = scores.addi(mask);
        }
        return scores.softmax(-1).matMul(v);
    }

    /** Splits {@code [B,T,W]} into heads {@code [B,H,T,W/H]}. */
    static NDArray heads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** Joins heads {@code [B,H,T,D]} back into {@code [B,T,H*D]}. */
    static NDArray merge(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    static NDList list(NDArray... a) {
        return new NDList(a);
    }
}
