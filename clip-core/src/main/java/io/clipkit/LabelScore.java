package io.clipkit;

import java.util.Objects;

/**
 * One label's score for one image.
 *
 * @param label the label as given
 * @param probability the score, 0..1 (fp32): for CLIP the softmax over all labels of
 *     {@code logitScale * cosine}; for a sigmoid-scored family (SigLIP) the label's own
 *     {@code sigmoid(logitScale * cosine + logitBias)}
 * @param cosine cosine similarity of the image and label embeddings
 */
public record LabelScore(String label, float probability, float cosine) {
    public LabelScore {
        Objects.requireNonNull(label, "label");
    }
}
