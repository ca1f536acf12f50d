package io.clipkit.batch;

import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import io.clipkit.Tagger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The validated settings of a {@link Tagger} run (built by {@link Tagger.Builder}). */
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
        Tagger.Xmp xmp,
        int batchSize,
        int threads,
        boolean force,
        Path index,
        Duration decodeTimeout) {}
