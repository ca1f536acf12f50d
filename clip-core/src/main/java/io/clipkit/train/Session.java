package io.clipkit.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.clipkit.engine.Engines;
import io.clipkit.model.TrainableClip;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimization core: a model whose trained tensors require gradients, AdamW over them, and
 * one step = forward both towers, loss, backward (libtorch autograd through DJL's gradient
 * collector), update, logit-scale clamp. Fed preprocessed batches, so that the fidelity test can
 * drive it with fixed tensors.
 */
final class Session {
    static final double MAX_LOG_SCALE = Math.log(100);

    private final TrainableClip model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final Engine engine;

    Session(TrainableClip model, boolean lockImage, boolean lockText, double weightDecay, LrSchedule schedule) {
        this.model = model;
        this.schedule = schedule;
        this.engine = Engines.pytorch();
        Map<String, NDArray> trained = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.tensors().entrySet()) {
            String k = e.getKey();
            boolean image = k.startsWith("visual.");
            if (TrainableClip.isBuffer(k) || (image && lockImage) || (!image && !k.equals("logit_scale") && lockText)) {
                continue;
            }
            e.getValue().setRequiresGradient(true);
            trained.put(k, e.getValue());
        }
        this.optimizer = new AdamW(trained, weightDecay);
    }

    TrainableClip model() {
        return model;
    }

    AdamW optimizer() {
        return optimizer;
    }

    double lr(int index) {
        return schedule.at(index);
    }

    /**
     * One optimizer step at 0-based {@code index} on {@code batch} images ({@code pixels}: CHW
     * each, concatenated) and their token rows. Returns the loss before the update. A non-finite
     * loss, or a finite one whose gradient is not finite, throws {@link NonFinite} with the weights
     * and moments untouched.
     */
    double step(int index, float[] pixels, int[][] tokens) {
        int b = tokens.length;
        int r = model.imageResolution();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray images = m.create(pixels, new Shape(b, 3, r, r));
            double loss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray img = model.encodeImages(images);
                NDArray txt = model.encodeTokens(m, tokens);
                NDArray l = ClipLoss.loss(img, txt, model.logitScale());
                loss = l.getFloat();
                if (!Double.isFinite(loss)) {
                    throw new NonFinite("the loss became " + loss);
                }
                gc.backward(l);
            } finally {
                JniUtils.setGradMode(false); // the update and the clamp are not part of the graph
            }
            String bad = optimizer.firstNonFiniteGradient(m);
            if (bad != null) {
                throw new NonFinite("the gradient of " + bad + " became NaN or infinite (loss " + loss + ")");
            }
            optimizer.step(schedule.at(index), m);
            NDArray ls = model.logitScale();
            float v = ls.getFloat();
            if (v < 0 || v > MAX_LOG_SCALE) {
                NDArray clamped = ls.clip(0, MAX_LOG_SCALE);
                clamped.attach(m);
                ls.subi(ls).addi(clamped);
            }
            return loss;
        }
    }

    /** {@code exp(logit_scale)}. */
    double logitScale() {
        return Math.exp(model.logitScale().getFloat());
    }

    /** A step that was not taken: its loss or a gradient was NaN or infinite (the message says which). */
    static final class NonFinite extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonFinite(String what) {
            super(what);
        }
    }
}
