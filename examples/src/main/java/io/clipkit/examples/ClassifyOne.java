package io.clipkit.examples;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.LabelScore;
import io.clipkit.ZeroShotClassifier;
import java.nio.file.Path;
import java.util.List;

/**
 * Classifies one image with the library.
 *
 * <pre>
 * mvn -q -o -pl examples -am compile exec:java -Dexec.mainClass=io.clipkit.examples.ClassifyOne \
 *     -Dexec.args="--model ViT-B-32.pt photo.jpg cat dog 'red car'"
 * </pre>
 */
public final class ClassifyOne {
    private ClassifyOne() {}

    public static void main(String[] args) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args);
        if (a.rest.size() < 3) {
            System.err.println("usage: ClassifyOne [--model NAME|PATH] [--vocab PATH] IMAGE LABEL LABEL...");
            System.exit(2);
        }
        Path image = Path.of(a.rest.get(0));
        List<String> labels = a.rest.subList(1, a.rest.size());
        try (ClipModel model = a.load();
             ZeroShotClassifier classifier = ZeroShotClassifier.builder()
                     .model(model)
                     .labels(labels)
                     .ensemble()          // average over clipkit's prompt ensemble
                     .topK(3)
                     .build()) {
            Classification result = classifier.classify(image);
            System.out.println(image + " (" + result.provenance().model() + ")");
            for (LabelScore s : result.labels()) {
                System.out.printf("  %-20s %6.2f%%  cosine %.4f%n", s.label(), 100 * s.probability(), s.cosine());
            }
        }
    }
}
