package io.clipkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Contrastive training of a CLIP model on image-caption pairs, with open_clip's default semantics:
 * the loss is the mean of the two cross-entropies of {@code exp(logit_scale) * img @ txt.T} over
 * the batch (normalized embeddings, the diagonal as targets); AdamW with betas (0.9, 0.98), eps
 * 1e-6 and weight decay on every parameter except those with fewer than two dimensions or named
 * as gains/biases ({@code ln}, {@code bn}, {@code bias}, {@code logit_scale}); linear warm-up then
 * cosine decay (or constant); {@code logit_scale} clamped to [0, ln 100] after each step. Runs on
 * DJL's PyTorch engine (libtorch autograd), on the CPU or a GPU.
 *
 * <p>Writes an open_clip hub folder ({@code open_clip_config.json} and
 * {@code open_clip_model.safetensors}, fp32) that {@link ClipModel#builder()} and Python's open_clip
 * load, a {@code log.jsonl} with one line per step, and resumable checkpoints.
 *
 * <pre>{@code
 * Trainer.Result r = Trainer.builder()
 *         .data(Path.of("pairs.tsv"))          // path<TAB>caption lines, JSONL, or a folder per class
 *         .init("ViT-B-32")                   // fine-tune; or .architecture(Trainer.Architecture.vit(...))
 *         .output(Path.of("my-model"))
 *         .steps(1000).batchSize(64).lr(5e-5).warmup(100)
 *         .train();
 * try (ClipModel m = ClipModel.builder().path(r.output()).load()) { ... }
 * }</pre>
 */
public final class Trainer {
    private Trainer() {}

    /** Starts describing a training run. */
    public static Builder builder() {
        return new Builder();
    }

    /** The learning-rate schedule after the linear warm-up. */
    public enum Schedule {
        /** Half a cosine from the peak rate down to 0 at the last step (open_clip's default). */
        COSINE,
        /** The peak rate until the end. */
        CONSTANT
    }

    /**
     * The shape of a new model (training from scratch). Attention heads are width / 64 in every
     * tower, as in OpenAI's and open_clip's CLIP, so widths must be at least 64.
     *
     * @param embedDim joint embedding size
     * @param imageSize input side in pixels
     * @param visionWidth ViT width, or ResNet stem width
     * @param visionLayers ViT layers (0 for a ResNet)
     * @param resnetBlocks blocks per ResNet stage (4 values), empty for a ViT
     * @param patchSize ViT patch size (0 for a ResNet)
     * @param textWidth text transformer width
     * @param textLayers text transformer layers
     * @param contextLength token positions
     * @param vocabSize token embedding rows (49408 for CLIP's tokenizer)
     */
    public record Architecture(int embedDim, int imageSize, int visionWidth, int visionLayers, List<Integer> resnetBlocks,
            int patchSize, int textWidth, int textLayers, int contextLength, int vocabSize) {
        public Architecture {
            resnetBlocks = List.copyOf(resnetBlocks);
            positive("embed dim", embedDim);
            positive("image size", imageSize);
            positive("text layers", textLayers);
            if (contextLength < 2) {
                throw new IllegalArgumentException("context length must be >= 2, got " + contextLength);
            }
            if (vocabSize < 2) {
                throw new IllegalArgumentException("vocabulary size must be >= 2, got " + vocabSize);
            }
            heads("text width", textWidth);
            if (resnetBlocks.isEmpty()) {
                positive("vision layers", visionLayers);
                positive("patch size", patchSize);
                heads("vision width", visionWidth);
                if (imageSize % patchSize != 0) {
                    throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch size "
                            + patchSize);
                }
            } else {
                if (resnetBlocks.size() != 4 || resnetBlocks.stream().anyMatch(b -> b == null || b < 1)) {
                    throw new IllegalArgumentException("a ResNet needs 4 positive block counts, got " + resnetBlocks);
                }
                if (visionWidth < 2 || visionWidth % 2 != 0) { // attention-pool heads: 32 * width / 64
                    throw new IllegalArgumentException("ResNet width must be even and at least 2, got " + visionWidth);
                }
                if (imageSize % 32 != 0) {
                    throw new IllegalArgumentException("a ResNet's image size must be a multiple of 32, got " + imageSize);
                }
            }
        }

        /** A vision transformer image tower. */
        public static Architecture vit(int embedDim, int imageSize, int patchSize, int width, int layers, int textWidth,
                int textLayers, int contextLength, int vocabSize) {
            return new Architecture(embedDim, imageSize, width, layers, List.of(), patchSize, textWidth, textLayers,
                    contextLength, vocabSize);
        }

        /** CLIP's modified ResNet image tower. */
        public static Architecture resnet(int embedDim, int imageSize, int width, List<Integer> blocks, int textWidth,
                int textLayers, int contextLength, int vocabSize) {
            return new Architecture(embedDim, imageSize, width, 0, blocks, 0, textWidth, textLayers, contextLength,
                    vocabSize);
        }

        /** Whether the image tower is a vision transformer. */
        public boolean vit() {
            return resnetBlocks.isEmpty();
        }

        private static void positive(String what, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(what + " must be positive, got " + v);
            }
        }

        private static void heads(String what, int width) {
            int heads = width / 64;
            if (heads < 1 || width % heads != 0) {
                throw new IllegalArgumentException(what + " " + width + " gives " + heads
                        + " attention heads (width/64), which does not divide it: use 64 or more, e.g. a multiple of 64");
            }
        }
    }

    /**
     * One optimizer step.
     *
     * @param step 1-based step number
     * @param steps total steps of the run
     * @param epoch passes over the data completed before this step's batch started
     * @param loss the batch's contrastive loss
     * @param lr learning rate used
     * @param logitScale {@code exp(logit_scale)} after the step
     * @param imagesPerSecond batch size over the step's wall time (data wait included)
     */
    public record Step(int step, int steps, int epoch, double loss, double lr, double logitScale, double imagesPerSecond) {}

    /**
     * A zero-shot evaluation on a labelled folder (one sub-folder per label).
     *
     * @param epoch epochs completed
     * @param step steps completed
     * @param images images classified
     * @param labels labels (sub-folders)
     * @param top1 fraction whose best label is their folder's
     */
    public record Evaluation(int epoch, int step, int images, int labels, double top1) {}

    /**
     * What a finished run wrote.
     *
     * @param output the open_clip hub folder
     * @param steps steps trained in total (with the ones before a resume)
     * @param loss the last step's loss
     * @param skippedImages distinct images that could not be read, skipped
     * @param evaluations zero-shot evaluations, in order
     */
    public record Result(Path output, int steps, double loss, int skippedImages, List<Evaluation> evaluations) {
        public Result {
            evaluations = List.copyOf(evaluations);
        }
    }

    /** Receives progress; called on the training thread. */
    public interface Listener {
        /** After each step. */
        default void onStep(Step step) {}

        /** After each zero-shot evaluation. */
        default void onEvaluation(Evaluation evaluation) {}

        /** One-line notices: a skipped image, a checkpoint written, a resume. */
        default void onNotice(String notice) {}
    }

    /** Every setting of a run, checked as it is set; {@link #train()} does the work. */
    public static final class Builder {
        Path data;
        List<String> templates = PromptTemplates.defaults();
        String init;
        Architecture architecture;
        Activation activation;
        Path output;
        int steps;
        double epochs;
        int batchSize = 64;
        double lr = 5e-4;
        double weightDecay = 0.2;
        int warmup = -1;
        Schedule schedule = Schedule.COSINE;
        long seed;
        boolean shuffle = true;
        boolean augment = true;
        boolean lockImage;
        boolean lockText;
        int threads;
        String device = "cpu";
        int checkpointEvery;
        boolean resume;
        Path evalFolder;
        int maxSkippedImages = 100;
        Path cacheDir;
        Listener listener = new Listener() { };

        Builder() {}

        /**
         * The pairs: a {@code .tsv} file ({@code path<TAB>caption}, no header), a {@code .jsonl}
         * file ({@code {"image": ..., "caption": ...}} or {@code "captions": [...]}), image paths
         * absolute or relative to the file; or a folder with one sub-folder of images per class,
         * captioned through {@link #templates}.
         */
        public Builder data(Path data) {
            this.data = Objects.requireNonNull(data, "data");
            return this;
        }

        /** Caption templates for a folder-per-class data set (default {@code a photo of a {}.}). */
        public Builder templates(List<String> templates) {
            this.templates = PromptTemplates.check(templates);
            return this;
        }

        /** Fine-tunes this model: a registry name, a checkpoint file or a model folder. */
        public Builder init(String nameOrPath) {
            if (nameOrPath == null || nameOrPath.isBlank()) {
                throw new IllegalArgumentException("init model is empty: give a registry name, a checkpoint file or a model folder");
            }
            this.init = nameOrPath.strip();
            this.architecture = null;
            return this;
        }

        /** Trains a new model of this shape from random weights (open_clip's initialization). */
        public Builder architecture(Architecture architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
            this.init = null;
            return this;
        }

        /** MLP activation; default the init model's (OpenAI: quick-gelu), quick-gelu for a new model. */
        public Builder activation(Activation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** The folder to write (created; must not already hold another run unless resuming). */
        public Builder output(Path output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** Optimizer steps (this or {@link #epochs}). */
        public Builder steps(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be positive, got " + steps);
            }
            this.steps = steps;
            this.epochs = 0;
            return this;
        }

        /** Passes over the data (may be fractional); steps = ceil(epochs * pairs / batch size). */
        public Builder epochs(double epochs) {
            if (!(epochs > 0) || Double.isInfinite(epochs)) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            this.epochs = epochs;
            this.steps = 0;
            return this;
        }

        /** Pairs per step (default 64). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 2 || batchSize > 4096) {
                throw new IllegalArgumentException("batch size must be in 2..4096 for training (a contrastive batch needs negatives), got "
                        + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Peak learning rate (default 5e-4, open_clip's). */
        public Builder lr(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rate must be positive, got " + lr);
            }
            this.lr = lr;
            return this;
        }

        /** AdamW weight decay (default 0.2, open_clip's). */
        public Builder weightDecay(double weightDecay) {
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        /** Linear warm-up steps; default open_clip's 10000, capped at a tenth of the run. */
        public Builder warmup(int warmup) {
            if (warmup < 0) {
                throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
            }
            this.warmup = warmup;
            return this;
        }

        /** The schedule after warm-up (default cosine). */
        public Builder schedule(Schedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /** Seeds data order, augmentation, caption choice and a new model's weights (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether each epoch takes the pairs in a new random order (default true); false: file order, wrapping. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Whether images are augmented (default true); false: the model's own preprocessing only. */
        public Builder augment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /** Freezes the image tower and trains the text tower (LiT). */
        public Builder lockImage(boolean lock) {
            this.lockImage = lock;
            return this;
        }

        /** Freezes the text tower and trains the image tower. */
        public Builder lockText(boolean lock) {
            this.lockText = lock;
            return this;
        }

        /**
         * Engine intra-op threads (libtorch's setting is process-wide) and image decoding threads; 0
         * (default) keeps the engine's default and decodes on one thread per core.
         */
        public Builder threads(int threads) {
            this.threads = Checks.threads(threads, true);
            return this;
        }

        /** DJL device: {@code cpu}, {@code gpu} or {@code gpu:N}. */
        public Builder device(String device) {
            if (device == null || !device.matches("cpu|gpu(:\\d+)?")) {
                throw new IllegalArgumentException("bad device '" + device + "': use cpu, gpu or gpu:N");
            }
            this.device = device;
            return this;
        }

        /** Writes a resumable checkpoint every this many steps (0, the default: only at the end). */
        public Builder checkpointEvery(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + steps);
            }
            this.checkpointEvery = steps;
            return this;
        }

        /** Continues the run in {@link #output} from its latest checkpoint, exactly (optimizer, data position). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** A labelled folder (one sub-folder of images per label) to evaluate zero-shot after each epoch. */
        public Builder evalFolder(Path folder) {
            this.evalFolder = Objects.requireNonNull(folder, "evalFolder");
            return this;
        }

        /** Distinct unreadable images tolerated (skipped) before the run stops (default 100). */
        public Builder maxSkippedImages(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxSkippedImages must be >= 0, got " + max);
            }
            this.maxSkippedImages = max;
            return this;
        }

        /** The model cache for {@link #init} names; default as {@link ClipModel.Builder#cacheDir}. */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** Receives steps, evaluations and notices. */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Runs the training and writes the output folder.
         *
         * @throws IllegalArgumentException for bad settings or data (an empty caption names its line)
         * @throws IOException if the data or the model cannot be read, or the output cannot be written
         * @throws ClipException if the loss becomes NaN (the last good checkpoint is kept) or too many
         *     images are unreadable
         */
        public Result train() throws IOException {
            if (data == null) {
                throw new IllegalArgumentException("no training data: set data(...)");
            }
            if (output == null) {
                throw new IllegalArgumentException("no output folder: set output(...)");
            }
            if (init == null && architecture == null) {
                throw new IllegalArgumentException("no model: set init(...) to fine-tune or architecture(...) for a new one");
            }
            if (steps == 0 && epochs == 0) {
                throw new IllegalArgumentException("no run length: set steps(...) or epochs(...)");
            }
            if (lockImage && lockText) {
                throw new IllegalArgumentException("both towers locked: nothing to train");
            }
            return io.clipkit.train.TrainingRun.run(new io.clipkit.train.TrainingRun.Settings(data, templates, init,
                    architecture, activation, output, steps, epochs, batchSize, lr, weightDecay, warmup, schedule, seed,
                    shuffle, augment, lockImage, lockText, threads, device, checkpointEvery, resume, evalFolder,
                    maxSkippedImages, cacheDir, listener));
        }
    }
}
