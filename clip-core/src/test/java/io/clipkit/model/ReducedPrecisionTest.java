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
 * held to the fp32 limits; the bound here (cosine >= 0.995) only catches a broken path, and the
 * figures are printed for the README.
 */
class ReducedPrecisionTest {
    private static final StringBuilder REPORT = new StringBuilder();

    static Stream<Arguments> cases() {
        return ModelFixtures.cases().stream()
                .filter(c -> !c.format().equals("state-dict")) // same weights as another file of the model
                .map(c -> Arguments.of(c, DType.FP16));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reducedPrecisionStaysClose(ModelFixtures.Case c, DType dtype) throws Exception {
        ModelOptions opts = ModelOptions.builder().dtype(dtype).build();
        try (ClipModel model = io.clipkit.model.ModelLoader.load(c.checkpoint(), opts)) {
            assertEquals(dtype, model.info().dtype());
            Fidelity fi = EncoderFidelityTest.worst(model.encodePreprocessed(ModelFixtures.images(c.images()), false),
                    ModelFixtures.rows(c.expected(Activation.QUICK_GELU, "image")));
            Fidelity ft = EncoderFidelityTest.worst(model.encodeTokens(c.tokens(), false),
                    ModelFixtures.rows(c.expected(Activation.QUICK_GELU, "text")));
            synchronized (REPORT) {
                REPORT.append(String.format("%-45s %-5s image %s | text %s%n", c, dtype, fi, ft));
            }
            assertTrue(fi.cosine() >= 0.995, "image " + fi);
            assertTrue(ft.cosine() >= 0.995, "text " + ft);
        }
    }

    @Test
    void bf16IsRefusedClearlyBeforeAnythingRuns() {
        ModelFixtures.Case c = ModelFixtures.cases().get(0);
        ClipException e = assertThrows(ClipException.class,
                () -> io.clipkit.model.ModelLoader.load(c.checkpoint(), ModelOptions.builder().dtype(DType.BF16).build()));
        assertTrue(e.getMessage().contains("bf16"), e.getMessage());
    }

    @AfterAll
    static void print() {
        System.out.print("Reduced-precision fidelity vs the fp32 reference:\n" + REPORT);
    }
}
