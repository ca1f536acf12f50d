package io.clipkit.cli;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.batch.ClassifyStages;
import io.clipkit.batch.ResultJson;
import io.clipkit.util.Trace;
import io.clipkit.video.VideoClassification;
import io.clipkit.video.VideoClassifier;
import io.clipkit.video.VideoFrame;
import io.clipkit.video.VideoSample;
import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clip classify IMAGE... --labels a,b,c}: zero-shot classification of image files. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Zero-shot classify images against labels.",
            "Prints a table per image, or with --json one JSON line per image. A bad image is reported on stderr "
                    + "and the others are still classified (exit 1). For folders of photos use 'clip tag'.",
            "Video files (recognized by their content) are sampled (--every, --max-frames) and get overall labels "
                    + "and a timeline of segments; they are printed after the images."})
final class ClassifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image or video files.")
    List<Path> images;

    @Mixin LabelOptionsMixin labelOptions;

    @Mixin ModelOptionsMixin modelOptions;

    @Mixin DecodeOptionsMixin decode;

    @Mixin VideoOptionsMixin video;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", description = "Show the K most probable labels (default: all).")
    Integer topK;

    @Option(names = "--min-score", paramLabel = "P", description = "Hide labels below this probability (0..1).")
    Float minScore;

    @Option(names = "--json", description = "One JSON object per image per line.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Trace.mark("classify: parsed");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Path p : images) {
            if (p.toString().isEmpty()) {
                // Path.of("") is the current folder: name the real mistake instead.
                throw new CommandLine.ParameterException(spec.commandLine(), "empty image argument ('')");
            }
        }
        // A folder among image files is that argument's error (the others are classified); only
        // folders and nothing else is a usage mistake, caught before the model loads.
        if (images.stream().allMatch(Files::isDirectory)) {
            Path p = images.get(0);
            throw new CommandLine.ParameterException(spec.commandLine(), p + " is a folder; classify takes image files. "
                    + "To classify a folder of photos use 'clip tag " + p + " --labels ...'");
        }
        // Usage errors before the (slow) model load.
        List<String> labels;
        java.util.Optional<List<String>> templates; // empty: the model's own
        try {
            labels = labelOptions.labels();
            templates = labelOptions.templates();
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        ZeroShotClassifier.Builder builder = ZeroShotClassifier.builder().labels(labels)
                .warnings(w -> {
                    err.println("clip classify: warning: " + w);
                    err.flush();
                });
        templates.ifPresent(builder::templates);
        // Checked here too so the message names the option, not the builder method.
        if (topK != null && topK < 1) {
            throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        }
        if (minScore != null && !(minScore >= 0f && minScore <= 1f)) {
            throw new IllegalArgumentException("--min-score must be in 0..1, got " + minScore);
        }
        if (topK != null) {
            builder.topK(topK);
        }
        if (minScore != null) {
            builder.minScore(minScore);
        }
        modelOptions.check();
        decode.check();
        video.check();
        List<Path> stills = new ArrayList<>();
        List<Path> videos = new ArrayList<>();
        for (Path p : images) {
            (isVideo(p) ? videos : stills).add(p);
        }

        int[] failed = {0};
        // Without --model, a default that cannot be had (offline, empty cache) gives way to the bundled
        // model, saying so; a model the user named never does.
        // The weights load in the background while the first images decode (the labels wait for them).
        try (ClipModel model = modelOptions.load(modelOptions.builder().fallbackToBundled(!modelOptions.modelChosen())
                     .weightsInBackground(true));
             // The stages start decoding at once, up to one batch ahead: the first batch while the
             // labels are embedded, the next ones while a batch is encoded.
             ClassifyStages stages = ClassifyStages.start(decode.preprocessor(model), stills, modelOptions.batchSize());
             ZeroShotClassifier classifier = builder.model(model).build()) {
            Trace.mark("classify: labels embedded");
            try {
                stages.run(model, classifier, c -> {
                    if (c.error().isPresent()) {
                        failed[0]++;
                        String why = CliNames.cli(c.error().get());
                        err.println("clip classify: " + c.image().map(Path::toString).orElse("?") + ": " + why
                                + (why.endsWith("is a folder, not an image") ? " (for folders of photos use 'clip tag "
                                        + c.image().map(Path::toString).orElse("DIR") + " --labels ...')" : ""));
                        err.flush();
                        return;
                    }
                    print(out, c);
                    out.flush();
                    if (out.checkError()) {
                        // PrintWriter swallows write errors: results that cannot be delivered end the run.
                        throw new UncheckedIOException(new IOException(
                                "cannot write the results to standard output (closed pipe or full disk)"));
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            failed[0] += classifyVideos(model, classifier, videos, out, err);
        }
        Trace.mark("classify: done");
        return failed[0] == 0 ? 0 : 1;
    }

    /** Content decides: a JPEG named .mp4 is classified as the image it is. Unreadable files go to the image path, which names the reason. */
    private static boolean isVideo(Path p) {
        try {
            return Files.isRegularFile(p) && VideoSampler.looksLikeVideo(p);
        } catch (IOException e) {
            return false;
        }
    }

    /** Samples and ranks each video in turn; returns how many failed. */
    private int classifyVideos(ClipModel model, ZeroShotClassifier classifier, List<Path> videos, PrintWriter out,
            PrintWriter err) throws IOException {
        if (videos.isEmpty()) {
            return 0;
        }
        Optional<VideoSampler> sampler = VideoSampler.find();
        VideoClassifier vc = sampler.map(s -> new VideoClassifier(model, classifier, s, video.options(decode.decodeTimeout())))
                .orElse(null);
        ImagePreprocessor pre = decode.builder(model).build();
        int failed = 0;
        for (Path p : videos) {
            VideoClassification r;
            try {
                if (vc == null) {
                    throw new ImageDecodeException(p, "a video file, but no video decoder (clip-video) is on the classpath");
                }
                r = vc.classify(p, pre, modelOptions.batchSize());
            } catch (IOException e) {
                if (e instanceof InterruptedIOException) {
                    throw e;
                }
                failed++;
                err.println("clip classify: " + p + ": " + CliNames.cli(ClassifyStages.reason(e)));
                err.flush();
                continue;
            }
            if (json) {
                out.println(ResultJson.videoClassification(r, classifier.provenance()));
            } else {
                printVideo(out, r, classifier.provenance());
            }
            out.flush();
            if (out.checkError()) {
                throw new IOException("cannot write the results to standard output (closed pipe or full disk)");
            }
        }
        return failed;
    }

    private static void printVideo(PrintWriter out, VideoClassification r, Provenance pv) {
        VideoSample s = r.sample();
        out.printf(Locale.ROOT, "%s  (%s)  video %s, %d frames%s%n", s.file(), pv.model(), VideoFrame.timecode(s.duration()),
                s.frames().size(), s.note().isEmpty() ? "" : "; " + s.note());
        printLabels(out, r.labels());
        out.println("  timeline");
        for (VideoClassification.Segment seg : r.segments()) {
            StringBuilder b = new StringBuilder();
            b.append("  ").append(VideoFrame.timecode(seg.start())).append('-').append(VideoFrame.timecode(seg.end()));
            for (LabelScore l : seg.labels().subList(0, Math.min(3, seg.labels().size()))) {
                b.append("  ").append(l.label()).append(String.format(Locale.ROOT, " %.2f", l.probability()));
            }
            out.println(b);
        }
    }

    private static void printLabels(PrintWriter out, List<LabelScore> labels) {
        int w = Math.max(5, labels.stream().mapToInt(l -> DisplayWidth.of(l.label())).max().orElse(5));
        out.printf(Locale.ROOT, "  %s  %11s  %7s%n", DisplayWidth.padRight("label", w), "probability", "cosine");
        for (LabelScore s : labels) {
            out.printf(Locale.ROOT, "  %s  %11.4f  %7.4f%n", DisplayWidth.padRight(s.label(), w), s.probability(), s.cosine());
        }
    }

    private void print(PrintWriter out, Classification c) {
        if (json) {
            out.println(ResultJson.classification(c));
            return;
        }
        Provenance pv = c.provenance();
        out.println(c.image().map(Path::toString).orElse("?") + "  (" + pv.model() + ")");
        printLabels(out, c.labels());
    }
}
