package io.clipkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.clipkit.engine.Engines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The optimizer's guard against a finite loss whose gradient is not finite. */
class AdamWTest {
    @Test
    void findsTheTensorWhoseGradientIsNotFiniteThoughTheLossIs() {
        Engine engine = Engines.pytorch();
        try (NDManager m = engine.newBaseManager()) {
            NDArray fine = m.create(new float[] {1f, 4f});
            NDArray bad = m.create(new float[] {0f, 1f});
            fine.setRequiresGradient(true);
            bad.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("fine.weight", fine);
            params.put("bad.weight", bad);
            AdamW adam = new AdamW(params, 0.2);
            float loss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                // sqrt is finite at 0 but its derivative is infinite there
                NDArray l = fine.sqrt().sum().add(bad.sqrt().sum());
                loss = l.getFloat();
                gc.backward(l);
            } finally {
                ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            }
            assertEquals(4f, loss, 1e-6f);
            try (NDManager scratch = m.newSubManager()) {
                assertEquals("bad.weight", adam.firstNonFiniteGradient(scratch));
            }
            // the caller stops before the update: the weights are as they were
            assertArrayEquals(new float[] {0f, 1f}, bad.toFloatArray());

            // fine's gradient (1/(2 sqrt p)) is finite: an optimizer over it alone finds nothing
            AdamW fineOnly = new AdamW(Map.of("fine.weight", fine), 0.2);
            try (NDManager scratch = m.newSubManager()) {
                assertNull(fineOnly.firstNonFiniteGradient(scratch));
            }
        }
    }
}
