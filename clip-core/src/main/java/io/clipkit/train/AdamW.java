package io.clipkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (single-tensor path of torch 1.13) with open_clip's parameter groups:
 * weight decay on every parameter except those with fewer than 2 dimensions or whose name
 * contains {@code bn}, {@code ln}, {@code bias} or {@code logit_scale}. Runs with autograd off.
 */
final class AdamW {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.98;
    static final double EPS = 1e-6;

    /** A trained tensor and its moment estimates (in the weights' manager). */
    record Slot(String name, NDArray param, boolean decay, NDArray expAvg, NDArray expAvgSq) {}

    private final List<Slot> slots = new ArrayList<>();
    private final double weightDecay;
    private long step;

    AdamW(Map<String, NDArray> params, double weightDecay) {
        this.weightDecay = weightDecay;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDManager owner = p.getManager();
            slots.add(new Slot(e.getKey(), p, decays(e.getKey(), p.getShape().dimension()),
                    owner.zeros(p.getShape(), p.getDataType()), owner.zeros(p.getShape(), p.getDataType())));
        }
    }

    /** open_clip's exclusion rule, inverted. */
    static boolean decays(String name, int dims) {
        return !(dims < 2 || name.contains("bn") || name.contains("ln") || name.contains("bias")
                || name.contains("logit_scale"));
    }

    List<Slot> slots() {
        return slots;
    }

    long stepCount() {
        return step;
    }

    /** Restores the step count after the moment arrays were loaded into {@link #slots}. */
    void restoreStepCount(long step) {
        this.step = step;
    }

    /**
     * The name of the first trained tensor whose accumulated gradient holds a NaN or an infinity,
     * or null. Asked before {@link #step}: a finite loss can still back-propagate to a non-finite
     * gradient, and one such update turns the weights (and Adam's moments) into NaN for good.
     */
    String firstNonFiniteGradient(NDManager scratch) {
        for (Slot s : slots) {
            NDArray g = s.param().getGradient();
            g.attach(scratch);
            NDArray sum = g.sum(); // NaN if any element is, infinite if any is (or the sum overflows)
            sum.attach(scratch);
            if (!Float.isFinite(sum.getFloat())) {
                return s.name();
            }
        }
        return null;
    }

    /**
     * One update from the accumulated gradients, which are then zeroed. Per-step arrays go into
     * {@code scratch}.
     */
    void step(double lr, NDManager scratch) {
        step++;
        double bc1 = 1 - Math.pow(BETA1, step);
        double bc2 = 1 - Math.pow(BETA2, step);
        double stepSize = lr / bc1;
        double bc2Sqrt = Math.sqrt(bc2);
        for (Slot s : slots) {
            NDArray p = s.param();
            NDArray g = p.getGradient();
            g.attach(scratch);
            if (s.decay() && weightDecay != 0) {
                p.muli((float) (1 - lr * weightDecay));
            }
            s.expAvg().muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
            s.expAvgSq().muli((float) BETA2).addi(g.mul((float) (1 - BETA2)).muli(g));
            NDArray denom = scoped(s.expAvgSq().sqrt(), scratch).divi((float) bc2Sqrt).addi((float) EPS);
            p.subi(scoped(s.expAvg().div(denom), scratch).muli((float) stepSize));
            g.subi(g); // torch accumulates gradients: start the next step from zero
        }
    }

    /** Results follow their first operand's manager: move the state-derived temporaries to the step's. */
    private static NDArray scoped(NDArray a, NDManager scratch) {
        a.attach(scratch);
        return a;
    }

    /** Moment arrays by key ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}), for a checkpoint. */
    Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Slot s : slots) {
            out.put("exp_avg." + s.name(), s.expAvg());
            out.put("exp_avg_sq." + s.name(), s.expAvgSq());
        }
        return out;
    }
}
