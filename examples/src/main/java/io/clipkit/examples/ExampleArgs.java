package io.clipkit.examples;

import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.registry.ClipHome;
import io.clipkit.registry.Downloader;
import io.clipkit.registry.ModelResolver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The examples' tiny argument parsing: {@code [--model NAME|PATH] [--vocab PATH] ARGS...}. */
final class ExampleArgs {
    String model = ModelResolver.DEFAULT_MODEL;
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
        ModelResolver resolver = new ModelResolver(ClipHome.cacheDir(null), new Downloader(), Downloader.SILENT,
                System.err::println);
        ModelResolver.Resolved r = resolver.resolve(model, vocab);
        ModelOptions.Builder opts = ModelOptions.builder().name(r.name()).vocabulary(r.vocabulary());
        r.activation().ifPresent(opts::activation);
        return ClipModel.load(r.checkpoint(), opts.build());
    }
}
