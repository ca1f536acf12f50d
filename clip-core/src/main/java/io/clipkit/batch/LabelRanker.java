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
 */
final class LabelRanker implements AutoCloseable {
    private final ZeroShotClassifier classifier;
    private final int dim;

    LabelRanker(ClipModel model, List<String> labels, List<String> templates, int topK, float minScore,
            Consumer<String> warnings) {
        this.classifier = ZeroShotClassifier.builder().model(model).labels(labels).templates(templates).topK(topK)
                .minScore(minScore).warnings(warnings).build();
        this.dim = model.info().embedDim();
    }

    int dim() {
        return dim;
    }

    /** The classifier itself (videos rank their frames with it). */
    ZeroShotClassifier classifier() {
        return classifier;
    }

    Provenance provenance() {
        return classifier.provenance();
    }

    /** The top labels of each embedding, in order. */
    List<List<LabelScore>> rank(List<float[]> embeddings) {
        if (embeddings.isEmpty()) {
            return List.of();
        }
        List<Classification> cs = classifier.classifyEmbeddings(embeddings.toArray(new float[0][]));
        List<List<LabelScore>> out = new ArrayList<>(cs.size());
        for (Classification c : cs) {
            out.add(c.labels());
        }
        return out;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
