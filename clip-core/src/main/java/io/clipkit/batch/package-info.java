/**
 * The batch pipeline behind {@link io.clipkit.Tagger} and {@link io.clipkit.ZeroShotClassifier}, in
 * stages with one job each, over {@link io.clipkit.batch.WorkItem}s (a source path and an optional
 * frame time): discover ({@code Discovery}) → triage ({@code Triage}: stat, resume, index lookup,
 * sniff, hash) → decode ({@link io.clipkit.batch.DecodeStage}: a memory budget) → encode
 * ({@link io.clipkit.batch.EncodeStage}: the one batching point for images) → rank
 * ({@code LabelRanker}) → sink ({@code TagSink}: the resumable, locked results file in JSON Lines or
 * CSV ({@code ResultLog}, {@code Csv}), the SQLite embedding index ({@code EmbeddingCache}) and XMP
 * keywords ({@code XmpKeywords})). {@code TagEngine} runs the tagging stages on threads;
 * {@link io.clipkit.batch.ClassifyStages} runs decode, encode and rank for a list of images.
 * {@link io.clipkit.batch.ResultJson} is the one JSON schema of results. {@link io.clipkit.batch.ByteTriage}
 * is triage and decode for bytes a caller already holds (clip-spark), with tag's reasons.
 *
 * <p>Internal: public types here are used by clipkit's own modules (the CLI, the server) and may change
 * without notice; applications use {@link io.clipkit.Tagger} and the other types in {@code io.clipkit}.
 */
package io.clipkit.batch;
