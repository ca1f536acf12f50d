package io.clipkit.train;

import io.clipkit.Trainer;

/** open_clip's {@code cosine_lr} / {@code const_lr}: the rate at 0-based step {@code i}. */
record LrSchedule(double base, int warmup, int steps, Trainer.Schedule kind) {
    double at(int i) {
        if (i < warmup) {
            return base * (i + 1) / warmup;
        }
        if (kind == Trainer.Schedule.CONSTANT) {
            return base;
        }
        int e = i - warmup;
        int es = steps - warmup;
        return es <= 0 ? base : 0.5 * (1 + Math.cos(Math.PI * e / es)) * base;
    }
}
