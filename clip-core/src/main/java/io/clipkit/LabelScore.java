package io.clipkit;

import java.util.Objects;

/**
 * One label's score for one image.
 *
 * @param label the label as given
 * @param probability softmax over all labels of {@code logitScale * cosine} (fp32)
 * @param cosine cosine similarity of the image and label embeddings
 */
public record LabelScore(String label, float probability, float cosine) {
    public LabelScore {
        Objects.requireNonNull(label, "label");
    }
}
