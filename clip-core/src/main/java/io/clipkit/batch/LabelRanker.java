package io.clipkit.batch;

import io.clipkit.ClipModel;
import io.clipkit.TagResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Ranks image embeddings against label embeddings: each label's prompts are encoded once, averaged
 * and normalized (CLIP's prompt ensembling); a result's probabilities are the softmax of
 * {@code logitScale * cosine} over all labels. The ranking runs on the JVM: for a batch it is a
 * {@code B x D} by {@code D x L} product of microseconds, cheaper than a round trip to the engine.
 */
final class LabelRanker {
    private final List<String> labels;
    private final float[][] labelVectors;
    private final float logitScale;
    private final int topK;
    private final double minScore;

    LabelRanker(ClipModel model, List<String> labels, List<String> templates, int topK, double minScore) {
        this.labels = List.copyOf(labels);
        this.logitScale = model.logitScale();
        this.topK = topK;
        this.minScore = minScore;
        List<String> prompts = new ArrayList<>(labels.size() * templates.size());
        for (String l : labels) {
            for (String t : templates) {
                prompts.add(t.replace("{}", l));
            }
        }
        float[][] emb = new float[prompts.size()][];
        int chunk = 256;
        for (int i = 0; i < prompts.size(); i += chunk) {
            float[][] part = model.encodeTexts(prompts.subList(i, Math.min(prompts.size(), i + chunk)), true);
            System.arraycopy(part, 0, emb, i, part.length);
        }
        labelVectors = new float[labels.size()][];
        for (int l = 0; l < labels.size(); l++) {
            float[] mean = new float[emb[0].length];
            for (int t = 0; t < templates.size(); t++) {
                float[] e = emb[l * templates.size() + t];
                for (int d = 0; d < mean.length; d++) {
                    mean[d] += e[d];
                }
            }
            labelVectors[l] = normalize(mean);
        }
    }

    int dim() {
        return labelVectors[0].length;
    }

    /** The top labels of one L2-normalized image embedding. */
    List<TagResult.Label> rank(float[] image) {
        if (image.length != labelVectors[0].length) {
            throw new IllegalArgumentException("image embedding has " + image.length + " values, labels " + labelVectors[0].length);
        }
        int n = labels.size();
        double[] cos = new double[n];
        double[] logits = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < n; l++) {
            float[] v = labelVectors[l];
            double s = 0;
            for (int d = 0; d < v.length; d++) {
                s += (double) v[d] * image[d];
            }
            cos[l] = s;
            logits[l] = logitScale * s;
            max = Math.max(max, logits[l]);
        }
        double sum = 0;
        double[] p = new double[n];
        for (int l = 0; l < n; l++) {
            p[l] = Math.exp(logits[l] - max);
            sum += p[l];
        }
        Integer[] order = new Integer[n];
        for (int l = 0; l < n; l++) {
            p[l] /= sum;
            order[l] = l;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer l) -> -p[l]).thenComparing(l -> l));
        List<TagResult.Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(topK, n); i++) {
            int l = order[i];
            if (p[l] < minScore) {
                break;
            }
            out.add(new TagResult.Label(labels.get(l), p[l], cos[l]));
        }
        return out;
    }

    static float[] normalize(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        double norm = Math.sqrt(s);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = norm == 0 ? 0 : (float) (v[i] / norm);
        }
        return out;
    }
}
