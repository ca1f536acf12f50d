package io.clipkit;

import java.time.Duration;

/**
 * Totals of a {@link Tagger} run.
 *
 * @param ok files tagged in this run
 * @param failed files recorded as errors in this run
 * @param skipped files recorded as skipped in this run (not regular files, ...)
 * @param resumed files already in the output from an earlier run, not redone
 * @param resumedFailed of {@code resumed}, those recorded as errors back then
 * @param encoded images decoded and run through the image encoder
 * @param cacheHits images whose embedding came from the embedding cache
 * @param elapsed wall time of the tagging itself (from the first file found to the last record)
 * @param setup wall time before it: embedding the labels, opening the index and the output
 * @param provenance model, checkpoint SHA-256, prompt templates and device of the labels
 */
public record TagSummary(long ok, long failed, long skipped, long resumed, long resumedFailed, long encoded, long cacheHits,
        Duration elapsed, Duration setup, Provenance provenance) {

    /** Files that got a record in this run. */
    public long processed() {
        return ok + failed + skipped;
    }

    /** Whether any input, in this run or resumed, ended as an error (the CLI then exits 3). */
    public boolean anyFailed() {
        return failed > 0 || resumedFailed > 0;
    }

    /** Files per second over this run's records. */
    public double filesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : processed() / s;
    }
}
