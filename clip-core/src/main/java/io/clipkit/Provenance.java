package io.clipkit;

import java.util.List;
import java.util.Objects;

/**
 * Where a result came from: enough to reproduce it.
 *
 * @param model model name (registry name or file name)
 * @param checkpointSha256 SHA-256 of the checkpoint file
 * @param templates prompt templates whose embeddings were averaged per label
 * @param device device the model ran on
 * @param logitScale the model's logit scale (the softmax temperature's inverse)
 */
public record Provenance(String model, String checkpointSha256, List<String> templates, String device, float logitScale) {
    public Provenance {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(checkpointSha256, "checkpointSha256");
        Objects.requireNonNull(device, "device");
        templates = List.copyOf(templates);
    }
}
