package io.clipkit;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The labels of one image, ranked by score (highest first), with provenance; or, when the image
 * could not be read, why ({@link #error()}) and no labels. Classifying a list gives one result
 * per image, in order, whatever the others do.
 *
 * <pre>{@code
 * for (Classification c : classifier.classify(List.of(Path.of("cat.jpg"), Path.of("broken.jpg")))) {
 *     if (c.error().isPresent()) System.out.println(c.image().get() + ": " + c.error().get());
 *     else c.best().ifPresent(b -> System.out.println(b.label() + " " + b.probability()));
 * }
 * }</pre>
 *
 * @param image the image file, or empty when classifying precomputed embeddings
 * @param labels labels ranked by score, cut by {@code topK} and {@code minScore} (empty on error)
 * @param provenance model, checkpoint, templates and device
 * @param error why the image could not be classified (empty when it was)
 */
public record Classification(Optional<Path> image, List<LabelScore> labels, Provenance provenance, Optional<String> error) {
    public Classification {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(error, "error");
        labels = List.copyOf(labels);
    }

    /** A successful classification. */
    public Classification(Optional<Path> image, List<LabelScore> labels, Provenance provenance) {
        this(image, labels, provenance, Optional.empty());
    }

    /** The result for an image that could not be read or decoded. */
    public static Classification failed(Path image, String error, Provenance provenance) {
        return new Classification(Optional.of(image), List.of(), provenance, Optional.of(error));
    }

    /** Whether the image was classified (no error). */
    public boolean ok() {
        return error.isEmpty();
    }

    /** The best label; empty on error or when {@code minScore} filtered every label. */
    public Optional<LabelScore> best() {
        return labels.isEmpty() ? Optional.empty() : Optional.of(labels.get(0));
    }
}
