package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelOptions;
import io.clipkit.model.ModelLoader;
import io.clipkit.registry.ClipHome;
import io.clipkit.registry.Downloader;
import io.clipkit.registry.ModelResolver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The model options shared by {@code classify}, {@code tag}, {@code models info}...: which model,
 * where the cache is, vocabulary, device, batch size, activation, EXIF rotation. Use as
 * {@code @Mixin ModelOptionsMixin model;} and call {@link #load()}.
 */
public final class ModelOptionsMixin {
    /** How checkpoints are loaded; tests of the commands substitute a stand-in model here. */
    interface Loader {
        ClipModel load(Path checkpoint, ModelOptions options) throws IOException;
    }

    private static final Loader DEFAULT_LOADER = ClipModel::load;

    static volatile Loader loader = DEFAULT_LOADER;

    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--model", paramLabel = "NAME|PATH", defaultValue = ModelResolver.DEFAULT_MODEL,
            description = "Registry name (see 'clip models list'; pulled on first use), checkpoint file, or folder "
                    + "holding one. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--vocab", paramLabel = "PATH",
            description = "BPE vocabulary (bpe_simple_vocab_16e6.txt.gz). Default: beside the checkpoint, else in the cache.")
    Path vocab;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Model cache. Default: $CLIPKIT_HOME, else $XDG_CACHE_HOME/clipkit, else ~/.cache/clipkit.")
    Path cacheDir;

    @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "Images per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--activation", paramLabel = "quick-gelu|gelu",
            description = "MLP activation. Default: the registry's for registry models, else quick-gelu (OpenAI's).")
    String activation;

    @Option(names = "--no-exif-rotate", description = "Do not rotate images by their EXIF orientation.")
    boolean noExifRotate;

    /** The cache directory ({@code --cache-dir} or the default). */
    public Path cacheDir() {
        return ClipHome.cacheDir(cacheDir);
    }

    public int batchSize() {
        return batchSize;
    }

    public boolean exifRotate() {
        return !noExifRotate;
    }

    /** A resolver that reports downloads on the command's stderr. */
    public ModelResolver resolver() throws IOException {
        PrintWriter err = mixee.commandLine().getErr();
        return new ModelResolver(cacheDir(), new Downloader(), DownloadProgress.forConsole(err), line -> {
            err.println(line);
            err.flush();
        });
    }

    /** Options checked before anything is loaded (usage errors come first). */
    public ModelOptions.Builder checkedOptions() {
        if (model != null && model.isBlank()) {
            // The resolver would take a blank name as the default model and download it.
            throw new IllegalArgumentException("--model is empty: give a registry name (see 'clip models list'), "
                    + "a checkpoint file or a folder holding one");
        }
        ModelOptions.Builder b = ModelOptions.builder().device(device).batchSize(batchSize);
        if (activation != null) {
            b.activation(ModelOptions.Activation.parse(activation));
        }
        return b;
    }

    /** Resolves {@code --model} (pulling a registry model if needed) and the options to load it with. */
    public ModelOptions options(ModelResolver.Resolved r) {
        ModelOptions.Builder b = checkedOptions().name(r.name());
        if (r.vocabulary() != null) {
            b.vocabulary(r.vocabulary());
        }
        if (activation == null && r.activation().isPresent()) {
            b.activation(r.activation().get());
        }
        return b.build();
    }

    /** Resolves and loads the model. */
    public ClipModel load() throws IOException {
        return load(true);
    }

    /** Resolves and loads the model; without {@code needVocabulary}, a missing vocabulary is no error. */
    public ClipModel load(boolean needVocabulary) throws IOException {
        checkedOptions();
        if (loader == DEFAULT_LOADER) {
            ModelLoader.startNativesInBackground(); // overlaps the registry lookup (~0.2 s)
        }
        ModelResolver.Resolved r = resolver().resolve(model, vocab, needVocabulary);
        return loader.load(r.checkpoint(), options(r));
    }

    /** The model's image pipeline, or one without EXIF rotation if {@code --no-exif-rotate}. */
    public ImagePreprocessor preprocessor(ClipModel m) {
        if (exifRotate()) {
            return m.preprocessor();
        }
        return ImagePreprocessor.builder().size(m.info().imageResolution()).exifRotate(false).build();
    }
}
