package io.clipkit.spark;

import io.clipkit.DType;
import io.clipkit.cli.LabelOptionsMixin;
import io.clipkit.registry.ModelResolver;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point: tags (and/or embeds) every image under the inputs into a
 * Parquet folder, resuming what an earlier run did. Label options are those of {@code clip tag}.
 *
 * <pre>
 * spark-submit --class io.clipkit.spark.SparkTagCommand --master local[4] clip-spark.jar \
 *     --input /data/photos --output /data/tags.parquet --model /models/ViT-B-32.pt --labels cat,dog,car
 * </pre>
 */
@Command(name = "clip-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Tag and/or embed images on Apache Spark, into Parquet (resumable). Same results as 'clip tag'.")
public final class SparkTagCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", paramLabel = "DIR|FILE|URI",
            description = "A folder (searched recursively for the image extensions clip tag takes) or a file (repeatable).")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--input-list", paramLabel = "FILE", description = "A text file of image paths or URIs, one a line.")
    String inputList;

    @Option(names = "--output", required = true, paramLabel = "PARQUET",
            description = "Output Parquet folder; paths already in it are skipped (resume).")
    String output;

    @Option(names = "--model", paramLabel = "NAME|PATH", defaultValue = ModelResolver.DEFAULT_MODEL,
            description = "Registry name, or checkpoint as the executors see it: a shared path, or the file name of a "
                    + "checkpoint given to spark-submit --files. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Model cache on the executors (registry names).")
    String cacheDir = "";

    @Option(names = "--no-download", description = "Executors must find registry models in their cache.")
    boolean noDownload;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", paramLabel = "fp32|fp16", description = "Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--encoder-threads", defaultValue = "1", paramLabel = "N",
            description = "Threads per encoder call; each task encodes its own batches. Default: ${DEFAULT-VALUE}.")
    int encoderThreads;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "B", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin LabelOptionsMixin labelOptions;

    @Option(names = {"-k", "--top-k"}, defaultValue = "5", description = "Labels kept per image. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--min-score", defaultValue = "0", description = "Leave out labels below this probability.")
    float minScore;

    @Option(names = "--embeddings", description = "Keep each image's embedding; without labels, embeddings only.")
    boolean embeddings;

    @Option(names = "--partitions", defaultValue = "0", description = "Partitions (0: a few per core).")
    int partitions;

    @Option(names = "--commits", defaultValue = "1",
            description = "Commit the work in this many parts: a killed run loses at most one part. Default: ${DEFAULT-VALUE}.")
    int commits;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (inputs.isEmpty() == (inputList == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --input (repeatable) or --input-list, not both");
        }
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        boolean labelled = pr.hasMatchedOption("--labels") || pr.hasMatchedOption("--label") || pr.hasMatchedOption("--labels-file");
        SparkTagger.Builder b = SparkTagger.builder().model(model).cacheDir(cacheDir).allowDownload(!noDownload).device(device)
                .dtype(DType.parse(dtype)).encoderThreads(encoderThreads).batchSize(batchSize).embeddings(embeddings)
                .partitions(partitions).commits(commits);
        if (labelled || !embeddings) {
            b.labels(labelOptions.labels()).topK(topK).minScore(minScore);
            labelOptions.templates().ifPresent(b::templates); // else the model's own
        }
        SparkTagger tagger = b.build();
        SparkConf conf = new SparkConf().setAppName("clip-spark");
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]"); // run with plain java: this machine's cores
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            Dataset<Row> files = inputList != null ? SparkTagger.readPathList(spark, inputList) : SparkTagger.listImages(spark, inputs);
            SparkTagger.Summary s = tagger.run(files, output);
            err.printf(Locale.ROOT, "clip-spark: %d ok, %d failed or skipped, %d already done, of %d files in %.1f s (%.1f files/s) -> %s%n",
                    s.ok(), s.failed(), s.resumed(), s.listed(), s.elapsed().toNanos() / 1e9,
                    (s.ok() + s.failed()) / Math.max(1e-9, s.elapsed().toNanos() / 1e9), output);
            err.flush();
            // 0 even when some files failed (unlike clip tag's 3): on a cluster a non-zero driver exit marks the
            // application failed and schedulers retry it; the failures are rows of the output.
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** The command line with its error handling: a caller mistake exits 2, anything else 1, each with one line. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkTagCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("clip-spark: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            commandLine.getErr().flush();
            return ex instanceof IllegalArgumentException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
