import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.ZeroShotClassifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Re-ranking benchmark: N cached image embeddings against L labels with one ZeroShotClassifier
 * (one [N x d] x [d x L] product + softmax + ranking). Run by bench/classify-rerank.sh.
 * Args: CHECKPOINT VOCAB [N] [L]. The label embeddings are computed once (timed separately).
 */
public final class ClassifyRerankBench {
    public static void main(String[] args) throws Exception {
        Path ckpt = Path.of(args[0]);
        Path vocab = Path.of(args[1]);
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int l = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < l; i++) {
            labels.add("label number " + i);
        }
        try (ClipModel model = io.clipkit.model.ModelLoader.load(ckpt, ModelOptions.builder().vocabulary(vocab).batchSize(128).build())) {
            int d = model.info().embedDim();
            Random r = new Random(1);
            float[][] emb = new float[n][d];
            for (float[] row : emb) {
                for (int k = 0; k < d; k++) {
                    row[k] = (float) r.nextGaussian();
                }
            }
            long t0 = System.nanoTime();
            ZeroShotClassifier all = ZeroShotClassifier.builder().model(model).labels(labels).batchSize(128).build();
            long t1 = System.nanoTime();
            System.out.printf("label embeddings: %d labels x 1 template encoded in %.2f s (once; cached after)%n",
                    l, (t1 - t0) / 1e9);
            ZeroShotClassifier top5 = ZeroShotClassifier.builder().model(model).labels(labels).topK(5).build();
            System.out.printf("second classifier, same labels: built in %.3f s (cache hit)%n", (System.nanoTime() - t1) / 1e9);
            report("probabilities only [N x L]", () -> all.probabilities(emb, null));
            report("classifyEmbeddings, top 5 per image", () -> top5.classifyEmbeddings(emb));
            report("classifyEmbeddings, all 1000 ranked", () -> all.classifyEmbeddings(emb));
            List<Classification> c = top5.classifyEmbeddings(Arrays.copyOf(emb, 1));
            System.out.println("example: " + c.get(0).labels());
            all.close();
            top5.close();
        }
    }

    static void report(String what, Runnable r) {
        r.run();   // warm-up
        double[] t = new double[5];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        System.out.printf("%-40s median %.3f s (min %.3f, max %.3f) over 5 runs%n", what, t[2], t[0], t[4]);
    }
}
