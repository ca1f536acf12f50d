package io.clipkit.spark;

import io.clipkit.ClipModel;
import io.clipkit.DType;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which model an executor loads and how: the key of {@link ExecutorModels}, so tasks of one job (and
 * of later jobs with the same model) share one loaded copy per executor JVM.
 *
 * @param model a registry name, or a checkpoint file or model folder; a bare file name shipped with
 *     {@code spark-submit --files} is found in the executor's working folder or through SparkFiles
 * @param cacheDir the model cache on the executors (empty: clipkit's default)
 */
record ModelSource(String model, String device, DType dtype, int encoderThreads, int batchSize, String cacheDir,
        boolean allowDownload) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Loads the model on this JVM (called once per executor, by {@link ExecutorModels}). */
    ClipModel load() throws IOException {
        ClipModel.Builder b = ClipModel.builder().device(device).dtype(dtype).threads(encoderThreads).batchSize(batchSize)
                .allowDownload(allowDownload);
        if (!cacheDir.isEmpty()) {
            b.cacheDir(Path.of(cacheDir));
        }
        Path local = localFile();
        return (local != null ? b.path(local) : b.model(model)).load();
    }

    /** The model as a file here: as given, else where {@code --files} put it; null for a registry name. */
    private Path localFile() {
        Path p = Path.of(model);
        if (Files.exists(p)) {
            return p;
        }
        if (p.getFileName() != null && org.apache.spark.SparkEnv.get() != null) {
            try {
                Path shipped = Path.of(org.apache.spark.SparkFiles.get(p.getFileName().toString()));
                if (Files.exists(shipped)) {
                    return shipped;
                }
            } catch (RuntimeException e) {
                // no SparkFiles root on this JVM (not started by Spark): not shipped, fall through
            }
        }
        return null;
    }
}
