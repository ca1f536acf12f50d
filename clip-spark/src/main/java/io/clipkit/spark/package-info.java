/**
 * clipkit on Apache Spark: tags and embeds images at cluster scale with exactly the results of
 * {@code clip tag}. {@link io.clipkit.spark.SparkTagger} is the library API (a {@code Dataset} in, a
 * {@code Dataset} out, or a resumable run into Parquet); {@link io.clipkit.spark.SparkTagCommand} is
 * the {@code spark-submit} entry point. The rest is package-private: the per-executor model holder
 * ({@code ExecutorModels}), the per-partition batcher ({@code PartitionTagger}) and the serialized job
 * settings.
 */
package io.clipkit.spark;
