/**
 * The batch tagging job behind {@link io.clipkit.Tagger}: finding files ({@code Discovery}),
 * sniffing and triage, the decode memory budget and threads ({@code TagEngine}), ranking
 * ({@code LabelRanker}), the resumable results file in JSON Lines or CSV ({@code ResultLog},
 * {@code Csv}), the SQLite embedding index ({@code EmbeddingCache}) and XMP keywords
 * ({@code XmpKeywords}). Implementation: use {@link io.clipkit.Tagger}. One public piece for jobs that
 * hold the bytes themselves (clip-spark): {@link io.clipkit.batch.DecodeStage}, tag's decode stage on
 * bytes in memory, with tag's reasons.
 */
package io.clipkit.batch;
