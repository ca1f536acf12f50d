package io.clipkit.model;

import io.clipkit.Activation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import io.clipkit.ModelOptions;

/** Pre-norm residual attention blocks (torch.nn.MultiheadAttention with a packed in-projection + MLP). */
final class Transformer {
    private final Block[] blocks;
    private final int heads;
    private final Activation activation;

    Transformer(Weights w, String prefix, int width, int layers, int heads, Activation activation) {
        if (heads < 1 || width % heads != 0) {
            throw new ClipException(prefix + ": width " + width + " gives " + heads
                    + " attention heads (width/64), which does not divide it");
        }
        if (layers < 1) {
            throw new ClipException("checkpoint has no " + prefix + ".resblocks.* tensors");
        }
        this.heads = heads;
        this.activation = activation;
        this.blocks = new Block[layers];
        for (int i = 0; i < layers; i++) {
            blocks[i] = new Block(w, prefix + ".resblocks." + i + ".", width, activation);
        }
    }

    int layers() {
        return blocks.length;
    }

    /**
     * Runs the blocks on {@code x [B,T,W]} (batch first), with an optional additive mask {@code [T,T]},
     * and returns, for each batch row {@code b}, only the output at position {@code pick[b]}
     * ({@code [B,W]}). The last block computes queries, attention and MLP only at those positions:
     * what the pooling reads (class token, end-of-text token) is exactly what a full pass gives.
     * Consumes {@code x}: each block's temporaries are freed as soon as the block is done.
     */
    NDArray forward(NDArray x, NDArray mask, long[] pick) {
        NDManager owner = x.getManager();
        for (int i = 0; i < blocks.length; i++) {
            try (NDManager scope = owner.newSubManager()) {
                x.attach(scope);
                NDArray y = i < blocks.length - 1
                        ? blocks[i].forward(x, mask, heads, activation)
                        : blocks[i].forwardAt(x, mask != null, pick, heads, activation);
                y.attach(owner);
                x = y;
            }
        }
        return x;
    }

    private static final class Block {
        final NDArray ln1W;
        final NDArray ln1B;
        final NDArray inW; // the packed in-projection, for training's views (see forwardAt); null in bf16/int8
        final NDArray inB;
        final Linear in;
        final Linear q; // views of the packed in-projection: queries, and keys+values (null in bf16/int8)
        final Linear kv;
        final Linear out;
        final NDArray ln2W;
        final NDArray ln2B;
        final Linear fc;
        final Linear proj;

        Block(Weights w, String p, int width, Activation act) {
            ln1W = w.getFloat(p + "ln_1.weight", width);
            ln1B = w.getFloat(p + "ln_1.bias", width);
            if (w.lowPrecision()) {
                // one oneDNN copy of the in-projection: forwardAt slices its product instead of
                // holding (and converting at load) a second copy split into q and kv; converted from
                // the checkpoint's bytes where it can be (Weights.linear), with no fp32 engine copy
                q = null;
                kv = null;
                in = w.linear(p + "attn.in_proj_weight", p + "attn.in_proj_bias", 3L * width, width);
            } else {
                NDArray packedW = w.get(p + "attn.in_proj_weight", 3L * width, width);
                NDArray packedB = w.get(p + "attn.in_proj_bias", 3L * width);
                q = w.linear(packedW.get(":" + width), packedB.get(":" + width)); // views: no copy
                kv = w.linear(packedW.get(width + ":"), packedB.get(width + ":"));
                in = w.linear(packedW, packedB);
            }
            inW = in.w();
            inB = in.b();
            out = w.linear(p + "attn.out_proj.weight", p + "attn.out_proj.bias", width, width);
            ln2W = w.getFloat(p + "ln_2.weight", width);
            ln2B = w.getFloat(p + "ln_2.bias", width);
            long hidden = w.shape(p + "mlp.c_fc.weight") != null ? w.shape(p + "mlp.c_fc.weight")[0] : 4L * width;
            fc = w.linear(p + "mlp.c_fc.weight", p + "mlp.c_fc.bias", hidden, width, act);
            proj = w.linear(p + "mlp.c_proj.weight", p + "mlp.c_proj.bias", width, hidden);
        }

        /** The block's output at one position per batch row ({@code [B,W]}); causal: keys up to it. */
        NDArray forwardAt(NDArray x, boolean causal, long[] pick, int heads, Activation act) {
            Shape s = x.getShape();
            long b = s.get(0);
            long t = s.get(1);
            long width = s.get(2);
            NDManager m = x.getManager();
            long[] flat = new long[(int) b];
            for (int i = 0; i < b; i++) {
                flat[i] = i * t + pick[i];
            }
            NDArray rows = m.create(flat);
            NDArray h = Nn.layerNorm(x, ln1W, ln1B);
            NDArray kv;
            NDArray q;
            if (inW != null && Nn.recorded(inW)) {
                // Training: the views taken at load predate the gradients, so take them again to lead
                // back to inW; views are not leaves, so Nn.linear cannot tell they need libtorch's path.
                kv = Nn.torchLinear(h, inW.get(width + ":"), inB.get(width + ":"));
                q = Nn.torchLinear(picked(rows, h, b, t, width), inW.get(":" + width), inB.get(":" + width));
            } else if (this.q == null) {
                // bf16/int8: the packed product at every position (the extra queries are a third of
                // one layer's in-projection), then the picked rows' queries
                NDArray qkv = in.apply(h);
                kv = qkv.get(":, :, " + width + ":");
                q = picked(rows, qkv.get(":, :, :" + width), b, t, width);
            } else {
                kv = this.kv.apply(h); // keys and values at every position
                q = this.q.apply(picked(rows, h, b, t, width));
            }
            kv = kv.reshape(b, t, 2, heads, width / heads).transpose(2, 0, 3, 1, 4);
            q = Nn.heads(q, heads);
            NDArray mask = null;
            if (causal) {
                float[] mk = new float[(int) (b * t)];
                for (int i = 0; i < b; i++) {
                    for (long j = pick[i] + 1; j < t; j++) {
                        mk[(int) (i * t + j)] = Float.NEGATIVE_INFINITY;
                    }
                }
                mask = m.create(mk, new Shape(b, 1, 1, t)).toType(x.getDataType(), false);
            }
            NDArray a = Nn.attention(q, kv.get(0), kv.get(1), mask);
            NDArray xq = picked(rows, x, b, t, width);
            NDArray y = xq.addi(out.apply(Nn.merge(a)));
            NDArray mlp = fc.applyThen(Nn.layerNorm(y, ln2W, ln2B), act);
            return Nn.addi(y, proj.apply(mlp), ln2W).reshape(b, width);
        }

        /** The picked position of each batch row of {@code a} ({@code [B,T,W]}), as {@code [B,1,W]}. */
        private static NDArray picked(NDArray rows, NDArray a, long b, long t, long width) {
            return Nn.embedding(rows, a.reshape(b * t, width)).reshape(b, 1, width);
        }

        NDArray forward(NDArray x, NDArray mask, int heads, Activation act) {
            Shape s = x.getShape();
            long b = s.get(0);
            long t = s.get(1);
            long width = s.get(2);
            NDArray h = Nn.layerNorm(x, ln1W, ln1B);
            NDArray qkv = in.apply(h).reshape(b, t, 3, heads, width / heads).transpose(2, 0, 3, 1, 4);
            NDArray a = Nn.attention(qkv.get(0), qkv.get(1), qkv.get(2), mask);
            NDArray y = x.add(out.apply(Nn.merge(a)));
            NDArray m = fc.applyThen(Nn.layerNorm(y, ln2W, ln2B), act);
            return Nn.addi(y, proj.apply(m), ln2W);
        }
    }
}
