package io.clipkit.spark;

import io.clipkit.ClipModel;
import io.clipkit.ZeroShotClassifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One loaded model per executor JVM, shared by all its tasks. Spark runs many tasks in one executor
 * (one per core) and ships the job's closure to each; the weights must not be loaded per task or per
 * partition, so they live here, in the one static map of the module, keyed by what was loaded. The
 * models stay loaded for the life of the executor (they are what it is for); a ZeroShotClassifier
 * is likewise shared per model and label set. Both types are thread-safe.
 */
final class ExecutorModels {
    private static final ConcurrentMap<ModelSource, ClipModel> MODELS = new ConcurrentHashMap<>();
    private static final ConcurrentMap<ClassifierKey, ZeroShotClassifier> CLASSIFIERS = new ConcurrentHashMap<>();

    private record ClassifierKey(ModelSource model, List<String> labels, List<String> templates, int topK, float minScore) {}

    private ExecutorModels() {}

    /** The model of {@code source}, loaded on first use by whichever task asks first; the others wait. */
    static ClipModel model(ModelSource source) {
        return MODELS.computeIfAbsent(source, s -> {
            try {
                long t0 = System.nanoTime();
                ClipModel m = s.load();
                // One line in the executor's log: where the time of a task's start went, and proof of one load per JVM.
                System.err.printf(java.util.Locale.ROOT, "clip-spark: loaded model %s (%s, sha256 %.12s) in %.1f s in JVM %d%n",
                        s.model(), m.info().architecture(), m.info().checkpointSha256(), (System.nanoTime() - t0) / 1e9,
                        ProcessHandle.current().pid());
                return m;
            } catch (IOException e) {
                // Not a bad image but a bad job: fail the task (Spark retries it, then fails the job).
                throw new UncheckedIOException("cannot load model " + s.model() + ": " + e.getMessage(), e);
            }
        });
    }

    /** The classifier for these labels on the model of {@code source}: label embeddings are computed once. */
    static ZeroShotClassifier classifier(ModelSource source, List<String> labels, List<String> templates, int topK,
            float minScore) {
        return CLASSIFIERS.computeIfAbsent(new ClassifierKey(source, labels, templates, topK, minScore), k -> {
            ZeroShotClassifier.Builder b = ZeroShotClassifier.builder().model(model(source)).labels(labels).topK(topK)
                    .minScore(minScore);
            if (!templates.isEmpty()) { // else the model's own
                b.templates(templates);
            }
            return b.build();
        });
    }

    /** How many models named {@code model} this JVM holds (for tests: one per executor, however many tasks ran). */
    static long loadedModels(String model) {
        return MODELS.keySet().stream().filter(s -> s.model().equals(model)).count();
    }
}
