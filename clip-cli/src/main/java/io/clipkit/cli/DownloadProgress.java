package io.clipkit.cli;

import io.clipkit.registry.Downloader;
import io.clipkit.registry.ModelResolver;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;

/**
 * Shows a download: a progress bar (bytes, rate, ETA) on a terminal, plain lines every few seconds
 * otherwise (logs, CI, pipes).
 */
final class DownloadProgress implements Downloader.Listener {
    private static final long LINE_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();

    private final PrintWriter err;
    private final boolean terminal;
    private ProgressBar bar;
    private String what;
    private long total;
    private long startBytes;
    private long startNanos;
    private long lastLine;

    DownloadProgress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** For the real command line: a bar when stdout/stderr is a terminal. */
    static DownloadProgress forConsole(PrintWriter err) {
        return new DownloadProgress(err, System.console() != null);
    }

    @Override
    public synchronized void started(String url, long total, long resumedFrom) {
        this.what = url.substring(url.lastIndexOf('/') + 1);
        this.total = total;
        this.startBytes = resumedFrom;
        this.startNanos = System.nanoTime();
        this.lastLine = startNanos;
        if (terminal) {
            bar = ProgressBars.builder(what, " MB", 1_000_000)
                    .setInitialMax(total > 0 ? total : -1)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .startsFrom(resumedFrom, Duration.ZERO)
                    .build();
        } else {
            err.println(what + ": downloading" + (total > 0 ? " " + ModelResolver.humanBytes(total) : "")
                    + (resumedFrom > 0 ? ", resuming at " + ModelResolver.humanBytes(resumedFrom) : ""));
            err.flush();
        }
    }

    @Override
    public synchronized void progress(long bytes) {
        if (bar != null) {
            bar.stepTo(bytes);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLine >= LINE_INTERVAL_NANOS) {
            lastLine = now;
            err.println(line(bytes, now));
            err.flush();
        }
    }

    String line(long bytes, long now) {
        double secs = Math.max(1e-3, (now - startNanos) / 1e9);
        double rate = (bytes - startBytes) / secs;
        StringBuilder sb = new StringBuilder(what).append(": ").append(ModelResolver.humanBytes(bytes));
        if (total > 0) {
            sb.append(" of ").append(ModelResolver.humanBytes(total))
                    .append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * bytes / total));
        }
        sb.append(", ").append(ModelResolver.humanBytes((long) rate)).append("/s");
        if (total > 0 && rate > 0) {
            sb.append(", ETA ").append(Math.round((total - bytes) / rate)).append(" s");
        }
        return sb.toString();
    }

    @Override
    public synchronized void finished() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public synchronized void message(String line) {
        err.println(line);
        err.flush();
    }
}
