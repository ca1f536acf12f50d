package io.clipkit.model;

import io.clipkit.Activation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ModelOptions;

/** CLIP's vision transformer: patch convolution, class token, pre-norm blocks, ln_post on the class token, proj. */
final class VisionTransformer implements ImageEncoder {
    private final int patch;
    private final int width;
    private final int grid;
    private final NDArray conv1;
    private final Linear patchEmbed; // the convolution as a product of flattened patches
    private final NDArray classEmbedding;
    private final NDArray positional;
    private final NDArray lnPreW;
    private final NDArray lnPreB;
    private final Transformer transformer;
    private final NDArray lnPostW;
    private final NDArray lnPostB;
    private final Linear proj;

    VisionTransformer(Weights w, ModelConfig c, Activation act) {
        this.patch = c.patchSize();
        this.width = c.visionWidth();
        grid = c.imageResolution() / patch;
        conv1 = w.get("visual.conv1.weight", width, 3, patch, patch);
        patchEmbed = w.linear(conv1.reshape(width, 3L * patch * patch), null);
        classEmbedding = w.get("visual.class_embedding", width);
        positional = w.get("visual.positional_embedding", (long) grid * grid + 1, width);
        lnPreW = w.getFloat("visual.ln_pre.weight", width);
        lnPreB = w.getFloat("visual.ln_pre.bias", width);
        transformer = new Transformer(w, "visual.transformer", width, c.visionLayers(), c.visionHeads(), act);
        lnPostW = w.getFloat("visual.ln_post.weight", width);
        lnPostB = w.getFloat("visual.ln_post.bias", width);
        proj = w.projection("visual.proj", width, c.embedDim());
    }

    @Override
    public NDArray forward(NDArray images) {
        long b = images.getShape().get(0);
        NDArray x;
        if ((Blas.applies(images) || patchEmbed.lowp() != null && Dnnl.applies(images)) && !Nn.recorded(conv1)) {
            // Kernel = stride = patch, no padding: the convolution is one product of the flattened
            // patches [B*g*g, 3*p*p] with the kernel [W, 3*p*p].
            x = images.reshape(b, 3, grid, patch, grid, patch).transpose(0, 2, 4, 1, 3, 5)
                    .reshape(b, (long) grid * grid, 3L * patch * patch);
            x = patchEmbed.apply(x); // [B, g*g, W]
        } else {
            x = Nn.conv2d(images, conv1, patch, 0); // [B, W, g, g]
            x = x.reshape(b, width, -1).transpose(0, 2, 1); // [B, g*g, W]
        }
        NDArray clsToken = x.getManager().zeros(new Shape(b, 1, width), x.getDataType()).addi(classEmbedding);
        x = Nn.concat(clsToken, x, 1).addi(positional);
        x = Nn.layerNorm(x, lnPreW, lnPreB);
        NDArray cls = transformer.forward(x, null, new long[(int) b]); // the class token's output
        return proj.apply(Nn.layerNorm(cls, lnPostW, lnPostB));
    }
}
