package io.clipkit.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What every task of a job needs, shipped once per task in the closure: which model, the labels
 * (empty: embeddings only), the prompt templates (empty: the model's own) and what to keep.
 */
record JobSettings(ModelSource model, List<String> labels, List<String> templates, int topK, float minScore,
        boolean embeddings, HadoopConf hadoop) implements Serializable {
    private static final long serialVersionUID = 1L;

    JobSettings {
        labels = List.copyOf(labels);
        templates = List.copyOf(templates);
    }

    boolean classify() {
        return !labels.isEmpty();
    }
}
