package io.clipkit.cli;

import io.clipkit.Activation;
import io.clipkit.PromptTemplates;
import io.clipkit.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clip train}: contrastive training (fine-tune or from scratch) into an open_clip hub folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Trains a CLIP model on image-caption pairs with open_clip's default recipe (symmetric contrastive loss,",
            "AdamW betas 0.9/0.98 eps 1e-6, warm-up then cosine, logit scale clamped to [0, ln 100]) and writes an",
            "open_clip hub folder (open_clip_config.json + open_clip_model.safetensors, fp32), log.jsonl (one line",
            "per step) and checkpoints/ (for --resume).",
            "DATA: a .tsv (path<TAB>caption per line, no header), a .jsonl ({\"image\": ..., \"caption\": ...} or",
            "\"captions\": [...]; paths absolute or relative to the file), or a folder with one sub-folder of images",
            "per class (captions from the folder name through --templates)."})
public final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DATA", description = "Image-caption pairs: .tsv, .jsonl, or a folder per class.")
    Path data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Output folder (created; must not hold another run unless --resume).")
    Path output;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    static final class Source {
        @Option(names = "--init", paramLabel = "NAME|PATH",
                description = "Fine-tune this model: registry name, checkpoint file or model folder.")
        String init;

        @ArgGroup(exclusive = false, heading = "New model (when no --init; heads are width/64):%n")
        NewModel fresh;
    }

    static final class NewModel {
        @Option(names = "--image-size", defaultValue = "64", paramLabel = "PX", description = "Input side. Default: ${DEFAULT-VALUE}.")
        int imageSize;

        @Option(names = "--patch-size", defaultValue = "16", paramLabel = "PX", description = "ViT patch size. Default: ${DEFAULT-VALUE}.")
        int patchSize;

        @Option(names = "--vision-width", defaultValue = "128", paramLabel = "W",
                description = "ViT width (ResNet: stem width). Default: ${DEFAULT-VALUE}.")
        int visionWidth;

        @Option(names = "--vision-layers", defaultValue = "4", paramLabel = "N", description = "ViT layers. Default: ${DEFAULT-VALUE}.")
        int visionLayers;

        @Option(names = "--resnet", paramLabel = "B1,B2,B3,B4", split = ",",
                description = "A ResNet image tower with these blocks per stage instead of a ViT (e.g. 1,1,1,1).")
        List<Integer> resnet;

        @Option(names = "--text-width", defaultValue = "128", paramLabel = "W", description = "Text width. Default: ${DEFAULT-VALUE}.")
        int textWidth;

        @Option(names = "--text-layers", defaultValue = "2", paramLabel = "N", description = "Text layers. Default: ${DEFAULT-VALUE}.")
        int textLayers;

        @Option(names = "--context-length", defaultValue = "32", paramLabel = "N", description = "Token positions. Default: ${DEFAULT-VALUE}.")
        int contextLength;

        @Option(names = "--embed-dim", defaultValue = "128", paramLabel = "N", description = "Joint embedding size. Default: ${DEFAULT-VALUE}.")
        int embedDim;

        Trainer.Architecture architecture() {
            int vocab = 49408; // CLIP's tokenizer
            return resnet == null || resnet.isEmpty()
                    ? Trainer.Architecture.vit(embedDim, imageSize, patchSize, visionWidth, visionLayers, textWidth, textLayers,
                            contextLength, vocab)
                    : Trainer.Architecture.resnet(embedDim, imageSize, visionWidth, resnet, textWidth, textLayers,
                            contextLength, vocab);
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Length length;

    static final class Length {
        @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps.")
        Integer steps;

        @Option(names = "--epochs", paramLabel = "E", description = "Passes over the data (may be fractional).")
        Double epochs;
    }

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "B", description = "Pairs per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-4", paramLabel = "RATE", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.2", paramLabel = "WD", description = "AdamW weight decay. Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Linear warm-up steps. Default: open_clip's 10000, capped at a tenth of the run.")
    Integer warmup;

    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "cosine|constant", converter = ScheduleConverter.class,
            description = "After warm-up: cosine (to 0 at the last step) or constant. Default: ${DEFAULT-VALUE}.")
    Trainer.Schedule schedule;

    static final class ScheduleConverter implements CommandLine.ITypeConverter<Trainer.Schedule> {
        @Override
        public Trainer.Schedule convert(String value) {
            for (Trainer.Schedule s : Trainer.Schedule.values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return s;
                }
            }
            throw new CommandLine.TypeConversionException("unknown schedule '" + value + "': use cosine or constant");
        }
    }

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seeds data order, augmentation, caption choice and a new model's weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--no-shuffle", description = "Take the pairs in file order, wrapping around.")
    boolean noShuffle;

    @Option(names = "--no-augment", description = "No random crop, flip or colour jitter: the model's own preprocessing only.")
    boolean noAugment;

    @Option(names = "--lock-image", description = "Freeze the image tower; train the text tower (LiT).")
    boolean lockImage;

    @Option(names = "--lock-text", description = "Freeze the text tower; train the image tower.")
    boolean lockText;

    @Option(names = "--activation", paramLabel = "quick-gelu|gelu", converter = ModelOptionsMixin.ActivationConverter.class,
            description = "MLP activation. Default: the --init model's, else quick-gelu.")
    Activation activation;

    @Option(names = "--templates", paramLabel = "FILE",
            description = "Caption templates for a folder-per-class DATA, one per line with {}. Default: 'a photo of a {}.'")
    Path templates;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Engine and image-decoding threads, 1..256 (0: the engine's default).")
    int threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N",
            description = "Write a resumable checkpoint every N steps (0: only at the end). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run in --output from its latest checkpoint, exactly.")
    boolean resume;

    @Option(names = "--eval", paramLabel = "DIR",
            description = "Labelled folder (one sub-folder per label) for a zero-shot top-1 evaluation after each epoch.")
    Path eval;

    @Option(names = "--max-skipped", defaultValue = "100", paramLabel = "N",
            description = "Unreadable images tolerated (skipped) before stopping. Default: ${DEFAULT-VALUE}.")
    int maxSkipped;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Model cache for --init names.")
    Path cacheDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Trainer.Builder b = Trainer.builder().data(data).output(output);
        try {
            if (source.init != null) {
                b.init(source.init);
            } else {
                b.architecture((source.fresh != null ? source.fresh : defaults()).architecture());
            }
            if (length.steps != null) {
                b.steps(length.steps);
            } else {
                b.epochs(length.epochs);
            }
            b.batchSize(batchSize).lr(lr).weightDecay(weightDecay).schedule(schedule).seed(seed)
                    .shuffle(!noShuffle).augment(!noAugment).lockImage(lockImage).lockText(lockText).threads(threads)
                    .device(device).checkpointEvery(checkpointEvery).resume(resume).maxSkippedImages(maxSkipped);
            if (warmup != null) {
                b.warmup(warmup);
            }
            if (activation != null) {
                b.activation(activation);
            }
            if (templates != null) {
                b.templates(PromptTemplates.readFile(templates));
            }
            if (eval != null) {
                b.evalFolder(eval);
            }
            if (cacheDir != null) {
                b.cacheDir(cacheDir);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flags(e.getMessage()), e);
        }
        Progress progress = new Progress(err, System.console() != null);
        Trainer.Result r;
        try {
            r = b.listener(progress).train();
        } finally {
            progress.close();
        }
        err.printf(Locale.ROOT, "trained %d steps, last loss %.4f%s; wrote %s%n", r.steps(), r.loss(),
                r.skippedImages() > 0 ? ", " + r.skippedImages() + " unreadable images skipped" : "", r.output());
        err.flush();
        return 0;
    }

    /** Training's option names in core messages, as this command's flags (then the shared ones). */
    private static final java.util.Map<String, String> FLAGS = java.util.Map.ofEntries(
            java.util.Map.entry("learning rate", "--lr"), java.util.Map.entry("weight decay", "--weight-decay"),
            java.util.Map.entry("warmup", "--warmup"), java.util.Map.entry("steps", "--steps"),
            java.util.Map.entry("epochs", "--epochs"), java.util.Map.entry("maxSkippedImages", "--max-skipped"),
            java.util.Map.entry("checkpoint interval", "--checkpoint-every"),
            java.util.Map.entry("vision width", "--vision-width"), java.util.Map.entry("text width", "--text-width"),
            java.util.Map.entry("image size", "--image-size"), java.util.Map.entry("patch size", "--patch-size"),
            java.util.Map.entry("embed dim", "--embed-dim"), java.util.Map.entry("vision layers", "--vision-layers"),
            java.util.Map.entry("text layers", "--text-layers"), java.util.Map.entry("context length", "--context-length"),
            java.util.Map.entry("ResNet width", "--vision-width"));

    static String flags(String message) {
        if (message != null) {
            for (java.util.Map.Entry<String, String> e : FLAGS.entrySet()) {
                if (message.startsWith(e.getKey() + " ")) {
                    return e.getValue() + message.substring(e.getKey().length());
                }
            }
        }
        return CliNames.flags(message);
    }

    private static NewModel defaults() {
        NewModel m = new NewModel();
        CommandLine.populateCommand(m);
        return m;
    }

    /** A progress bar on a terminal, else a line every 10% of the run; notices and evaluations as lines. */
    static final class Progress implements Trainer.Listener {
        private final PrintWriter err;
        private final boolean terminal;
        private ProgressBar bar;
        private int lastTenth = -1;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void onStep(Trainer.Step s) {
            String extra = String.format(Locale.ROOT, "loss %.4f, lr %.2e, scale %.1f, %.1f img/s", s.loss(), s.lr(),
                    s.logitScale(), s.imagesPerSecond());
            if (terminal) {
                if (bar == null) {
                    bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(s.steps())
                            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                            .setConsumer(new ConsoleProgressBarConsumer(System.err))
                            .startsFrom(s.step() - 1, Duration.ZERO).build();
                }
                bar.stepTo(s.step());
                bar.setExtraMessage(" " + extra);
                return;
            }
            int tenth = (int) (10L * s.step() / s.steps());
            if (tenth != lastTenth || s.step() == s.steps()) {
                lastTenth = tenth;
                err.printf(Locale.ROOT, "step %d/%d: %s%n", s.step(), s.steps(), extra);
                err.flush();
            }
        }

        @Override
        public void onEvaluation(Trainer.Evaluation e) {
            line(String.format(Locale.ROOT, "epoch %d (step %d): zero-shot top-1 %.1f%% over %d images, %d labels",
                    e.epoch(), e.step(), 100 * e.top1(), e.images(), e.labels()));
        }

        @Override
        public void onNotice(String notice) {
            line(notice);
        }

        private void line(String s) {
            if (bar != null) {
                System.err.print("\r");
            }
            err.println(s);
            err.flush();
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
