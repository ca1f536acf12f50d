package io.clipkit;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to load a {@link ClipModel}: device, compute type, activation, threads, vocabulary.
 * Built with {@link #builder()}; the builder validates each value as it is set.
 *
 * <pre>{@code
 * ModelOptions opts = ModelOptions.builder().device("cpu").activation(Activation.QUICK_GELU).build();
 * }</pre>
 */
public record ModelOptions(
        String name,
        String device,
        DType dtype,
        Activation activation,
        int threads,
        Optional<Path> vocabulary,
        int batchSize,
        boolean weightsInBackground,
        Optional<Path> hashCache) {

    /** Validates every value as the builder does, so no path around the checks exists. */
    public ModelOptions {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(hashCache, "hashCache");
        Checks.device(device);
        Checks.threads(threads, true);
        Checks.batchSize(batchSize);
    }

    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Validating builder: every setter rejects a bad value at once, naming it. */
    public static final class Builder {
        private String name = "";
        private String device = "cpu";
        private DType dtype = DType.FP32;
        private Activation activation = Activation.QUICK_GELU;
        private int threads = 0;
        private Path vocabulary;
        private int batchSize = 32;
        private boolean weightsInBackground;
        private Path hashCache;

        /** Model name recorded in provenance (registry name, or the file name). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** DJL device: {@code cpu}, {@code gpu} or {@code gpu:N}. */
        public Builder device(String device) {
            this.device = Checks.device(device);
            return this;
        }

        public Builder dtype(DType dtype) {
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            return this;
        }

        public Builder activation(Activation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** Intra-op threads; 0 keeps the engine's default. */
        public Builder threads(int threads) {
            this.threads = Checks.threads(threads, true);
            return this;
        }

        /** The BPE merges file ({@code bpe_simple_vocab_16e6.txt.gz}); by default looked for beside the checkpoint. */
        public Builder vocabulary(Path vocabulary) {
            this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
            return this;
        }

        /** Images or texts per forward pass. */
        public Builder batchSize(int batchSize) {
            this.batchSize = Checks.batchSize(batchSize);
            return this;
        }

        /**
         * Whether loading returns once the model is described and moves the weights into the engine
         * on a background thread ({@code ClipModel.Builder.weightsInBackground}).
         */
        public Builder weightsInBackground(boolean background) {
            this.weightsInBackground = background;
            return this;
        }

        /**
         * A folder where checkpoints' SHA-256 are remembered by path and file identity
         * ({@code io.clipkit.util.HashCache}; {@code ClipModel.builder()} uses its cache's
         * {@code hashes/}); unset, every load reads the whole file to hash it.
         */
        public Builder hashCache(Path folder) {
            this.hashCache = Objects.requireNonNull(folder, "folder");
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(name, device, dtype, activation, threads, Optional.ofNullable(vocabulary), batchSize,
                    weightsInBackground, Optional.ofNullable(hashCache));
        }
    }
}
