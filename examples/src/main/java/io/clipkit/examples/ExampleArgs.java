package io.clipkit.examples;

import io.clipkit.ClipModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The examples' tiny argument parsing: {@code [--model NAME|PATH] [--vocab PATH] ARGS...}. */
final class ExampleArgs {
    String model = "ViT-B-32";
    Path vocab;
    final List<String> rest = new ArrayList<>();

    static ExampleArgs parse(String[] args) {
        ExampleArgs a = new ExampleArgs();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> a.model = args[++i];
                case "--vocab" -> a.vocab = Path.of(args[++i]);
                default -> a.rest.add(args[i]);
            }
        }
        return a;
    }

    /** Loads a registry model (downloaded once into the cache) or a checkpoint path, as the CLI does. */
    ClipModel load() throws IOException {
        ClipModel.Builder b = ClipModel.builder().model(model).notices(System.err::println);
        if (vocab != null) {
            b.vocabulary(vocab);
        }
        return b.load();
    }
}
