package io.clipkit.video;

import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import io.clipkit.LabelScore;
import io.clipkit.ZeroShotClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Zero-shot classification of videos: frames sampled by a {@link VideoSampler}, embedded by the
 * model in batches, ranked by a {@link ZeroShotClassifier}.
 *
 * <p>Overall labels come from the mean of the L2-normalized frame embeddings (normalized again),
 * the same averaging CLIP uses for prompt ensembles: a label that fits most of the video ranks
 * first, and a short scene still lifts its label. Segments are runs of consecutive frames whose
 * best label is the same; each is ranked from the mean of its frames. Thread-safe.
 *
 * <pre>{@code
 * VideoClassifier vc = new VideoClassifier(model, classifier, VideoSampler.find().orElseThrow(), VideoOptions.defaults());
 * VideoClassification r = vc.classify(Path.of("holiday.mp4"));
 * r.segments().forEach(s -> System.out.println(s.start() + " " + s.labels().get(0).label()));
 * }</pre>
 */
public final class VideoClassifier {
    private final ClipModel model;
    private final ZeroShotClassifier classifier;
    private final VideoSampler sampler;
    private final VideoOptions options;

    public VideoClassifier(ClipModel model, ZeroShotClassifier classifier, VideoSampler sampler, VideoOptions options) {
        this.model = Objects.requireNonNull(model, "model");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Samples, embeds and ranks one video. */
    public VideoClassification classify(Path video) throws IOException {
        return classify(video, model.preprocessor(), 32);
    }

    /** Samples one video with {@code preprocessor}, embeds its frames {@code batchSize} at a time and ranks it. */
    public VideoClassification classify(Path video, ImagePreprocessor preprocessor, int batchSize) throws IOException {
        VideoSample s = sampler.sample(video, preprocessor, options);
        return rank(s, embedFrames(model, s.frames(), batchSize));
    }

    /**
     * The L2-normalized embeddings of sampled frames, {@code batchSize} frames per encoder call (so
     * the encoder's memory is bounded by one batch, whatever the number of frames).
     */
    public static float[][] embedFrames(ClipModel model, List<VideoFrame> frames, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        float[][] out = new float[frames.size()][];
        for (int from = 0; from < frames.size(); from += batchSize) {
            int to = Math.min(frames.size(), from + batchSize);
            List<float[]> chw = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                chw.add(frames.get(i).chw());
            }
            float[][] got = model.encodePreprocessed(chw, true);
            System.arraycopy(got, 0, out, from, got.length);
        }
        return out;
    }

    /** Ranks a sample whose frames are already embedded (e.g. from an index): one row per frame. */
    public VideoClassification rank(VideoSample s, float[][] frameEmbeddings) {
        if (frameEmbeddings.length != s.frames().size()) {
            throw new IllegalArgumentException(s.frames().size() + " frames but " + frameEmbeddings.length + " embeddings");
        }
        List<Classification> perFrame = classifier.classifyEmbeddings(frameEmbeddings);
        List<int[]> runs = new ArrayList<>(); // [from, to) frame indices
        int from = 0;
        for (int i = 1; i <= perFrame.size(); i++) {
            if (i == perFrame.size() || !best(perFrame.get(i)).equals(best(perFrame.get(from)))) {
                runs.add(new int[] {from, i});
                from = i;
            }
        }
        float[][] means = new float[runs.size() + 1][];
        for (int r = 0; r < runs.size(); r++) {
            means[r] = mean(frameEmbeddings, runs.get(r)[0], runs.get(r)[1]);
        }
        means[runs.size()] = mean(frameEmbeddings, 0, frameEmbeddings.length);
        List<Classification> ranked = classifier.classifyEmbeddings(means);
        Duration last = s.frames().get(s.frames().size() - 1).time();
        Duration end = s.duration().compareTo(last) > 0 ? s.duration() : last;
        List<VideoClassification.Segment> segments = new ArrayList<>(runs.size());
        for (int r = 0; r < runs.size(); r++) {
            int[] run = runs.get(r);
            Duration start = s.frames().get(run[0]).time();
            Duration stop = run[1] < s.frames().size() ? s.frames().get(run[1]).time() : end;
            segments.add(new VideoClassification.Segment(start, stop, run[1] - run[0], ranked.get(r).labels()));
        }
        return new VideoClassification(s, ranked.get(runs.size()).labels(), segments);
    }

    private static String best(Classification c) {
        List<LabelScore> l = c.labels();
        return l.isEmpty() ? "" : l.get(0).label();
    }

    /** Mean of rows [from, to), L2-normalized. */
    static float[] mean(float[][] rows, int from, int to) {
        int d = rows[from].length;
        double[] sum = new double[d];
        for (int i = from; i < to; i++) {
            for (int j = 0; j < d; j++) {
                sum[j] += rows[i][j];
            }
        }
        double norm = 0;
        for (double v : sum) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[d];
        for (int j = 0; j < d; j++) {
            out[j] = (float) (sum[j] / norm);
        }
        return out;
    }
}
