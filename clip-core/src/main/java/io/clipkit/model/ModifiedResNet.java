package io.clipkit.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's modified ResNet: three-convolution stem with a 2x2 average pool, bottlenecks whose
 * stride is an average pool (also in the downsample branch), BatchNorm with running statistics,
 * and an attention pool (mean token prepended, one query, separate q/k/v projections, c_proj).
 */
final class ModifiedResNet implements ImageEncoder {
    private final ConvBn[] stem = new ConvBn[3];
    private final List<Bottleneck> blocks = new ArrayList<>();
    private final NDArray attnPos;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear cProj;
    private final int heads;

    ModifiedResNet(Weights w, ModelConfig c) {
        int width = c.visionWidth();
        stem[0] = new ConvBn(w, "visual.conv1", "visual.bn1", width / 2, 3, 3, 2, 1);
        stem[1] = new ConvBn(w, "visual.conv2", "visual.bn2", width / 2, width / 2, 3, 1, 1);
        stem[2] = new ConvBn(w, "visual.conv3", "visual.bn3", width, width / 2, 3, 1, 1);
        int inplanes = width;
        for (int stage = 0; stage < 4; stage++) {
            int planes = width << stage;
            for (int i = 0; i < c.visionBlocks().get(stage); i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                blocks.add(new Bottleneck(w, "visual.layer" + (stage + 1) + "." + i + ".", inplanes, planes, stride));
                inplanes = planes * 4;
            }
        }
        int embed = width * 32;
        int side = c.imageResolution() / 32;
        heads = c.visionHeads();
        if (heads < 1 || embed % heads != 0) {
            throw new ClipException("ResNet width " + width + " gives " + heads + " attention-pool heads, which do not divide " + embed);
        }
        attnPos = w.get("visual.attnpool.positional_embedding", (long) side * side + 1, embed);
        q = w.linear("visual.attnpool.q_proj.weight", "visual.attnpool.q_proj.bias", embed, embed);
        k = w.linear("visual.attnpool.k_proj.weight", "visual.attnpool.k_proj.bias", embed, embed);
        v = w.linear("visual.attnpool.v_proj.weight", "visual.attnpool.v_proj.bias", embed, embed);
        cProj = w.linear("visual.attnpool.c_proj.weight", "visual.attnpool.c_proj.bias", c.embedDim(), embed);
    }

    @Override
    public NDArray forward(NDArray images) {
        NDManager owner = images.getManager();
        NDArray x;
        try (NDManager scope = owner.newSubManager()) { // the stem's full-resolution temporaries
            images.tempAttach(scope); // results follow their first operand into the scope; images return after
            x = images;
            for (ConvBn s : stem) {
                x = s.forward(x).getNDArrayInternal().relu();
            }
            x = Nn.avgPool(x, 2);
            x.attach(owner);
        }
        for (Bottleneck b : blocks) {
            try (NDManager scope = owner.newSubManager()) {
                x.attach(scope);
                NDArray y = b.forward(x);
                y.attach(owner);
                x = y;
            }
        }
        return attentionPool(x);
    }

    private NDArray attentionPool(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long ch = s.get(1);
        NDArray tokens = x.reshape(b, ch, -1).transpose(0, 2, 1); // [B, HW, C]
        NDArray mean = tokens.mean(new int[] {1}, true);
        NDArray seq = Nn.concat(mean, tokens, 1).addi(attnPos); // [B, HW+1, C]
        NDArray qs = q.apply(seq.get(":, 0:1, :"));
        NDArray ks = k.apply(seq);
        NDArray vs = v.apply(seq);
        NDArray a = Nn.attention(Nn.heads(qs, heads), Nn.heads(ks, heads), Nn.heads(vs, heads), null);
        return cProj.apply(Nn.merge(a)).reshape(b, -1);
    }

    /** A bias-free convolution followed by inference-mode BatchNorm. */
    private static final class ConvBn {
        final NDArray conv;
        final NDArray mean;
        final NDArray var;
        final NDArray gamma;
        final NDArray beta;
        final int stride;
        final int padding;

        ConvBn(Weights w, String convName, String bnName, int out, int in, int k, int stride, int padding) {
            conv = w.get(convName + ".weight", out, in, k, k);
            gamma = w.get(bnName + ".weight", out);
            beta = w.get(bnName + ".bias", out);
            mean = w.get(bnName + ".running_mean", out);
            var = w.get(bnName + ".running_var", out);
            this.stride = stride;
            this.padding = padding;
        }

        NDArray forward(NDArray x) {
            return Nn.batchNorm(Nn.conv2d(x, conv, stride, padding), mean, var, gamma, beta);
        }
    }

    private static final class Bottleneck {
        final ConvBn c1;
        final ConvBn c2;
        final ConvBn c3;
        final ConvBn down;
        final int stride;

        Bottleneck(Weights w, String p, int inplanes, int planes, int stride) {
            c1 = new ConvBn(w, p + "conv1", p + "bn1", planes, inplanes, 1, 1, 0);
            c2 = new ConvBn(w, p + "conv2", p + "bn2", planes, planes, 3, 1, 1);
            c3 = new ConvBn(w, p + "conv3", p + "bn3", planes * 4, planes, 1, 1, 0);
            this.stride = stride;
            down = stride > 1 || inplanes != planes * 4
                    ? new ConvBn(w, p + "downsample.0", p + "downsample.1", planes * 4, inplanes, 1, 1, 0)
                    : null;
        }

        NDArray forward(NDArray x) {
            NDArray out = c1.forward(x).getNDArrayInternal().relu();
            out = c2.forward(out).getNDArrayInternal().relu();
            if (stride > 1) {
                out = Nn.avgPool(out, stride);
            }
            out = c3.forward(out);
            NDArray identity = x;
            if (down != null) {
                identity = down.forward(stride > 1 ? Nn.avgPool(x, stride) : x);
            }
            return out.addi(identity).getNDArrayInternal().relu();
        }
    }
}
