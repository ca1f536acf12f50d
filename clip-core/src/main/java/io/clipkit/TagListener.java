package io.clipkit;

import java.nio.file.Path;

/**
 * Observes a {@link Tagger} run; called from a single thread, in output order.
 *
 * <pre>{@code
 * tagger.run(List.of(Path.of("photos")), new TagListener() {
 *     public void result(TagResult r) { System.out.println(r.path() + " " + r.status()); }
 * });
 * }</pre>
 */
public interface TagListener {
    /** Discovery found {@code files} candidate files so far; {@code complete} once the walk ended. */
    default void discovered(long files, boolean complete) {}

    /** A file got its record (not called for files resumed from an earlier run). */
    default void result(TagResult result) {}

    /** A file was already recorded by an earlier run with the same settings and is not redone. */
    default void resumed(Path path) {}

    /** Something the user should know that is not a file's failure (e.g. a truncated prompt). */
    default void warning(String message) {}
}
