package io.clipkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipTokenizer;
import io.clipkit.ImagePreprocessor;
import io.clipkit.PromptTemplates;
import io.clipkit.model.TrainableClip;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Top-1 zero-shot accuracy on a labelled folder (one sub-folder per label, its name the label,
 * underscores as spaces), with the default prompt template, on the weights being trained (autograd
 * off, so the inference kernels run). Unreadable images are left out.
 */
final class ZeroShotEval {
    private final List<Pairs.Pair> images;
    private final List<String> labels;
    private final List<Integer> truth = new ArrayList<>();

    ZeroShotEval(Path folder) throws IOException {
        images = Pairs.folders(folder, PromptTemplates.defaults());
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Pairs.Pair p : images) {
            String caption = p.captions().get(0);
            truth.add(index.computeIfAbsent(caption, k -> index.size()));
        }
        labels = new ArrayList<>(index.keySet()); // the prompts, one per label
        if (labels.size() < 2) {
            throw new IllegalArgumentException(folder + ": zero-shot evaluation needs at least 2 labels (sub-folders with images)");
        }
    }

    int labels() {
        return labels.size();
    }

    /** (images classified, correct). */
    int[] run(TrainableClip model, ClipTokenizer tokenizer, io.clipkit.ModelSpec.Image spec, int batchSize) {
        int r = model.imageResolution();
        ImagePreprocessor pre = ImagePreprocessor.builder().spec(spec).build();
        int[][] rows = new int[labels.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = tokenizer.encodeForModel(labels.get(i), model.contextLength(), true);
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray text = ClipLoss.normalize(model.encodeTokens(m, rows));
            int seen = 0;
            int correct = 0;
            for (int from = 0; from < images.size(); from += batchSize) {
                List<float[]> batch = new ArrayList<>();
                List<Integer> want = new ArrayList<>();
                for (int i = from; i < Math.min(images.size(), from + batchSize); i++) {
                    try {
                        batch.add(pre.preprocess(images.get(i).image()));
                        want.add(truth.get(i));
                    } catch (IOException | RuntimeException e) {
                        // an unreadable evaluation image is left out of the count
                    }
                }
                if (batch.isEmpty()) {
                    continue;
                }
                int n = 3 * r * r;
                float[] flat = new float[batch.size() * n];
                for (int i = 0; i < batch.size(); i++) {
                    System.arraycopy(batch.get(i), 0, flat, i * n, n);
                }
                try (NDManager s = m.newSubManager()) {
                    NDArray img = ClipLoss.normalize(model.encodeImages(s.create(flat, new Shape(batch.size(), 3, r, r))));
                    long[] best = img.matMul(text.transpose()).argMax(1).toLongArray();
                    for (int i = 0; i < best.length; i++) {
                        seen++;
                        if (best[i] == want.get(i)) {
                            correct++;
                        }
                    }
                }
            }
            return new int[] {seen, correct};
        }
    }
}
