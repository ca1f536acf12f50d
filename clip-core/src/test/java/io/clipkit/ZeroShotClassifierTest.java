package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.FakeClipModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZeroShotClassifierTest {
    private static final List<String> LABELS = List.of("cat", "dog", "red car", "tabby, striped", "bird");

    /** The spec computed independently in double: label = norm(mean(norm(template embeddings))). */
    private static double[] expectedLabel(FakeClipModel m, String label, List<String> templates) {
        int ctx = m.info().contextLength();
        double[] sum = new double[m.info().embedDim()];
        for (String t : templates) {
            int[] ids = m.tokenizer().encodeForModel(t.replace("{}", label), ctx, true);
            float[] e = m.encodeTokens(new int[][] {ids}, false)[0];
            double n = 0;
            for (float v : e) {
                n += v * (double) v;
            }
            for (int d = 0; d < e.length; d++) {
                sum[d] += e[d] / Math.sqrt(n);
            }
        }
        double n = 0;
        for (double v : sum) {
            n += v * v;
        }
        for (int d = 0; d < sum.length; d++) {
            sum[d] /= Math.sqrt(n);
        }
        return sum;
    }

    private static float[][] images(FakeClipModel m, int n, long seed) {
        Random r = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = m.vector(r.nextLong());   // deliberately not normalized
        }
        return out;
    }

    @Test
    void probabilitiesAreSoftmaxOfScaledCosinesAgainstTemplateMeans() {
        FakeClipModel m = FakeClipModel.small();
        List<String> templates = List.of("a photo of a {}.", "a drawing of the {}.", "{} toy");
        float[][] img = images(m, 7, 42);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).templates(templates).build()) {
            float[][] cos = new float[img.length][];
            float[][] prob = c.probabilities(img, cos);
            double[][] lab = LABELS.stream().map(l -> expectedLabel(m, l, templates)).toArray(double[][]::new);
            for (int i = 0; i < img.length; i++) {
                float[] x = FakeClipModel.normalize(img[i]);
                double[] logits = new double[LABELS.size()];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < lab.length; j++) {
                    double dot = 0;
                    for (int d = 0; d < x.length; d++) {
                        dot += x[d] * lab[j][d];
                    }
                    assertEquals(dot, cos[i][j], 1e-5, "cosine " + i + "," + j);
                    logits[j] = 100 * dot;
                    max = Math.max(max, logits[j]);
                }
                double z = 0;
                for (double v : logits) {
                    z += Math.exp(v - max);
                }
                double total = 0;
                for (int j = 0; j < lab.length; j++) {
                    assertEquals(Math.exp(logits[j] - max) / z, prob[i][j], 1e-5, "probability " + i + "," + j);
                    total += prob[i][j];
                }
                assertEquals(1.0, total, 1e-5);
            }
            assertEquals(0, c.liveArrays(), "native arrays left after scoring");
        }
    }

    @Test
    void rankingIsSortedAndCarriesProvenance() {
        FakeClipModel m = new FakeClipModel("ViT-fake", "ab".repeat(32), 16, 12, 20f);
        float[][] img = images(m, 5, 7);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            float[][] prob = c.probabilities(img, null);
            List<Classification> rs = c.classifyEmbeddings(img);
            assertEquals(5, rs.size());
            for (int i = 0; i < rs.size(); i++) {
                Classification r = rs.get(i);
                assertTrue(r.image().isEmpty());
                assertEquals(LABELS.size(), r.labels().size());
                for (int k = 1; k < r.labels().size(); k++) {
                    assertTrue(r.labels().get(k - 1).probability() >= r.labels().get(k).probability());
                }
                for (LabelScore s : r.labels()) {
                    assertEquals(prob[i][LABELS.indexOf(s.label())], s.probability());
                }
                assertEquals("ViT-fake", r.provenance().model());
                assertEquals("ab".repeat(32), r.provenance().checkpointSha256());
                assertEquals(List.of(PromptTemplates.DEFAULT), r.provenance().templates());
                assertEquals("cpu", r.provenance().device());
                assertEquals(20f, r.provenance().logitScale());
            }
        }
    }

    /** No templates given: the model's own (its spec's); given ones win. */
    @Test
    void theModelsTemplatesAreTheDefault() {
        FakeClipModel m = new FakeClipModel("mini-fake", "ef".repeat(32), 16, 12, 20f);
        m.templates = List.of("{}", "a drawing of a {}.");
        float[][] img = images(m, 3, 5);
        try (ZeroShotClassifier own = ZeroShotClassifier.builder().model(m).labels(LABELS).build();
             ZeroShotClassifier same = ZeroShotClassifier.builder().model(m).labels(LABELS).templates(m.templates).build();
             ZeroShotClassifier given = ZeroShotClassifier.builder().model(m).labels(LABELS)
                     .templates(List.of(PromptTemplates.DEFAULT)).build()) {
            assertEquals(m.templates, own.templates());
            assertEquals(m.templates, own.provenance().templates());
            assertArrayEquals(same.probabilities(img, null)[1], own.probabilities(img, null)[1]);
            assertEquals(List.of(PromptTemplates.DEFAULT), given.provenance().templates());
            assertFalse(java.util.Arrays.equals(given.probabilities(img, null)[1], own.probabilities(img, null)[1]),
                    "other templates, other label embeddings");
        }
    }

    /** A sigmoid-scored family (SigLIP): each label scores sigmoid(scale * cos + bias) on its own. */
    @Test
    void sigmoidScoringFromTheModelSpecScoresEachLabelOnItsOwn() {
        FakeClipModel m = new FakeClipModel("siglip-fake", "cd".repeat(32), 16, 12, 10f);
        m.scoring = new ModelSpec.Scoring(ModelSpec.Scoring.Kind.SIGMOID, 10f, -3f);
        float[][] img = images(m, 3, 11);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            float[][] cos = new float[3][];
            float[][] prob = c.probabilities(img, cos);
            double sum = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < LABELS.size(); j++) {
                    double want = 1 / (1 + Math.exp(-(10.0 * cos[i][j] - 3.0)));
                    assertEquals(want, prob[i][j], 1e-6);
                    sum += prob[i][j];
                }
            }
            assertTrue(Math.abs(sum / 3 - 1) > 1e-3, "not a softmax: rows need not sum to 1");
            Provenance p = c.classifyEmbeddings(img).get(0).provenance();
            assertEquals(ModelSpec.Scoring.Kind.SIGMOID, p.scoring().kind());
            assertEquals(-3f, p.scoring().logitBias());
        }
    }

    /** Softmax stays the reference formula, bit for bit: softmax(scale * cos) in fp32. */
    @Test
    void softmaxScoringIsTheReferenceFormula() {
        FakeClipModel m = new FakeClipModel("ViT-fake", "ab".repeat(32), 16, 12, 100f);
        float[][] img = images(m, 2, 5);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            float[][] cos = new float[2][];
            float[][] prob = c.probabilities(img, cos);
            for (int i = 0; i < 2; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (float x : cos[i]) {
                    max = Math.max(max, 100f * x);
                }
                double z = 0;
                for (float x : cos[i]) {
                    z += Math.exp(100f * x - max);
                }
                for (int j = 0; j < LABELS.size(); j++) {
                    assertEquals(Math.exp(100f * cos[i][j] - max) / z, prob[i][j], 1e-6);
                }
            }
        }
    }

    @Test
    void provenanceIsBuiltFromTheModelInfo() {
        FakeClipModel m = new FakeClipModel("ViT-fake", "ab".repeat(32), 16, 12, 20f);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            Provenance p = c.provenance();
            assertEquals(Provenance.of(m.info(), List.of(PromptTemplates.DEFAULT)), p);
            assertEquals(m.info().spec().image().describe(), p.preprocessing());
            assertEquals(m.info().vocabularySha256(), p.vocabularySha256());
            assertEquals(Activation.QUICK_GELU, p.activation());
            assertEquals(DType.FP32, p.dtype());
            assertFalse(p.clipkitVersion().isBlank());
        }
    }

    @Test
    void topKAndMinScoreCutTheRanking() {
        FakeClipModel m = FakeClipModel.small();
        float[][] img = images(m, 20, 3);
        try (ZeroShotClassifier all = ZeroShotClassifier.builder().model(m).labels(LABELS).build();
             ZeroShotClassifier top2 = ZeroShotClassifier.builder().model(m).labels(LABELS).topK(2).build();
             ZeroShotClassifier min = ZeroShotClassifier.builder().model(m).labels(LABELS).minScore(0.1f).build()) {
            List<Classification> a = all.classifyEmbeddings(img);
            List<Classification> t = top2.classifyEmbeddings(img);
            List<Classification> s = min.classifyEmbeddings(img);
            boolean someCut = false;
            for (int i = 0; i < img.length; i++) {
                assertEquals(a.get(i).labels().subList(0, 2), t.get(i).labels());
                List<LabelScore> expected = a.get(i).labels().stream()
                        .filter(x -> x.probability() >= 0.1f).collect(Collectors.toList());
                assertEquals(expected, s.get(i).labels());
                someCut |= expected.size() < LABELS.size();
            }
            assertTrue(someCut, "fixture should exercise the filter");
        }
    }

    @Test
    void partialSelectionAgreesWithAFullSort() {
        Random r = new Random(11);
        for (int rep = 0; rep < 200; rep++) {
            int n = 1 + r.nextInt(300);
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = ((long) r.nextInt(20) << 32) | (n - 1 - i);   // many ties in the high bits
            }
            long[] sorted = keys.clone();
            java.util.Arrays.sort(sorted);
            int k = 1 + r.nextInt(Math.min(n, 12));
            long[] best = new long[k];
            assertEquals(k, ZeroShotClassifier.selectTop(keys, best));
            for (int i = 0; i < k; i++) {
                assertEquals(sorted[n - 1 - i], best[i]);
            }
        }
    }

    @Test
    void topKOfManyLabelsIsThePrefixOfTheFullRanking() {
        FakeClipModel m = FakeClipModel.small();
        List<String> many = IntStream.range(0, 60).mapToObj(i -> "label " + i).collect(Collectors.toList());
        float[][] img = images(m, 30, 8);
        try (ZeroShotClassifier all = ZeroShotClassifier.builder().model(m).labels(many).build();
             ZeroShotClassifier top3 = ZeroShotClassifier.builder().model(m).labels(many).topK(3).build()) {
            List<Classification> a = all.classifyEmbeddings(img);
            List<Classification> t = top3.classifyEmbeddings(img);
            for (int i = 0; i < img.length; i++) {
                assertEquals(a.get(i).labels().subList(0, 3), t.get(i).labels());
            }
        }
    }

    @Test
    void tiesKeepTheOrderTheLabelsWereGivenIn() {
        FakeClipModel m = FakeClipModel.small();
        // The fake tokenizer hashes words, and "Aa" and "BB" have the same String.hashCode: identical
        // embeddings, an exact tie (labels that differ only in case or spaces are duplicates now).
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels("dog", "Aa", "x", "BB")
                .templates(List.of("{}")).build()) {
            for (Classification r : c.classifyEmbeddings(images(m, 10, 5))) {
                List<String> order = r.labels().stream().map(LabelScore::label).collect(Collectors.toList());
                assertTrue(order.indexOf("Aa") + 1 == order.indexOf("BB"), order.toString());
            }
        }
    }

    @Test
    void labelEmbeddingsAreCachedPerModelLabelsAndTemplates() {
        FakeClipModel m = FakeClipModel.small();
        ZeroShotClassifier.builder().model(m).labels(LABELS).build().close();
        int calls = m.textCalls.get();
        assertTrue(calls > 0);
        ZeroShotClassifier.builder().model(m).labels(LABELS).topK(1).build().close();
        assertEquals(calls, m.textCalls.get(), "same model, labels and templates: no new encoding");
        ZeroShotClassifier.builder().model(m).labels(LABELS).templates(List.of("{}")).build().close();
        assertTrue(m.textCalls.get() > calls, "other templates: encoded again");
        int after = m.textCalls.get();
        FakeClipModel other = FakeClipModel.small();
        ZeroShotClassifier.builder().model(other).labels(LABELS).build().close();
        assertEquals(after, m.textCalls.get());
        assertTrue(other.textCalls.get() > 0, "another model instance without a hash is cached separately");
    }

    @Test
    void sameCheckpointHashSharesTheCache() {
        String sha = "cd".repeat(32);
        FakeClipModel a = new FakeClipModel("a", sha, 16, 12, 100f);
        FakeClipModel b = new FakeClipModel("b", sha, 16, 12, 100f);
        List<String> labels = List.of("only-for-" + sha.substring(0, 4), "x");
        ZeroShotClassifier.builder().model(a).labels(labels).build().close();
        ZeroShotClassifier.builder().model(b).labels(labels).build().close();
        assertTrue(a.textCalls.get() > 0);
        assertEquals(0, b.textCalls.get());
    }

    @Test
    void promptsAreEncodedInBatches() {
        FakeClipModel m = FakeClipModel.small();
        List<String> templates = List.of("a {}", "b {}", "c {}");
        // 5 labels x 3 templates = 15 prompts in batches of 4
        ZeroShotClassifier.builder().model(m).labels(LABELS).templates(templates).batchSize(4).build().close();
        assertEquals(List.of(4, 4, 4, 3), m.textBatchSizes);
    }

    @Test
    void tooLongPromptsAreTruncatedWithAWarning() {
        FakeClipModel m = FakeClipModel.small();   // context 12 tokens
        List<String> warnings = new ArrayList<>();
        String longLabel = "a very long label with far too many words to fit in twelve tokens";
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels("cat", longLabel)
                .warnings(warnings::add).build()) {
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains(longLabel) && warnings.get(0).contains("truncated"), warnings.get(0));
            double[] expected = expectedLabel(m, longLabel, PromptTemplates.defaults());
            float[] got = c.labelEmbeddings()[1];
            for (int d = 0; d < got.length; d++) {
                assertEquals(expected[d], got[d], 1e-6);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cat;dog;cat | duplicate label 'cat'",
        "cat;;dog | empty label at position 2",
        "cat; ;dog;dog | empty label at position 2",
        "a;b;a;b | duplicate labels 'a', 'b'",
        "cat;Cat | duplicate label 'Cat' (same as 'cat' to CLIP",
        "red car;dog;red  car | duplicate label 'red  car' (same as 'red car'",
    })
    void badLabelsAreNamed(String labels, String message) {
        List<String> l = List.of(labels.split(";", -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZeroShotClassifier.builder().labels(l));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void builderRejectsBadValuesAtOnce() {
        var b = ZeroShotClassifier.builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.templates(List.of("a photo of a cat")))
                .getMessage().contains("'a photo of a cat' has no {}"));
        assertThrows(IllegalArgumentException.class, () -> b.labels(List.of()));
        assertThrows(IllegalArgumentException.class, () -> b.topK(0));
        assertThrows(IllegalArgumentException.class, () -> b.minScore(1.5f));
        assertThrows(IllegalArgumentException.class, () -> b.minScore(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> b.batchSize(0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.labels("x").build())
                .getMessage().contains("no model"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ZeroShotClassifier.builder().model(FakeClipModel.small()).build()).getMessage().contains("no labels"));
    }

    @Test
    void badEmbeddingsAreRejectedNamingTheRow() {
        FakeClipModel m = FakeClipModel.small();
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            float[][] wrong = {m.vector(1), new float[3]};
            assertTrue(assertThrows(IllegalArgumentException.class, () -> c.classifyEmbeddings(wrong))
                    .getMessage().contains("image embedding 1 has 3 values"));
            float[][] zero = {new float[16]};
            assertThrows(IllegalArgumentException.class, () -> c.classifyEmbeddings(zero));
            assertThrows(IllegalArgumentException.class,
                    () -> c.classifyEmbeddings(List.of(Path.of("a")), new float[2][16]));
            assertEquals(0, c.liveArrays());
        }
    }

    @Test
    void classifiesFilesThroughTheModel(@TempDir Path dir) throws Exception {
        FakeClipModel m = FakeClipModel.small();
        Path a = Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        Path b = Files.write(dir.resolve("b.jpg"), new byte[] {4, 5});
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
            List<Classification> rs = c.classify(List.of(a, b));
            assertEquals(a, rs.get(0).image().orElseThrow());
            float[][] eb = m.encodePreprocessed(List.of(m.preprocessor().preprocess(b)), true);
            assertSameScores(c.classifyEmbeddings(eb).get(0), rs.get(1));
            assertSameScores(rs.get(0), c.classify(a));
            Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> c.classify(empty));
            assertEquals(empty, e.file());
        }
    }

    /** Issue 9 item 15: one bad file among many gets its own result; the others are classified. */
    @Test
    void aBadImageInAListGetsItsOwnResultAndTheOthersAreClassified(@TempDir Path dir) throws Exception {
        FakeClipModel m = FakeClipModel.small();
        Path a = Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Path missing = dir.resolve("missing.jpg");
        Path b = Files.write(dir.resolve("b.jpg"), new byte[] {4, 5});
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).batchSize(2).build()) {
            List<Classification> rs = c.classify(List.of(a, empty, missing, dir, b));
            assertEquals(5, rs.size());
            assertEquals(List.of(true, false, false, false, true), rs.stream().map(Classification::ok).toList());
            assertEquals("empty file", rs.get(1).error().orElseThrow());
            assertEquals("no such file", rs.get(2).error().orElseThrow());
            assertEquals("is a folder, not an image", rs.get(3).error().orElseThrow());
            assertEquals(empty, rs.get(1).image().orElseThrow());
            assertTrue(rs.get(1).labels().isEmpty() && rs.get(1).best().isEmpty());
            assertSameScores(c.classify(b), rs.get(4));
        }
    }

    /** Issue 9 item 15: a closed classifier says so; best() is empty when min-score filtered every label. */
    @Test
    void closedClassifierSaysSoAndBestIsEmptyWhenEveryLabelIsFiltered(@TempDir Path dir) throws Exception {
        FakeClipModel m = FakeClipModel.small();
        Path a = Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).minScore(1f).build();
        Classification r = c.classify(a);
        assertTrue(r.labels().isEmpty());
        assertTrue(r.best().isEmpty());
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.classify(a));
        assertEquals("this classifier is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.classifyEmbeddings(new float[1][16]));
        c.close(); // idempotent
    }

    /** Equal up to float rounding (a row's result may depend on the batch's shape). */
    private static void assertSameScores(Classification x, Classification y) {
        assertEquals(x.labels().size(), y.labels().size());
        for (int i = 0; i < x.labels().size(); i++) {
            assertEquals(x.labels().get(i).label(), y.labels().get(i).label());
            assertEquals(x.labels().get(i).probability(), y.labels().get(i).probability(), 1e-5);
            assertEquals(x.labels().get(i).cosine(), y.labels().get(i).cosine(), 1e-5);
        }
    }

    @Test
    void concurrentCallersGetTheSameAnswersAsOneCaller() throws Exception {
        FakeClipModel m = FakeClipModel.small();
        float[][] img = images(m, 64, 99);
        try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).ensemble().build()) {
            // Fixed chunks: a row's float result may depend on the batch shape (BLAS blocking), not on threads.
            int chunk = 8;
            List<Classification> expected = new ArrayList<>();
            for (int from = 0; from < img.length; from += chunk) {
                expected.addAll(c.classifyEmbeddings(java.util.Arrays.copyOfRange(img, from, from + chunk)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int seed = t;
                    fs.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        for (int rep = 0; rep < 50; rep++) {
                            int from = chunk * r.nextInt(img.length / chunk);
                            List<Classification> got = c.classifyEmbeddings(java.util.Arrays.copyOfRange(img, from, from + chunk));
                            for (int i = 0; i < got.size(); i++) {
                                if (!got.get(i).equals(expected.get(from + i))) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : fs) {
                    assertTrue(f.get(60, TimeUnit.SECONDS), "a concurrent result differed");
                }
            } finally {
                pool.shutdown();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            }
            assertEquals(0, c.liveArrays());
        }
    }

    @Test
    void concurrentBuildsEncodeTheLabelsOnce() throws Exception {
        FakeClipModel m = FakeClipModel.small();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<float[][]>> fs = IntStream.range(0, 12).mapToObj(i -> pool.submit(() -> {
                try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels(LABELS).build()) {
                    return c.labelEmbeddings();
                }
            })).collect(Collectors.toList());
            float[][] first = fs.get(0).get(60, TimeUnit.SECONDS);
            for (Future<float[][]> f : fs) {
                float[][] e = f.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < e.length; i++) {
                    assertArrayEquals(first[i], e[i]);
                }
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(1, m.textCalls.get());
    }

    @Test
    void ensembleIsOurOwnAndValid() {
        List<String> e = PromptTemplates.ensemble();
        assertTrue(e.size() >= 20 && e.size() <= 80, "ensemble size " + e.size());
        assertTrue(e.stream().allMatch(t -> t.contains("{}")));
        assertEquals(e.size(), e.stream().distinct().count());
        assertFalse(e.contains("a bad photo of a {}."), "wording must be our own, not OpenAI's list");
    }
}
