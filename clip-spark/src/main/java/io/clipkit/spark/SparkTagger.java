package io.clipkit.spark;

import io.clipkit.DType;
import io.clipkit.Labels;
import io.clipkit.PromptTemplates;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.batch.ByteTriage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * {@code clip tag} on Apache Spark: per image the same top labels, probabilities, cosines, embedding
 * and error reasons as {@code clip tag} with the same checkpoint, computed on the executors with one
 * model per executor JVM, in batches per partition. Bad files are rows with {@code status = 'error'}
 * and the reason, never a failed job.
 *
 * <pre>{@code
 * SparkTagger tagger = SparkTagger.builder()
 *         .model("ViT-B-32.pt")                    // on every executor: a shared path, or shipped with --files
 *         .labels(List.of("beach", "mountain", "city"))
 *         .embeddings(true)
 *         .build();
 * // a folder (recursive, the image extensions clip tag looks for), resumable into Parquet:
 * SparkTagger.Summary s = tagger.run(SparkTagger.listImages(spark, List.of("s3a://photos/2024/")), "s3a://out/tags.parquet");
 * // or any binaryFile DataFrame, lazily:
 * // (Spark's file sources leave 0-byte files out: listImages keeps them, as error rows)
 * Dataset<Row> tags = tagger.tag(spark.read().format("binaryFile").load("/data/images"));
 * }</pre>
 *
 * <p>Output columns ({@link #schema()}): {@code path} (as listed), {@code status} ({@code ok},
 * {@code error}, {@code skipped}), {@code size}, {@code mtime} (ISO-8601, milliseconds),
 * {@code labels}, {@code probabilities}, {@code cosines} (best first; empty unless ok),
 * {@code embedding} (L2-normalized; null unless asked for and ok), {@code error} (null when ok),
 * {@code model}, {@code checkpoint_sha256}.
 */
public final class SparkTagger {
    private static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("status", DataTypes.StringType, false)
            .add("size", DataTypes.LongType, false)
            .add("mtime", DataTypes.StringType, false)
            .add("labels", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("cosines", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error", DataTypes.StringType, true)
            .add("model", DataTypes.StringType, false)
            .add("checkpoint_sha256", DataTypes.StringType, false);

    /**
     * What a {@link #run} did.
     *
     * @param listed input files found
     * @param resumed of those, already in the output (not redone)
     * @param ok tagged now
     * @param failed recorded now as errors or skips (the reasons are in the output)
     * @param elapsed wall time of the run
     */
    public record Summary(long listed, long resumed, long ok, long failed, Duration elapsed) {}

    private final ModelSource model;
    private final List<String> labels;
    private final List<String> templates;
    private final int topK;
    private final float minScore;
    private final boolean embeddings;
    private final int partitions;
    private final int commits;

    private SparkTagger(Builder b) {
        this.model = new ModelSource(b.model, b.device, b.dtype, b.encoderThreads, b.batchSize, b.cacheDir, b.allowDownload);
        this.labels = b.labels;
        this.templates = b.templates;
        this.topK = b.topK;
        this.minScore = b.minScore;
        this.embeddings = b.embeddings;
        this.partitions = b.partitions;
        this.commits = b.commits;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The columns of {@link #tag} and of the Parquet output. */
    public static StructType schema() {
        return SCHEMA;
    }

    /** Columns of {@link #listImages}. */
    private static final StructType LISTING = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("length", DataTypes.LongType, false)
            .add("modificationTime", DataTypes.TimestampType, false);

    /**
     * The image files under these folders, listed as {@code clip tag --recursive} finds them: files
     * with the image extensions tag looks for (0-byte ones too, which Spark's file sources drop),
     * and a file given itself whatever its name. Columns {@code path}, {@code length},
     * {@code modificationTime}; no file is read until the job runs. The listing is made on the driver
     * (through Hadoop's FileSystem: local, HDFS, S3, ...); for tens of millions of files give a path
     * list ({@link #readPathList}) instead, which the executors read.
     *
     * @throws IllegalArgumentException if an input does not exist
     * @throws IOException if a folder cannot be listed
     */
    public static Dataset<Row> listImages(SparkSession spark, List<String> inputs) throws IOException {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("no input folders given");
        }
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Row> rows = new ArrayList<>();
        for (String input : inputs) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
            FileSystem fs = p.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(p);
            } catch (java.io.FileNotFoundException e) {
                throw new IllegalArgumentException("no such file or folder: " + input, e);
            }
            if (!st.isDirectory()) {
                rows.add(listed(st));
                continue;
            }
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(st.getPath(), true);
            while (it.hasNext()) {
                LocatedFileStatus f = it.next();
                if (ByteTriage.isImageName(f.getPath().getName())) {
                    rows.add(listed(f));
                }
            }
        }
        return spark.createDataFrame(rows, LISTING);
    }

    private static Row listed(FileStatus st) {
        return RowFactory.create(st.getPath().toString(), st.getLen(), new java.sql.Timestamp(st.getModificationTime()));
    }

    /** The files named in a text file, one path or URI a line (blank lines and {@code #} comments ignored). */
    public static Dataset<Row> readPathList(SparkSession spark, String listFile) {
        Objects.requireNonNull(listFile, "listFile");
        return spark.read().textFile(listFile).select(functions.trim(functions.col("value")).as("path"))
                .filter("path <> '' AND NOT startswith(path, '#')");
    }

    /**
     * Tags the files, lazily. {@code files} needs a string column {@code path}; a binary
     * {@code content} column (the {@code binaryFile} source) is used when present, else each file is
     * read from its path on the executor; {@code length} and {@code modificationTime} are kept when
     * present. Rows come out in the partitioning of {@code files} (see {@link Builder#partitions}).
     */
    public Dataset<Row> tag(Dataset<Row> files) {
        return tag(files, null, null);
    }

    private Dataset<Row> tag(Dataset<Row> files, LongAccumulator ok, LongAccumulator failed) {
        StructType in = files.schema();
        if (!List.of(in.fieldNames()).contains("path")) {
            throw new IllegalArgumentException("input has no 'path' column (columns: " + String.join(", ", in.fieldNames()) + ")");
        }
        SparkSession spark = files.sparkSession();
        LongAccumulator okCount = ok != null ? ok : spark.sparkContext().longAccumulator("clip ok");
        LongAccumulator failCount = failed != null ? failed : spark.sparkContext().longAccumulator("clip failed");
        JobSettings settings = new JobSettings(model, labels, templates, topK, minScore, embeddings,
                new HadoopConf(spark.sparkContext().hadoopConfiguration()));
        Dataset<Row> input = partitions > 0 ? files.repartition(partitions) : files;
        return input.mapPartitions(new PartitionTagger(settings, in.fieldIndex("path"), index(in, "content"),
                index(in, "length"), index(in, "modificationTime"), okCount, failCount), Encoders.row(SCHEMA));
    }

    private static int index(StructType t, String name) {
        return List.of(t.fieldNames()).contains(name) ? t.fieldIndex(name) : -1;
    }

    /**
     * Tags what is not yet in {@code output} and appends it there as Parquet; a rerun after a crash
     * or with more files redoes only the paths not in the output. The work is committed in
     * {@link Builder#commits} parts, so a killed run loses at most the part in flight.
     *
     * @throws IOException if {@code output} exists but is not an output of this job
     */
    public Summary run(Dataset<Row> files, String output) throws IOException {
        Objects.requireNonNull(output, "output");
        long t0 = System.nanoTime();
        SparkSession spark = files.sparkSession();
        Dataset<Row> listed = files.drop("content").persist();
        try {
            long all = listed.count();
            Dataset<Row> todo = listed;
            if (hasOutput(spark, output)) {
                Dataset<Row> done = spark.read().parquet(output);
                if (!List.of(done.schema().fieldNames()).containsAll(List.of("path", "status", "model"))) {
                    throw new IOException(output + " exists but is not a clip-spark output (columns "
                            + String.join(", ", done.schema().fieldNames()) + "); give another output");
                }
                todo = listed.join(done.select("path").distinct(), listed.col("path").equalTo(done.col("path")), "left_anti");
            }
            long n = todo.count();
            LongAccumulator ok = spark.sparkContext().longAccumulator("clip ok");
            LongAccumulator failed = spark.sparkContext().longAccumulator("clip failed");
            if (n > 0) {
                for (int part = 0; part < commits; part++) {
                    Dataset<Row> slice = commits == 1 ? todo
                            : todo.filter(functions.pmod(functions.hash(functions.col("path")), functions.lit(commits))
                                    .equalTo(part));
                    SparkTagger job = partitions > 0 ? this : withPartitions(spark, n / commits);
                    job.tag(slice, ok, failed).write().mode(SaveMode.Append).parquet(output);
                }
            }
            return new Summary(all, all - n, ok.value(), failed.value(), Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            listed.unpersist();
        }
    }

    /** Most files in one automatic partition: a lost task (executor gone) redoes at most this many. */
    static final int MAX_FILES_PER_PARTITION = 10_000;

    /**
     * Without an explicit partition count: every task slot busy (at least one partition per core),
     * up to four per core so a slow partition does not hold the stage back, each at least a batch,
     * and none over {@link #MAX_FILES_PER_PARTITION} files.
     */
    private SparkTagger withPartitions(SparkSession spark, long files) {
        Builder b = toBuilder();
        b.partitions = autoPartitions(spark.sparkContext().defaultParallelism(), files, model.batchSize());
        return new SparkTagger(b);
    }

    static int autoPartitions(int cores, long files, int batchSize) {
        long slots = Math.max(1, cores);
        long byBatch = Math.max(slots, files / batchSize);
        long p = Math.max(Math.min(4 * slots, byBatch), (files + MAX_FILES_PER_PARTITION - 1) / MAX_FILES_PER_PARTITION);
        return (int) Math.max(1, Math.min(Math.min(p, files), Integer.MAX_VALUE));
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.model = model.model();
        b.device = model.device();
        b.dtype = model.dtype();
        b.encoderThreads = model.encoderThreads();
        b.batchSize = model.batchSize();
        b.cacheDir = model.cacheDir();
        b.allowDownload = model.allowDownload();
        b.labels = labels;
        b.templates = templates;
        b.topK = topK;
        b.minScore = minScore;
        b.embeddings = embeddings;
        b.partitions = partitions;
        b.commits = commits;
        return b;
    }

    private static boolean hasOutput(SparkSession spark, String output) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(output);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(p)) {
            return false;
        }
        FileStatus[] parts = fs.globStatus(new org.apache.hadoop.fs.Path(p, "*.parquet"));
        return parts != null && parts.length > 0;
    }

    /** Validating builder: each setter checks its value at once and names what is wrong. */
    public static final class Builder {
        private String model = io.clipkit.registry.ModelResolver.DEFAULT_MODEL;
        private String device = "cpu";
        private DType dtype = DType.FP32;
        private int encoderThreads = 1;
        private int batchSize = 32;
        private String cacheDir = "";
        private boolean allowDownload = true;
        private List<String> labels = List.of();
        private List<String> templates = List.of(); // empty: the model's (ModelSpec.templates), chosen on the executor
        private int topK = 5;
        private float minScore;
        private boolean embeddings;
        private int partitions;
        private int commits = 1;

        private Builder() {}

        /**
         * A registry name, or a checkpoint file or model folder as the executors see it: a path on a
         * shared filesystem, or the file name of a checkpoint shipped with {@code spark-submit --files}.
         */
        public Builder model(String nameOrPath) {
            if (nameOrPath == null || nameOrPath.isBlank()) {
                throw new IllegalArgumentException("model is empty: give a registry name, a checkpoint file or a model folder");
            }
            this.model = nameOrPath.strip();
            return this;
        }

        /** DJL device on the executors: {@code cpu}, {@code gpu} or {@code gpu:N}. */
        public Builder device(String device) {
            io.clipkit.ClipModel.builder().device(device); // the loader's own check
            this.device = device;
            return this;
        }

        public Builder dtype(DType dtype) {
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            return this;
        }

        /**
         * Intra-op threads of each encoder call (default 1): an executor runs one task per core and
         * every task encodes its own batches, so one thread each keeps the cores busy without
         * oversubscription. 0 keeps the engine's default (all cores per call).
         */
        public Builder encoderThreads(int threads) {
            io.clipkit.ClipModel.builder().threads(threads);
            this.encoderThreads = threads;
            return this;
        }

        /** Images per forward pass (default 32). */
        public Builder batchSize(int batchSize) {
            io.clipkit.ClipModel.builder().batchSize(batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** The model cache on the executors (for registry names); default clipkit's. */
        public Builder cacheDir(String cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** Whether executors may download a registry model missing from their cache (default true). */
        public Builder allowDownload(boolean allow) {
            this.allowDownload = allow;
            return this;
        }

        /** The candidate labels; none (the default) computes embeddings only. */
        public Builder labels(List<String> labels) {
            this.labels = labels.isEmpty() ? List.of() : Labels.check(labels);
            return this;
        }

        /** Prompt templates, each containing {@code {}} (default the model's own: {@code "a photo of a {}."} for OpenAI's). */
        public Builder templates(List<String> templates) {
            this.templates = PromptTemplates.check(templates);
            return this;
        }

        /** Uses the built-in prompt ensemble. */
        public Builder ensemble() {
            this.templates = PromptTemplates.ensemble();
            return this;
        }

        /** Labels kept per image, best first (default 5). */
        public Builder topK(int topK) {
            ZeroShotClassifier.builder().topK(topK); // the classifier's own check
            this.topK = topK;
            return this;
        }

        /** Labels below this probability are left out (default 0). */
        public Builder minScore(float minScore) {
            ZeroShotClassifier.builder().minScore(minScore);
            this.minScore = minScore;
            return this;
        }

        /** Whether to keep each image's embedding (default false). */
        public Builder embeddings(boolean embeddings) {
            this.embeddings = embeddings;
            return this;
        }

        /**
         * Partitions to spread the files over; 0 (default): {@link #tag} keeps the input's, {@link #run}
         * picks a few per core.
         */
        public Builder partitions(int partitions) {
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be 0 (automatic) or more, got " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** How many parts {@link #run} commits the work in (default 1): more parts, less lost to a kill. */
        public Builder commits(int commits) {
            if (commits < 1 || commits > 100_000) {
                throw new IllegalArgumentException("commits must be in 1..100000, got " + commits);
            }
            this.commits = commits;
            return this;
        }

        public SparkTagger build() {
            if (labels.isEmpty() && !embeddings) {
                throw new IllegalArgumentException("nothing to compute: give labels, or ask for embeddings");
            }
            return new SparkTagger(this);
        }
    }
}
