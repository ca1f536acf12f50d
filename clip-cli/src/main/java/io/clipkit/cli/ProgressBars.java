package io.clipkit.cli;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.DefaultProgressBarRenderer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/**
 * Terminal progress bars of the CLI (downloads, tagging), one style. The library's own renderer
 * divides by whole elapsed seconds (1.9 s counts as 1, so the first rates shown are up to twice too
 * high) and glues the extra message to the rate ({@code 14.3 files/s10 failed}); this one uses the
 * exact elapsed time and separates the two.
 */
final class ProgressBars {
    private ProgressBars() {}

    /** A bar for {@code task} counting in {@code unit}s of {@code unitSize}, on stderr unless a consumer is set. */
    static ProgressBarBuilder builder(String task, String unit, long unitSize) {
        return new ProgressBarBuilder().setTaskName(task).setStyle(ProgressBarStyle.ASCII)
                .setUnit(unit, unitSize).setRenderer(new Renderer(unit, unitSize));
    }

    /** "14.3 files/s": units per second over the exact elapsed time; "?" before the first quarter second. */
    static String rate(long done, Duration elapsed, String unit, long unitSize) {
        double secs = elapsed.toNanos() / 1e9;
        if (secs < 0.25) {
            return "?" + unit + "/s";
        }
        return new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(done / secs / unitSize)
                + unit + "/s";
    }

    static final class Renderer extends DefaultProgressBarRenderer {
        private final String unit;
        private final long unitSize;

        Renderer(String unit, long unitSize) {
            super(ProgressBarStyle.ASCII, unit, unitSize, true, new DecimalFormat("0.0"), ChronoUnit.SECONDS, true,
                    Renderer::eta);
            this.unit = unit;
            this.unitSize = unitSize;
        }

        @Override
        protected String speed(ProgressState p) {
            // The base class appends the extra message right after this text: the separator goes here.
            String message = p.getExtraMessage();
            return rate(p.getCurrent() - p.getStart(), p.getElapsedAfterStart(), unit, unitSize)
                    + (message == null || message.isEmpty() ? "" : ", ");
        }

        /** Linear estimate from the progress made since this bar started (a resumed part is not counted). */
        static Optional<Duration> eta(ProgressState p) {
            long done = p.getCurrent() - p.getStart();
            if (p.isIndefinite() || p.getMax() <= 0 || done <= 0) {
                return Optional.empty();
            }
            double nanosPerUnit = (double) p.getElapsedAfterStart().toNanos() / done;
            return Optional.of(Duration.ofNanos((long) (nanosPerUnit * Math.max(0, p.getMax() - p.getCurrent()))));
        }
    }
}
