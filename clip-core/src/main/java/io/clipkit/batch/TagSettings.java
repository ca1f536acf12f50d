package io.clipkit.batch;

import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import io.clipkit.XmpMode;
import io.clipkit.video.VideoOptions;
import io.clipkit.video.VideoSampler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The validated settings of a tagging run (built and checked by {@code Tagger.Builder}; this
 * package trusts them). Internal.
 *
 * @param preprocessingKey how the pixels were made, stored in the embedding index and the records
 * @param encoderCalls image-encoder calls run at once (each on the model's intra-op threads)
 * @param decodeMemoryMb cap on the heap spent on decodes at once, in MB
 * @param videoSampler decodes video files; null: videos are recorded as unsupported
 * @param videoOptions how video frames are sampled
 */
public record TagSettings(
        ClipModel model,
        ImagePreprocessor preprocessor,
        String preprocessingKey,
        List<String> labels,
        List<String> templates,
        int topK,
        float minScore,
        boolean recursive,
        List<String> includes,
        List<String> excludes,
        Path output,
        XmpMode xmp,
        int batchSize,
        int threads,
        boolean force,
        Path index,
        Duration decodeTimeout,
        int encoderCalls,
        int decodeMemoryMb,
        VideoSampler videoSampler,
        VideoOptions videoOptions) {

    /** Without videos (no sampler): video files are recorded as unsupported. */
    public TagSettings(ClipModel model, ImagePreprocessor preprocessor, String preprocessingKey, List<String> labels,
            List<String> templates, int topK, float minScore, boolean recursive, List<String> includes,
            List<String> excludes, Path output, XmpMode xmp, int batchSize, int threads, boolean force, Path index,
            Duration decodeTimeout, int encoderCalls, int decodeMemoryMb) {
        this(model, preprocessor, preprocessingKey, labels, templates, topK, minScore, recursive, includes, excludes, output,
                xmp, batchSize, threads, force, index, decodeTimeout, encoderCalls, decodeMemoryMb, null,
                VideoOptions.defaults());
    }

    /** What goes into every record, compared on resume. */
    RecordSettings recordSettings() {
        return RecordSettings.of(model.info().checkpointSha256(), labels, templates, topK, minScore, xmp, preprocessingKey,
                model.info().dtype());
    }
}
