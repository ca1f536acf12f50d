package io.clipkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The labels of one image, ranked by probability (highest first), with provenance.
 *
 * <pre>{@code
 * Classification c = classifier.classify(Path.of("cat.jpg"));
 * System.out.println(c.best().label() + " " + c.best().probability());
 * }</pre>
 *
 * @param image the image file, or empty when classifying precomputed embeddings
 * @param labels labels ranked by probability, cut by {@code topK} and {@code minScore}
 * @param provenance model, checkpoint, templates and device
 */
public record Classification(Optional<Path> image, List<LabelScore> labels, Provenance provenance) {
    public Classification {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(provenance, "provenance");
        labels = List.copyOf(labels);
    }

    /** The most probable label, if any passed the filters. */
    public LabelScore best() {
        if (labels.isEmpty()) {
            throw new java.util.NoSuchElementException("no label passed the minScore filter");
        }
        return labels.get(0);
    }
}
