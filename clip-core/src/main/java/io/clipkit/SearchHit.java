package io.clipkit;

import java.nio.file.Path;

/**
 * One result of a {@link Search}.
 *
 * <pre>{@code
 * for (SearchHit h : hits) System.out.printf("%d %.4f %s%n", h.rank(), h.score(), h.path());
 * }</pre>
 *
 * @param rank 1 for the best hit
 * @param path the image file, as it was indexed (absolute)
 * @param score cosine similarity of the image's embedding with the query, in [-1, 1]
 */
public record SearchHit(int rank, Path path, float score) {}
