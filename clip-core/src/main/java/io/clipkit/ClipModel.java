package io.clipkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded CLIP model: an image encoder and a text encoder sharing one embedding space.
 * Thread-safe; every call works in its own native memory scope, so no native array outlives it.
 * Close it to free the weights. Loaded with {@link #builder()}.
 *
 * <pre>{@code
 * try (ClipModel model = ClipModel.builder().model("ViT-B-32").device("cpu").load()) {
 *     float[][] img = model.encodeImages(List.of(Path.of("cat.jpg")));
 *     float[][] txt = model.encodeTexts(List.of("a photo of a cat."));
 * }
 * }</pre>
 */
public interface ClipModel extends AutoCloseable {

    /** Starts describing what to load: {@code ClipModel.builder().model("ViT-B-32").load()}. */
    static Builder builder() {
        return new Builder();
    }


    /** What was inferred from the checkpoint, and where it runs. */
    ModelInfo info();

    /** The tokenizer, at this model's context length. */
    ClipTokenizer tokenizer();

    /** The image pipeline at this model's input resolution (EXIF rotation on). */
    ImagePreprocessor preprocessor();

    /** The exponential of the stored {@code logit_scale}. */
    float logitScale();

    /** Embeds image files; L2-normalized. Batched internally. */
    float[][] encodeImages(List<Path> images) throws IOException;

    /**
     * Embeds images already in memory (no EXIF rotation: they carry none); L2-normalized. Batched
     * internally.
     */
    default float[][] encodeBufferedImages(List<java.awt.image.BufferedImage> images) {
        ImagePreprocessor p = preprocessor();
        List<float[]> chw = new java.util.ArrayList<>(images.size());
        for (java.awt.image.BufferedImage image : images) {
            chw.add(p.preprocess(image));
        }
        return encodePreprocessed(chw, true);
    }

    /**
     * Embeds already preprocessed images, each a CHW float array of
     * {@code 3 x info().imageResolution()^2} values.
     */
    float[][] encodePreprocessed(List<float[]> chw, boolean normalize);

    /** Embeds texts (tokenized at the model's context length, too long is an error); L2-normalized. */
    default float[][] encodeTexts(List<String> texts) {
        return encodeTexts(texts, true);
    }

    float[][] encodeTexts(List<String> texts, boolean normalize);

    /** Embeds token id rows ({@code [n][contextLength]}, padded) as given. */
    float[][] encodeTokens(int[][] tokens, boolean normalize);

    @Override
    void close();

    /**
     * Everything about loading a model in one place: where from (a registry name, a file or
     * folder, a classpath resource), where it runs (device, compute type, threads) and how
     * downloads are reported. Each setter checks its value at once and names what is wrong;
     * {@link #load()} does the work.
     *
     * <pre>{@code
     * ClipModel m = ClipModel.builder()
     *         .model("ViT-B-32")              // or .path(Path.of("ViT-B-32.pt")), .resource("/my/model/")
     *         .device("cpu").threads(2).batchSize(32)
     *         .progress(myListener)           // download progress, if it must be pulled
     *         .load();
     * }</pre>
     */
    /** Reads a resolved checkpoint file or folder with the settings it is to run with. */
    @FunctionalInterface
    interface Loader {
        ClipModel load(Path checkpoint, ModelOptions options) throws IOException;
    }

    final class Builder {
        enum SourceKind { NAME_OR_PATH, PATH, RESOURCE }

        SourceKind sourceKind = SourceKind.NAME_OR_PATH;
        String source = io.clipkit.registry.ModelResolver.DEFAULT_MODEL;
        Path path;
        String name = "";
        Path cacheDir;
        Path vocabulary;
        String device = "cpu";
        DType dtype = DType.FP32;
        Activation activation;
        int threads;
        int batchSize = 32;
        boolean allowDownload = true;
        boolean fallbackToBundled;
        boolean weightsInBackground;
        io.clipkit.registry.Downloader.Listener progress = io.clipkit.registry.Downloader.SILENT;
        java.util.function.Consumer<String> notices = line -> { };
        io.clipkit.registry.ModelRegistry registry;
        io.clipkit.registry.Downloader downloader;
        Loader loader = io.clipkit.model.ModelLoader::load;
        java.util.function.Supplier<io.clipkit.model.CpuFeatures> cpu = io.clipkit.model.CpuFeatures::detect;

        Builder() {}

        /** The CPU's features the dtype decision reads (a seam for tests: another machine's flags). */
        Builder cpuFeatures(io.clipkit.model.CpuFeatures features) {
            java.util.Objects.requireNonNull(features, "features");
            this.cpu = () -> features;
            return this;
        }

        /**
         * What reads the resolved checkpoint with the final settings; the default reads it into
         * DJL. A seam for tests and tools (a stand-in model, a counting wrapper).
         */
        public Builder loader(Loader loader) {
            this.loader = java.util.Objects.requireNonNull(loader, "loader");
            return this;
        }

        /**
         * A registry name ({@code ViT-B-32}, see {@code ModelRegistry}; {@code clipkit-mini} is the
         * bundled model, with the {@code io.clipkit:clipkit-mini} artifact on the classpath), else a
         * path to a checkpoint file or a model folder. The default is {@code ViT-B-32}.
         */
        public Builder model(String nameOrPath) {
            if (nameOrPath == null || nameOrPath.isBlank()) {
                throw new IllegalArgumentException("model is empty: give a registry name, a checkpoint file or a model folder");
            }
            this.sourceKind = SourceKind.NAME_OR_PATH;
            this.source = nameOrPath.strip();
            return this;
        }

        /** A checkpoint file, or a folder holding a model (one checkpoint, or a hub layout). */
        public Builder path(Path fileOrFolder) {
            this.sourceKind = SourceKind.PATH;
            this.path = java.util.Objects.requireNonNull(fileOrFolder, "path");
            return this;
        }

        /**
         * A model shipped on the classpath: the resource folder holding it (e.g. a bundled model's
         * artifact). It is copied once into the cache and loaded from there.
         */
        public Builder resource(String resourceFolder) {
            if (resourceFolder == null || resourceFolder.isBlank()) {
                throw new IllegalArgumentException("resource is empty");
            }
            this.sourceKind = SourceKind.RESOURCE;
            this.source = resourceFolder;
            return this;
        }

        /** Name recorded in provenance; default the registry name or the file name. */
        public Builder name(String name) {
            this.name = java.util.Objects.requireNonNull(name, "name");
            return this;
        }

        /** The model cache; default {@code $CLIPKIT_HOME}, else {@code $XDG_CACHE_HOME/clipkit}, else {@code ~/.cache/clipkit}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = java.util.Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** A vocabulary file overriding the model's own (default: the folder's, else CLIP's bundled one). */
        public Builder vocabulary(Path vocabulary) {
            this.vocabulary = java.util.Objects.requireNonNull(vocabulary, "vocabulary");
            return this;
        }

        /** DJL device: {@code cpu}, {@code gpu} or {@code gpu:N}. */
        public Builder device(String device) {
            this.device = Checks.device(device);
            return this;
        }

        /**
         * Compute type (default fp32). {@link DType#BF16} on CPU computes the encoders' matrix products
         * in bf16 through oneDNN (AVX512-BF16 or AMX); on a CPU without those instructions it falls back
         * to fp32 with a {@link #notices notice}.
         */
        public Builder dtype(DType dtype) {
            this.dtype = java.util.Objects.requireNonNull(dtype, "dtype");
            return this;
        }

        /** Overrides the activation the model's config or registry entry gives (OpenAI files: quick-gelu). */
        public Builder activation(Activation activation) {
            this.activation = java.util.Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** Intra-op threads of the engine; 0 (default) keeps the engine's default. */
        public Builder threads(int threads) {
            this.threads = Checks.threads(threads, true);
            return this;
        }

        /** Images or texts per forward pass (default 32). */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /**
         * Whether {@link #load()} returns as soon as the model is described ({@link ClipModel#info()}:
         * its spec, checksum and kernel are known) and moves the weights into the engine on a
         * background thread (default false: load() returns a ready model). The first call that needs
         * the weights waits for them; meanwhile the caller can decode images ({@code clip tag} and
         * {@code clip index} do: converting ViT-B/32's weights takes about a second of one core). A
         * failure while moving them is thrown, as a {@link ClipException} naming the checkpoint, by
         * that call and every later one.
         *
         * <pre>{@code
         * ClipModel m = ClipModel.builder().model("ViT-B-32").weightsInBackground(true).load();
         * ImagePreprocessor pre = m.preprocessor();        // at once
         * float[] chw = pre.preprocess(Path.of("a.jpg"));  // while the weights load
         * float[][] e = m.encodePreprocessed(List.of(chw), true); // waits for them
         * }</pre>
         */
        public Builder weightsInBackground(boolean background) {
            this.weightsInBackground = background;
            return this;
        }

        /** Whether a registry model missing from the cache may be downloaded (default true). */
        public Builder allowDownload(boolean allow) {
            this.allowDownload = allow;
            return this;
        }

        /**
         * Whether a registry model that is not in the cache and cannot be had (downloads off, or the
         * download fails: no network) is replaced by the bundled model
         * {@value io.clipkit.registry.ModelResolver#BUNDLED_MODEL} (default false: such a model is an
         * error). The replacement says so in one notice line and in {@link ModelInfo#fallbackFor()}
         * (hence in every result's provenance). Needs the {@code io.clipkit:clipkit-mini} artifact on
         * the classpath. Files, folders and resources never fall back.
         *
         * <pre>{@code
         * ClipModel m = ClipModel.builder().fallbackToBundled(true).notices(System.err::println).load();
         * if (!m.info().fallbackFor().isEmpty()) { ... }   // running clipkit-mini instead of ViT-B-32
         * }</pre>
         */
        public Builder fallbackToBundled(boolean fallback) {
            this.fallbackToBundled = fallback;
            return this;
        }

        /** Receives download progress when a registry model is pulled. */
        public Builder progress(io.clipkit.registry.Downloader.Listener listener) {
            this.progress = java.util.Objects.requireNonNull(listener, "progress");
            return this;
        }

        /** Receives one-line notices (e.g. that a model is being downloaded, and from where). */
        public Builder notices(java.util.function.Consumer<String> notices) {
            this.notices = java.util.Objects.requireNonNull(notices, "notices");
            return this;
        }

        /** The registry to look names up in; default the built-in one merged with the cache's {@code registry.json}. */
        public Builder registry(io.clipkit.registry.ModelRegistry registry) {
            this.registry = java.util.Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** The downloader (timeouts, retries); default {@code new Downloader()}. */
        public Builder downloader(io.clipkit.registry.Downloader downloader) {
            this.downloader = java.util.Objects.requireNonNull(downloader, "downloader");
            return this;
        }

        /**
         * Resolves the source (pulling a registry model if allowed), reads the weights and returns
         * the model.
         *
         * @throws IOException if a file cannot be read or a download fails (the message says what to
         *     download and where to put it)
         * @throws IllegalArgumentException if the source is neither a registry name nor an existing path
         * @throws ClipException if the files are not a model this library understands
         */
        public ClipModel load() throws IOException {
            Path cache = io.clipkit.registry.ClipHome.cacheDir(cacheDir);
            Path file;
            String resolvedName;
            java.util.Optional<Activation> registryActivation = java.util.Optional.empty();
            io.clipkit.registry.ModelRegistry.Entry cached = null;
            io.clipkit.registry.ModelResolver registryResolver = null;
            Path vocab = vocabulary;
            String standsInFor = null; // the registry model the bundled one replaces, if it does
            switch (sourceKind) {
                case PATH -> {
                    file = path;
                    resolvedName = path.getFileName() == null ? path.toString() : path.getFileName().toString();
                }
                case RESOURCE -> {
                    file = io.clipkit.model.BundledModels.extract(source, cache);
                    // the resource folder's last segment (the extracted folder is named by a hash)
                    String[] parts = source.replaceAll("/+$", "").split("/");
                    resolvedName = parts[parts.length - 1];
                }
                default -> {
                    java.util.Optional<io.clipkit.registry.ModelResolver.Resolved> local =
                            io.clipkit.registry.ModelResolver.existingPath(source, vocabulary);
                    if (local.isPresent()) {
                        // a path wins over a registry name: the registry (a JSON read, ~0.3 s cold) is not needed
                        file = local.get().checkpoint();
                        resolvedName = local.get().name();
                        if (vocab == null) {
                            vocab = local.get().vocabulary();
                        }
                        break;
                    }
                    io.clipkit.registry.ModelResolver resolver = new io.clipkit.registry.ModelResolver(cache,
                            registry != null ? registry : io.clipkit.registry.ModelRegistry.loadFor(source, cache, notices),
                            downloader != null ? downloader : new io.clipkit.registry.Downloader(), progress, notices);
                    io.clipkit.registry.ModelResolver.Resolved r;
                    try {
                        r = resolver.resolve(source, vocabulary, allowDownload);
                    } catch (IOException e) {
                        java.util.Optional<io.clipkit.registry.ModelRegistry.Entry> bundled = standIn(resolver, e);
                        if (bundled.isEmpty()) {
                            throw e;
                        }
                        if (!fallbackToBundled) {
                            throw new IOException(e.getMessage() + "; or use the bundled model instead: model(\""
                                    + bundled.get().name() + "\") (small and less accurate)", e);
                        }
                        standsInFor = resolver.registry().find(source).orElseThrow().name();
                        notices.accept(standsInFor + " is not in the cache and could not be had (" + shortReason(e)
                                + "); using the bundled model " + bundled.get().name() + " instead (small and less accurate). "
                                + "To use " + standsInFor + ", load it once with downloads allowed and network access");
                        r = resolver.resolve(bundled.get().name(), vocabulary, false);
                    }
                    file = r.checkpoint();
                    resolvedName = r.name();
                    registryActivation = r.activation();
                    if (r.entry().isPresent()) {
                        cached = r.entry().get();
                        registryResolver = resolver;
                    }
                    if (vocab == null) {
                        vocab = r.vocabulary();
                    }
                }
            }
            ModelOptions.Builder o = ModelOptions.builder()
                    .name(name.isEmpty() ? resolvedName : name)
                    .device(device).dtype(io.clipkit.model.ModelLoader.effectiveDType(dtype, device, cpu.get(), notices))
                    .threads(threads).batchSize(batchSize).weightsInBackground(weightsInBackground)
                    .hashCache(cache.resolve("hashes")) // a checkpoint loaded again is not read again to hash it
                    // a stand-in runs as its own config says, whatever was set for the model it replaces
                    .activation(activation != null && standsInFor == null ? activation
                            : registryActivation.isPresent() ? registryActivation.get() : configActivation(file));
            if (vocab != null) {
                o.vocabulary(vocab);
            }
            ClipModel model = loader.load(file, o.build());
            if (standsInFor != null) {
                return new BundledFallback(model, standsInFor);
            }
            if (cached != null) {
                // A registry model from the cache: its weights must still be what the registry names.
                try {
                    registryResolver.checkLoaded(cached, model.info().checkpointSha256());
                } catch (IOException | RuntimeException e) {
                    model.close();
                    throw e;
                }
            }
            return model;
        }

        /**
         * The bundled model that could stand in after {@code failure}: when the source is a registry
         * model (not a path) that is not cached (so the failure is that it could not be had, not that
         * a cached copy is damaged) and the bundled model is on the classpath. Empty otherwise; when
         * this builder may fall back but the bundled artifact is missing, {@code failure} says so.
         */
        private java.util.Optional<io.clipkit.registry.ModelRegistry.Entry> standIn(
                io.clipkit.registry.ModelResolver resolver, IOException failure) throws IOException {
            java.util.Optional<io.clipkit.registry.ModelRegistry.Entry> wanted = resolver.registry().find(source);
            java.util.Optional<io.clipkit.registry.ModelRegistry.Entry> bundled = resolver.registry()
                    .find(io.clipkit.registry.ModelResolver.BUNDLED_MODEL).filter(io.clipkit.registry.ModelRegistry.Entry::bundled);
            if (wanted.isEmpty() || wanted.get().bundled() || Files.exists(Path.of(source)) || resolver.isCached(wanted.get())
                    || bundled.isEmpty()) {
                return java.util.Optional.empty();
            }
            if (!resolver.isCached(bundled.get())) {
                if (fallbackToBundled) {
                    failure.addSuppressed(new java.io.FileNotFoundException("the bundled fallback " + bundled.get().name()
                            + " is not on the classpath either (add the Maven dependency " + bundled.get().artifact() + ")"));
                }
                return java.util.Optional.empty();
            }
            return bundled;
        }

        /** Why the registry model could not be had, in a few words, for the one-line notice. */
        private String shortReason(IOException e) {
            if (!allowDownload) {
                return "downloads are off";
            }
            Throwable why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
            return "the download failed: " + why.getMessage();
        }

        /** What a transformers or open_clip folder's config states, else QuickGELU (OpenAI's files do not record it). */
        private static Activation configActivation(Path file) throws IOException {
            return io.clipkit.model.hub.ModelFolder.of(file).activation().orElse(Activation.QUICK_GELU);
        }
    }
}
