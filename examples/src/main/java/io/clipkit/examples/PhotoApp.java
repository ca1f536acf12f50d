package io.clipkit.examples;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ZeroShotClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A photo app's use: ONE model and ONE classifier, shared by several worker threads that each
 * classify the photos users upload. Both are thread-safe; label embeddings are computed once.
 *
 * <pre>
 * mvn -q -o -pl examples -am compile exec:java -Dexec.mainClass=io.clipkit.examples.PhotoApp \
 *     -Dexec.args="--model ViT-B-32.pt /usr/share/backgrounds/mate"
 * </pre>
 */
public final class PhotoApp {
    private static final List<String> ALBUMS = List.of(
            "landscape", "city", "beach", "forest", "mountains", "flowers", "animal", "food", "abstract art", "night sky");

    private PhotoApp() {}

    public static void main(String[] args) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args);
        if (a.rest.size() != 1) {
            System.err.println("usage: PhotoApp [--model NAME|PATH] [--vocab PATH] FOLDER");
            System.exit(2);
        }
        List<Path> photos;
        try (Stream<Path> s = Files.walk(Path.of(a.rest.get(0)))) {
            photos = s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().toLowerCase().matches(".*\\.(jpe?g|png|webp|bmp)"))
                    .sorted().limit(40).toList();
        }
        try (ClipModel model = a.load();
             ZeroShotClassifier albums = ZeroShotClassifier.builder().model(model).labels(ALBUMS).topK(2).build()) {
            ExecutorService workers = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> answers = new ArrayList<>();
                for (Path photo : photos) {
                    // Each upload is handled on some worker thread; all share the same classifier.
                    answers.add(workers.submit(() -> describe(albums, photo)));
                }
                for (Future<String> f : answers) {
                    System.out.println(f.get());
                }
            } finally {
                workers.shutdown();
            }
        }
    }

    private static String describe(ZeroShotClassifier albums, Path photo) {
        try {
            Classification c = albums.classify(photo);
            return String.format("%-60s -> %s (%.0f%%), %s (%.0f%%)  [%s]", photo.getFileName(),
                    c.labels().get(0).label(), 100 * c.labels().get(0).probability(),
                    c.labels().get(1).label(), 100 * c.labels().get(1).probability(), Thread.currentThread().getName());
        } catch (ImageDecodeException e) {
            return "skipped " + e.getMessage();
        } catch (IOException e) {
            return "skipped " + photo + ": " + e.getMessage();
        }
    }
}
