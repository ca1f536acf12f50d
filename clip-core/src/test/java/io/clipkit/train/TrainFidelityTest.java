package io.clipkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Activation;
import io.clipkit.Trainer;
import io.clipkit.model.TrainableClip;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Npy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden test against models/tools/train/make_train_fixture.py (torch 1.13): the same steps from
 * the same initial weights and batches give the same losses (1e-4 relative) and the same weight
 * updates (5e-3 relative L2 per tensor, BatchNorm running statistics included).
 */
class TrainFidelityTest {
    static final double LOSS_TOL = 1e-4;
    static final double UPDATE_TOL = 5e-3;

    /** The key-bias range of a tensor, or null. */
    static int[] keyBias(String name, int n) {
        if (name.endsWith("attn.in_proj_bias")) {
            return new int[] {n / 3, 2 * n / 3};
        }
        if (name.endsWith("attnpool.k_proj.bias")) {
            return new int[] {0, n};
        }
        return null;
    }

    static double norm(float[] a, float[] b, int[] range) {
        double s = 0;
        for (int i = range[0]; i < range[1]; i++) {
            s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        return Math.sqrt(s);
    }

    static float[] drop(float[] a, int[] range) {
        float[] out = new float[a.length - (range[1] - range[0])];
        System.arraycopy(a, 0, out, 0, range[0]);
        System.arraycopy(a, range[1], out, range[0], a.length - range[1]);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit", "resnet"})
    void threeStepsMatchTorch(String name) throws Exception {
        Path dir = TestFiles.fixture("train/" + name);
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int steps = expected.get("steps").asInt();
        Map<String, TensorData> initial = Checkpoint.read(dir.resolve("initial.safetensors")).tensors();
        Map<String, TensorData> reference = Checkpoint.read(dir.resolve("final.safetensors")).tensors();
        Npy.Array images = Npy.read(dir.resolve("images.npy"));
        Npy.Array tokens = Npy.read(dir.resolve("tokens.npy"));
        int b = images.shape()[1];
        int perImage = images.shape()[2] * images.shape()[3] * images.shape()[4];
        int ctx = tokens.shape()[2];
        try (TrainableClip model = TrainableClip.of(initial, Activation.QUICK_GELU, "cpu")) {
            Session session = new Session(model, false, false, expected.get("weight_decay").asDouble(),
                    new LrSchedule(expected.get("lr").asDouble(), expected.get("warmup").asInt(), steps,
                            Trainer.Schedule.COSINE));
            double worstLoss = 0;
            for (int s = 0; s < steps; s++) {
                float[] pixels = Arrays.copyOfRange(images.data(), s * b * perImage, (s + 1) * b * perImage);
                int[][] rows = new int[b][ctx];
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < ctx; j++) {
                        rows[i][j] = Math.round(tokens.data()[(s * b + i) * ctx + j]);
                    }
                }
                assertEquals(expected.get("lrs").get(s).asDouble(), session.lr(s), 1e-12, "lr at step " + s);
                double loss = session.step(s, pixels, rows);
                double want = expected.get("losses").get(s).asDouble();
                double rel = Math.abs(loss - want) / Math.abs(want);
                worstLoss = Math.max(worstLoss, rel);
                System.out.printf("train fidelity %s step %d: loss %.7f, torch %.7f, rel diff %.2e%n", name, s + 1, loss,
                        want, rel);
                assertTrue(rel < LOSS_TOL, name + " step " + (s + 1) + ": loss " + loss + " vs torch " + want);
            }
            double lr = expected.get("lr").asDouble();
            double worst = 0;
            String worstName = "";
            int compared = 0;
            for (Map.Entry<String, NDArray> e : model.tensors().entrySet()) {
                String k = e.getKey();
                float[] now = e.getValue().toFloatArray();
                float[] start = initial.get(k).toFloatArray();
                float[] ref = reference.get(k).toFloatArray();
                int[] keys = keyBias(k, now.length);
                if (keys != null) {
                    // A key bias adds one constant to all of a query's scores, which softmax ignores: its
                    // exact gradient is 0, so both updates are rounding noise scaled up by Adam. Check
                    // that they stay far below a real update (about lr per element and step), then
                    // compare the rest of the tensor (in_proj_bias: the query and value biases).
                    double bound = 0.05 * lr * Math.sqrt(keys[1] - keys[0]);
                    assertTrue(norm(now, start, keys) < bound && norm(ref, start, keys) < bound,
                            name + " " + k + ": key-bias update is not negligible");
                    now = drop(now, keys);
                    start = drop(start, keys);
                    ref = drop(ref, keys);
                    if (now.length == 0) {
                        continue;
                    }
                }
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < now.length; i++) {
                    double uj = (double) now[i] - start[i];
                    double ur = (double) ref[i] - start[i];
                    diff += (uj - ur) * (uj - ur);
                    norm += ur * ur;
                }
                if (norm == 0) {
                    assertEquals(0, diff, 1e-20, k + ": torch left it unchanged, we did not");
                    continue;
                }
                double rel = Math.sqrt(diff / norm);
                compared++;
                if (rel > worst) {
                    worst = rel;
                    worstName = k;
                }
                assertTrue(rel < UPDATE_TOL, name + " " + k + ": update differs from torch's by " + rel + " (relative L2)");
            }
            System.out.printf("train fidelity %s: worst loss rel diff %.2e; worst update rel L2 %.2e (%s) over %d tensors%n",
                    name, worstLoss, worst, worstName, compared);
            assertTrue(compared > 10, "too few tensors compared: " + compared);
        }
    }
}
