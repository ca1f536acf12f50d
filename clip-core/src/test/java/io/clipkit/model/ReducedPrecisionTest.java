package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.Activation;
import io.clipkit.DType;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The opt-in reduced-precision compute types, measured against the fp32 reference. They are not
 * held to the fp32 limits: fp16 (libtorch) to cosine >= 0.995, which only catches a broken path; bf16
 * (oneDNN) to the target, cosine >= 0.999 per embedding. The figures are printed for the README.
 */
class ReducedPrecisionTest {
    private static final StringBuilder REPORT = new StringBuilder();

    static Stream<Arguments> cases() {
        return ModelFixtures.cases().stream()
                .filter(c -> !c.format().equals("state-dict")) // same weights as another file of the model
                .flatMap(c -> Stream.of(Arguments.of(c, DType.FP16, Activation.QUICK_GELU),
                        Arguments.of(c, DType.BF16, Activation.QUICK_GELU), Arguments.of(c, DType.BF16, Activation.GELU),
                        Arguments.of(c, DType.INT8, Activation.QUICK_GELU)));
    }

    /** bf16 and int8 run only where the CPU has them (elsewhere the builder falls back to fp32: see {@code Bf16DecisionTest}). */
    static void assumeBf16(DType dtype) {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuFeatures.detect().missingFor(dtype).isEmpty(),
                () -> "skipped: " + CpuFeatures.detect().missingFor(dtype).orElse(""));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void reducedPrecisionStaysClose(ModelFixtures.Case c, DType dtype, Activation act) throws Exception {
        assumeBf16(dtype);
        ModelOptions opts = ModelOptions.builder().dtype(dtype).activation(act).build();
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), opts)) {
            assertEquals(dtype, model.info().dtype());
            Fidelity fi = EncoderFidelityTest.worst(model.encodePreprocessed(ModelFixtures.images(c.images()), false),
                    ModelFixtures.rows(c.expected(act, "image")));
            Fidelity ft = EncoderFidelityTest.worst(model.encodeTokens(c.tokens(), false),
                    ModelFixtures.rows(c.expected(act, "text")));
            synchronized (REPORT) {
                REPORT.append(String.format("%-45s %-5s %-10s image %s | text %s%n", c, dtype, act.cliName(), fi, ft));
            }
            double bound = dtype == DType.FP16 ? 0.995 : 0.999;
            assertTrue(fi.cosine() >= bound, "image " + fi);
            assertTrue(ft.cosine() >= bound, "text " + ft);
            if (dtype != DType.FP16) {
                assertTrue(model.info().kernel().startsWith("onednn:"), model.info().kernel());
            } else {
                assertEquals("libtorch", model.info().kernel());
            }
        }
    }

    /** Many threads share one model (tag, serve): oneDNN's primitives, streams and scratchpads must not be shared wrongly. */
    @Test
    void bf16IsThreadSafe() throws Exception {
        assumeBf16(DType.BF16);
        ModelFixtures.Case c = ModelFixtures.cases().get(0);
        java.util.List<float[]> images = ModelFixtures.images(c.images());
        int[][] tokens = c.tokens();
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().dtype(DType.BF16).build())) {
            float[][] img = model.encodePreprocessed(images, false);
            float[][] txt = model.encodeTokens(tokens, false);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int from = t % images.size();
                    runs.add(pool.submit(() -> {
                        for (int r = 0; r < 5; r++) {
                            // varied batch sizes: different M per product, different reorders
                            float[][] one = model.encodePreprocessed(images.subList(from, images.size()), false);
                            for (int i = 0; i < one.length; i++) {
                                org.junit.jupiter.api.Assertions.assertArrayEquals(img[from + i], one[i], 1e-5f);
                            }
                            float[][] tx = model.encodeTokens(tokens, false);
                            for (int i = 0; i < tx.length; i++) {
                                org.junit.jupiter.api.Assertions.assertArrayEquals(txt[i], tx[i], 1e-5f);
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : runs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The Linear layers' fp32 copies are freed once converted: bf16 holds 2 bytes per such weight, int8 1. */
    @Test
    void reducedTypesHoldLessWeightMemory() throws Exception {
        ModelFixtures.Case c = ModelFixtures.cases().get(0);
        long fp32;
        try (ClipModel m = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().build())) {
            fp32 = ((DjlClipModel) m).weightBytes();
        }
        long previous = fp32;
        for (DType d : java.util.List.of(DType.BF16, DType.INT8)) {
            assumeBf16(d);
            try (ClipModel m = io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().dtype(d).build())) {
                long bytes = ((DjlClipModel) m).weightBytes();
                synchronized (REPORT) {
                    REPORT.append(String.format("weights held by %s (%s): %d bytes, fp32 %d%n", c, d, bytes, fp32));
                }
                assertTrue(bytes < previous, d + ": " + bytes + " bytes, not below " + previous);
                previous = bytes;
            }
        }
    }

    @Test
    void bf16OnGpuIsRefusedNamingTheDevice() {
        ModelFixtures.Case c = ModelFixtures.cases().get(0);
        org.junit.jupiter.api.Assumptions.assumeTrue(io.clipkit.engine.Engines.pytorch().getGpuCount() > 0, "no GPU here");
        ClipException e = assertThrows(ClipException.class, () -> io.clipkit.model.ModelLoader.load(c.checkpoint(),
                ModelOptions.builder().dtype(DType.BF16).device("gpu").build()));
        assertTrue(e.getMessage().contains("CPU only"), e.getMessage());
    }

    @AfterAll
    static void print() {
        System.out.print("Reduced-precision fidelity vs the fp32 reference:\n" + REPORT);
    }
}
