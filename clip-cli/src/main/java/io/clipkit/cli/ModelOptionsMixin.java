package io.clipkit.cli;

import io.clipkit.Activation;
import io.clipkit.ClipModel;
import io.clipkit.DType;
import io.clipkit.registry.ClipHome;
import io.clipkit.registry.ModelResolver;
import io.clipkit.model.ModelLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The model options every command that loads a model shares ({@code classify}, {@code tag},
 * {@code embed}, {@code models info}): which model, the cache, vocabulary, device, compute type,
 * threads, batch size, activation (how images are decoded is {@link DecodeOptionsMixin}'s). Use as {@code @Mixin ModelOptionsMixin model;} and call
 * {@link #load()}; it fills one {@link ClipModel#builder()}.
 */
public final class ModelOptionsMixin {
    /** Applied to every builder before it loads: the command line's seam for tests (a stand-in loader). */
    private final UnaryOperator<ClipModel.Builder> customizer;

    public ModelOptionsMixin() {
        this(UnaryOperator.identity());
    }

    ModelOptionsMixin(UnaryOperator<ClipModel.Builder> customizer) {
        this.customizer = customizer;
    }

    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    @Option(names = "--model", paramLabel = "NAME|PATH", defaultValue = ModelResolver.DEFAULT_MODEL,
            description = "Registry name (see 'clip models list'; pulled on first use), checkpoint file, or model "
                    + "folder. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--vocab", paramLabel = "PATH",
            description = "BPE vocabulary (bpe_simple_vocab_16e6.txt.gz). Default: the model folder's, else CLIP's bundled one.")
    Path vocab;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Model cache. Default: $CLIPKIT_HOME, else $XDG_CACHE_HOME/clipkit, else ~/.cache/clipkit.")
    Path cacheDir;

    @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", paramLabel = "fp32|fp16|bf16|int8", defaultValue = "fp32", converter = DTypeConverter.class,
            description = "Compute type: fp32, fp16, bf16 or int8 (bf16, int8: CPU only, the matrix products through "
                    + "oneDNN; bf16 needs AVX512-BF16 or AMX, int8 AVX512-VNNI or AMX, else fp32 with a notice). "
                    + "Default: ${DEFAULT-VALUE}.")
    DType dtype;

    @Option(names = "--encoder-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads each encoder call uses, 1..256 (0: the engine's default).")
    int threads;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "Images per forward pass. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--activation", paramLabel = "quick-gelu|gelu", converter = ActivationConverter.class,
            description = "MLP activation. Default: the model's config or registry entry, else quick-gelu (OpenAI's).")
    Activation activation;

    static final class DTypeConverter implements picocli.CommandLine.ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            return DType.parse(value);
        }
    }

    static final class ActivationConverter implements picocli.CommandLine.ITypeConverter<Activation> {
        @Override
        public Activation convert(String value) {
            return Activation.parse(value);
        }
    }

    /** The cache directory ({@code --cache-dir} or the default). */
    public Path cacheDir() {
        return ClipHome.cacheDir(cacheDir);
    }

    public int batchSize() {
        return batchSize;
    }

    /** The builder these options describe; usage errors (bad values) surface here, before any loading. */
    public ClipModel.Builder builder() {
        if (model != null && model.isBlank()) {
            throw new IllegalArgumentException("--model is empty: give a registry name (see 'clip models list'), "
                    + "a checkpoint file or a model folder");
        }
        PrintWriter err = mixee.commandLine().getErr();
        ClipModel.Builder b;
        try {
            b = ClipModel.builder().model(model).cacheDir(cacheDir()).device(device).dtype(dtype).batchSize(batchSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CliNames.flags(e.getMessage()), e);
        }
        try {
            b.threads(threads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("threads", "--encoder-threads"), e);
        }
        if (vocab != null) {
            b.vocabulary(vocab);
        }
        if (activation != null) {
            b.activation(activation);
        }
        b.progress(DownloadProgress.forConsole(err)).notices(line -> {
            err.println("clip: " + CliNames.cli(line));
            err.flush();
        });
        return customizer.apply(b);
    }

    /** Whether {@code --model} was given (else the default, {@value ModelResolver#DEFAULT_MODEL}, is used). */
    public boolean modelChosen() {
        CommandLine.ParseResult pr = mixee.commandLine().getParseResult();
        return pr != null && pr.hasMatchedOption("--model");
    }

    /** {@code --encoder-threads} as given (0: not given). */
    public int encoderThreads() {
        return threads;
    }

    /** Checks the options without loading (usage errors come before slow work). */
    public void check() {
        builder();
    }

    /**
     * Resolves and loads the model.
     *
     * @throws IOException never in fact (failures are {@link ModelUnavailableException}s); kept so
     *     callers written against the earlier signature still compile
     */
    public ClipModel load() throws IOException {
        return load(builder());
    }

    /**
     * Loads the model {@code b} describes (this mixin's {@link #builder()}, perhaps adjusted). Any
     * failure to find, download or read it becomes a {@link ModelUnavailableException} with the same
     * message, so every model problem has one exit code.
     */
    public ClipModel load(ClipModel.Builder b) throws IOException {
        ModelLoader.startNativesInBackground(); // overlaps the registry lookup (~0.2 s)
        try {
            return b.load();
        } catch (IOException | RuntimeException e) {
            throw new ModelUnavailableException(e);
        }
    }

    /** The model given by {@code --model} could not be found, downloaded or loaded (the cause says why). */
    static final class ModelUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ModelUnavailableException(Exception cause) {
            super(ClipCommand.describe(cause), cause);
        }
    }
}
