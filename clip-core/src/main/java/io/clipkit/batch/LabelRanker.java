package io.clipkit.batch;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;
import io.clipkit.ZeroShotClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Ranks a batch of image embeddings against the labels with the same {@link ZeroShotClassifier}
 * that {@code clip classify} uses (prompt ensembling, one matrix product and softmax per batch on
 * the model's device), so tags and classifications agree to the bit.
 *
 * <p>The labels are embedded when first needed, not on construction: a tagging run starts decoding
 * at once, while a model whose weights load in the background gets them ready. Thread-safe.
 */
final class LabelRanker implements AutoCloseable {
    private final ClipModel model;
    private final List<String> labels;
    private final List<String> templates;
    private final int topK;
    private final float minScore;
    private final Consumer<String> warnings;
    private ZeroShotClassifier classifier; // guarded by this
    private boolean closed; // guarded by this

    LabelRanker(ClipModel model, List<String> labels, List<String> templates, int topK, float minScore,
            Consumer<String> warnings) {
        this.model = model;
        this.labels = labels;
        this.templates = templates;
        this.topK = topK;
        this.minScore = minScore;
        this.warnings = warnings;
    }

    int dim() {
        return model.info().embedDim();
    }

    /** The classifier itself, the labels embedded (videos rank their frames with it). */
    synchronized ZeroShotClassifier classifier() {
        if (closed) {
            throw new IllegalStateException("the label ranker is closed");
        }
        if (classifier == null) {
            classifier = ZeroShotClassifier.builder().model(model).labels(labels).templates(templates).topK(topK)
                    .minScore(minScore).warnings(warnings).build();
        }
        return classifier;
    }

    Provenance provenance() {
        return classifier().provenance();
    }

    /** The top labels of each embedding, in order. */
    List<List<LabelScore>> rank(List<float[]> embeddings) {
        if (embeddings.isEmpty()) {
            return List.of();
        }
        List<Classification> cs = classifier().classifyEmbeddings(embeddings.toArray(new float[0][]));
        List<List<LabelScore>> out = new ArrayList<>(cs.size());
        for (Classification c : cs) {
            out.add(c.labels());
        }
        return out;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (classifier != null) {
            classifier.close();
        }
    }
}
