/**
 * The batch tagging job behind {@link io.clipkit.Tagger}: finding files ({@code Discovery}),
 * sniffing and triage, the decode memory budget and threads ({@code TagEngine}), ranking
 * ({@code LabelRanker}), the resumable results file in JSON Lines or CSV ({@code ResultLog},
 * {@code Csv}), the SQLite embedding index ({@code EmbeddingCache}) and XMP keywords
 * ({@code XmpKeywords}). Implementation: use {@link io.clipkit.Tagger}.
 */
package io.clipkit.batch;
