/**
 * Contrastive training behind {@link io.clipkit.Trainer}: the data sets (TSV, JSONL, folder per
 * class) and their deterministic batch stream, the CLIP loss, AdamW and the learning-rate
 * schedule, a new model's initialization, the open_clip hub folder writer, checkpoints and exact
 * resume, and the zero-shot evaluation. {@link io.clipkit.train.TrainingRun} is public only so
 * that the builder in {@code io.clipkit} can reach it; everything else is package-private.
 */
package io.clipkit.train;
