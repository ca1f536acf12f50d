package io.clipkit.train;

import io.clipkit.Trainer;
import io.clipkit.model.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A new model's state dict (OpenAI key names, fp32) initialized as open_clip's {@code CLIP} does:
 * token embeddings N(0, 0.02), text positions N(0, 0.01), text blocks N(0, width^-0.5) for the
 * in-projection, N(0, (2 width)^-0.5) for c_fc and N(0, width^-0.5 (2 layers)^-0.5) for the
 * output projections, the text projection N(0, width^-0.5); the vision transformer with torch's
 * module defaults (Xavier for the attention in-projection, Kaiming-uniform bounds 1/sqrt(fan_in)
 * for linear and convolution weights and biases, zero attention biases), class token, positions
 * and projection {@code width^-0.5 N(0,1)}; ResNet BatchNorm gains 1 (bn3 of each bottleneck 0),
 * attention-pool projections N(0, in^-0.5); LayerNorm 1/0; {@code logit_scale = ln(1/0.07)}.
 * The numbers come from a Java generator seeded by the run's seed (not torch's).
 */
final class Init {
    private final SplittableRandom rnd;
    private final Map<String, TensorData> out = new LinkedHashMap<>();

    private Init(long seed) {
        rnd = new SplittableRandom(Rng.mix(seed, Rng.INIT, 0));
    }

    static Map<String, TensorData> stateDict(Trainer.Architecture a, long seed) {
        Init i = new Init(seed);
        if (a.vit()) {
            i.vit(a);
        } else {
            i.resnet(a);
        }
        i.text(a);
        i.put("logit_scale", new long[0], new float[] {(float) Math.log(1 / 0.07)});
        return i.out;
    }

    private void vit(Trainer.Architecture a) {
        int w = a.visionWidth();
        int p = a.patchSize();
        int grid = a.imageSize() / p;
        double scale = Math.pow(w, -0.5);
        uniform("visual.conv1.weight", 1 / Math.sqrt(3.0 * p * p), w, 3, p, p);
        normal("visual.class_embedding", scale, w);
        normal("visual.positional_embedding", scale, (long) grid * grid + 1, w);
        layerNorm("visual.ln_pre", w);
        for (int l = 0; l < a.visionLayers(); l++) {
            String b = "visual.transformer.resblocks." + l + ".";
            put(b + "attn.in_proj_weight", new long[] {3L * w, w}, uniformValues(Math.sqrt(6.0 / (w + 3.0 * w)), 3L * w * w));
            zeros(b + "attn.in_proj_bias", 3L * w);
            uniform(b + "attn.out_proj.weight", 1 / Math.sqrt(w), w, w);
            zeros(b + "attn.out_proj.bias", w);
            layerNorm(b + "ln_1", w);
            uniform(b + "mlp.c_fc.weight", 1 / Math.sqrt(w), 4L * w, w);
            uniform(b + "mlp.c_fc.bias", 1 / Math.sqrt(w), 4L * w);
            uniform(b + "mlp.c_proj.weight", 1 / Math.sqrt(4.0 * w), w, 4L * w);
            uniform(b + "mlp.c_proj.bias", 1 / Math.sqrt(4.0 * w), w);
            layerNorm(b + "ln_2", w);
        }
        layerNorm("visual.ln_post", w);
        normal("visual.proj", scale, w, a.embedDim());
    }

    private void resnet(Trainer.Architecture a) {
        int w = a.visionWidth();
        convBn("visual.conv1", "visual.bn1", w / 2, 3, 3, false);
        convBn("visual.conv2", "visual.bn2", w / 2, w / 2, 3, false);
        convBn("visual.conv3", "visual.bn3", w, w / 2, 3, false);
        int inplanes = w;
        List<Integer> blocks = a.resnetBlocks();
        for (int stage = 0; stage < 4; stage++) {
            int planes = w << stage;
            for (int i = 0; i < blocks.get(stage); i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                String p = "visual.layer" + (stage + 1) + "." + i + ".";
                convBn(p + "conv1", p + "bn1", planes, inplanes, 1, false);
                convBn(p + "conv2", p + "bn2", planes, planes, 3, false);
                convBn(p + "conv3", p + "bn3", planes * 4, planes, 1, true);
                if (stride > 1 || inplanes != planes * 4) {
                    convBn(p + "downsample.0", p + "downsample.1", planes * 4, inplanes, 1, false);
                }
                inplanes = planes * 4;
            }
        }
        int embed = w * 32;
        int side = a.imageSize() / 32;
        normal("visual.attnpool.positional_embedding", Math.pow(embed, -0.5), (long) side * side + 1, embed);
        double std = Math.pow(embed, -0.5);
        for (String n : List.of("q_proj", "k_proj", "v_proj")) {
            normal("visual.attnpool." + n + ".weight", std, embed, embed);
            uniform("visual.attnpool." + n + ".bias", 1 / Math.sqrt(embed), embed);
        }
        normal("visual.attnpool.c_proj.weight", std, a.embedDim(), embed);
        uniform("visual.attnpool.c_proj.bias", 1 / Math.sqrt(embed), a.embedDim());
    }

    private void convBn(String conv, String bn, int channels, int in, int k, boolean zeroGain) {
        uniform(conv + ".weight", 1 / Math.sqrt((double) in * k * k), channels, in, k, k);
        put(bn + ".weight", new long[] {channels}, fill(channels, zeroGain ? 0f : 1f));
        zeros(bn + ".bias", channels);
        zeros(bn + ".running_mean", channels);
        put(bn + ".running_var", new long[] {channels}, fill(channels, 1f));
        ByteBuffer tracked = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0L);
        out.put(bn + ".num_batches_tracked", new TensorData(bn + ".num_batches_tracked", new long[0],
                TensorData.Dtype.I64, tracked));
    }

    private void text(Trainer.Architecture a) {
        int w = a.textWidth();
        int layers = a.textLayers();
        normal("token_embedding.weight", 0.02, a.vocabSize(), w);
        normal("positional_embedding", 0.01, a.contextLength(), w);
        double projStd = Math.pow(w, -0.5) * Math.pow(2.0 * layers, -0.5);
        double attnStd = Math.pow(w, -0.5);
        double fcStd = Math.pow(2.0 * w, -0.5);
        for (int l = 0; l < layers; l++) {
            String b = "transformer.resblocks." + l + ".";
            normal(b + "attn.in_proj_weight", attnStd, 3L * w, w);
            zeros(b + "attn.in_proj_bias", 3L * w);
            normal(b + "attn.out_proj.weight", projStd, w, w);
            zeros(b + "attn.out_proj.bias", w);
            layerNorm(b + "ln_1", w);
            normal(b + "mlp.c_fc.weight", fcStd, 4L * w, w);
            uniform(b + "mlp.c_fc.bias", 1 / Math.sqrt(w), 4L * w);
            normal(b + "mlp.c_proj.weight", projStd, w, 4L * w);
            uniform(b + "mlp.c_proj.bias", 1 / Math.sqrt(4.0 * w), w);
            layerNorm(b + "ln_2", w);
        }
        layerNorm("ln_final", w);
        normal("text_projection", attnStd, w, a.embedDim());
    }

    private void layerNorm(String prefix, int w) {
        put(prefix + ".weight", new long[] {w}, fill(w, 1f));
        zeros(prefix + ".bias", w);
    }

    private static float[] fill(long n, float v) {
        float[] f = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(f, v);
        return f;
    }

    private void zeros(String name, long... shape) {
        put(name, shape, new float[Math.toIntExact(numel(shape))]);
    }

    private void normal(String name, double std, long... shape) {
        float[] f = new float[Math.toIntExact(numel(shape))];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (std * rnd.nextGaussian());
        }
        put(name, shape, f);
    }

    private void uniform(String name, double bound, long... shape) {
        put(name, shape, uniformValues(bound, numel(shape)));
    }

    private float[] uniformValues(double bound, long n) {
        float[] f = new float[Math.toIntExact(n)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (bound * (2 * rnd.nextDouble() - 1));
        }
        return f;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private void put(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        out.put(name, new TensorData(name, shape, TensorData.Dtype.F32, b));
    }
}
