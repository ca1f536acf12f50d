/**
 * Internals of {@link io.clipkit.Search}: the exact scorer (half-precision vectors in blocks, one
 * matrix-vector product per query, candidates re-scored in full precision), the approximate HNSW
 * graph (Apache Lucene) kept beside an {@link io.clipkit.EmbeddingIndex}, and the HTML contact
 * sheet. Public only because {@code io.clipkit} calls it; not an API.
 */
package io.clipkit.search;
