package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.clipkit.ClipException;
import io.clipkit.ClipModel;
import io.clipkit.DType;
import io.clipkit.ModelInfo;
import io.clipkit.ModelOptions;
import io.clipkit.engine.Engines;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.testing.TestFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code weightsInBackground}: the model is described at once and computes exactly what a model
 * loaded in the foreground computes; a failure while the weights load reaches the first call that
 * needs them, naming the checkpoint. Also the loader's bf16 conversion straight from the file.
 */
class BackgroundWeightsTest {
    private static final String VIT = ModelLifecycleTest.VIT;
    private static final String RN = ModelLifecycleTest.RN;

    @Test
    void aModelLoadedInTheBackgroundComputesWhatAForegroundOneDoes() throws Exception {
        for (String f : List.of(VIT, RN)) {
            ModelFixtures.Case c = ModelLifecycleTest.caseOf(f);
            List<float[]> images = ModelFixtures.images(c.images());
            int[][] tokens = c.tokens();
            for (DType d : List.of(DType.FP32, DType.BF16)) {
                if (d == DType.BF16 && CpuFeatures.detect().missingFor(DType.BF16).isPresent()) {
                    continue; // no bf16 instructions here: the dtype falls back (ReducedPrecisionTest covers it)
                }
                ModelOptions fg = ModelOptions.builder().dtype(d).build();
                ModelOptions bg = ModelOptions.builder().dtype(d).weightsInBackground(true).build();
                try (ClipModel a = ModelLoader.load(c.checkpoint(), fg); ClipModel b = ModelLoader.load(c.checkpoint(), bg)) {
                    assertEquals(a.info(), b.info(), f + " " + d + ": the description does not depend on when the weights load");
                    float[][] bi = b.encodePreprocessed(images, false); // waits for the weights
                    float[][] ai = a.encodePreprocessed(images, false);
                    float[][] bt = b.encodeTokens(tokens, false);
                    float[][] at = a.encodeTokens(tokens, false);
                    for (int i = 0; i < ai.length; i++) {
                        assertArrayEquals(ai[i], bi[i], 0f, f + " " + d + " image " + i);
                    }
                    for (int i = 0; i < at.length; i++) {
                        assertArrayEquals(at[i], bt[i], 0f, f + " " + d + " text " + i);
                    }
                }
            }
        }
    }

    @Test
    void aWeightFailureReachesEveryCallNamingTheCheckpointAndTheTensor() throws Exception {
        Checkpoint bad = ModelLifecycleTest.wronglyShaped();
        String name = ModelLifecycleTest.WRONG_SHAPE_TENSOR;
        Checkpoint ck = Checkpoint.read(TestFiles.fixture(VIT));
        // In the foreground this fails in load() (ModelLifecycleTest); in the background load() returns a
        // described model, and what needs the weights fails.
        ClipModel m = ModelLoader.build(bad, TestFiles.fixture(VIT), "bad", ModelOptions.builder().weightsInBackground(true).build());
        try {
            ModelInfo info = m.info();
            assertEquals("bad", info.name());
            assertEquals(ck.sha256(), info.checkpointSha256());
            ModelFixtures.Case c = ModelLifecycleTest.caseOf(VIT);
            List<float[]> images = ModelFixtures.images(c.images());
            for (int call = 0; call < 2; call++) {
                ClipException e = assertThrows(ClipException.class, () -> m.encodePreprocessed(images, true));
                assertTrue(e.getMessage().contains("loading the weights of") && e.getMessage().contains("model.safetensors")
                        && e.getMessage().contains(name) && e.getMessage().contains("expected [64]"), e.getMessage());
            }
            int[][] tokens = c.tokens();
            ClipException e = assertThrows(ClipException.class, () -> m.encodeTokens(tokens, true));
            assertTrue(e.getMessage().contains(name), e.getMessage());
        } finally {
            m.close(); // nothing to free: the loading task freed what it had made
        }
        int[][] tokens = ModelLifecycleTest.caseOf(VIT).tokens();
        assertThrows(IllegalStateException.class, () -> m.encodeTokens(tokens, true));
    }

    @Test
    void closingWhileTheWeightsLoadFreesThemOnceLoaded() throws Exception {
        ModelFixtures.Case c = ModelLifecycleTest.caseOf(RN);
        for (int i = 0; i < 5; i++) {
            ClipModel m = ModelLoader.load(c.checkpoint(), ModelOptions.builder().weightsInBackground(true).build());
            m.close(); // waits for the weights, then frees them
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.encodeTokens(c.tokens(), true));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            m.close(); // twice is fine
        }
    }

    /** The loader converts fp32 Linear weights to bf16 straight from the checkpoint's bytes: the same packed weight as through an engine copy. */
    @Test
    void bf16FromTheFileBytesEqualsBf16FromAnEngineCopy() {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuFeatures.detect().missingFor(DType.BF16).isEmpty() && Dnnl.usable(),
                "no bf16 instructions or no oneDNN here");
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            long n = 96;
            long k = 80;
            NDArray w = m.randomNormal(new Shape(n, k));
            NDArray b = m.randomNormal(new Shape(n));
            NDArray x = m.randomNormal(new Shape(7, k));
            ByteBuffer bytes = ByteBuffer.allocateDirect((int) (n * k * 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : w.toFloatArray()) {
                bytes.putFloat(v);
            }
            bytes.flip();
            Dnnl.Weight viaEngine = Dnnl.pack(w, b, false, m, Dnnl.Kind.BF16, null);
            Dnnl.Weight viaBytes = Dnnl.packBf16(bytes, false, n, k, false, b, m, null);
            float[] want = Dnnl.linear(x, viaEngine).toFloatArray();
            float[] got = Dnnl.linear(x, viaBytes).toFloatArray();
            assertArrayEquals(want, got, 0f);
            // fp16 stored weights (OpenAI's checkpoints): from the bytes, as through an fp32 engine copy
            NDArray w16 = w.toType(DataType.FLOAT16, false);
            ByteBuffer half = ByteBuffer.allocateDirect((int) (n * k * 2)).order(ByteOrder.nativeOrder());
            half.put(w16.toByteBuffer()).flip();
            float[] want16 = Dnnl.linear(x, Dnnl.pack(w16.toType(DataType.FLOAT32, false), b, false, m, Dnnl.Kind.BF16, null))
                    .toFloatArray();
            // oneDNN reads fp16 only where the CPU has fp16 conversions (AVX512-FP16/AMX); elsewhere
            // packBf16 refuses as documented, and Weights converts through the engine instead
            Dnnl.Weight from16;
            try {
                from16 = Dnnl.packBf16(half, true, n, k, false, b, m, null);
            } catch (ClipException refused) {
                assertTrue(refused.getMessage().contains("reorder"), refused.getMessage());
                from16 = null;
            }
            if (from16 != null) {
                assertArrayEquals(want16, Dnnl.linear(x, from16).toFloatArray(), 0f);
            }
            float[] fp32 = x.matMul(w.transpose()).add(b).toFloatArray();
            double cos = Fidelity.of(got, fp32).cosine();
            assertTrue(cos > 0.999, "bf16 product vs fp32: cosine " + cos); // the limit for bf16 embeddings
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Dnnl.packBf16(ByteBuffer.allocate((int) (n * k * 4)), false, n, k, false, null, m, null));
            assertTrue(e.getMessage().contains("on the heap"), e.getMessage());
        }
    }

    @Test
    void openBlasThreadsAreSetInTheLibraryTheProductsUse() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Blas.usable(), "no OpenBLAS here");
        com.sun.jna.Function get = null;
        for (String path : org.bytedeco.javacpp.Loader.getLoadedLibraries().values()) {
            String file = path == null ? "" : java.nio.file.Path.of(path).getFileName().toString();
            if (file.startsWith("libopenblas.so")) {
                get = com.sun.jna.NativeLibrary.getInstance(path, Map.of(com.sun.jna.Library.OPTION_OPEN_FLAGS, 0x1 | 0x4))
                        .getFunction("openblas_get_num_threads");
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(get != null, "OpenBLAS was not loaded from a file JavaCPP names");
        int before = (Integer) get.invoke(Integer.class, new Object[0]);
        org.junit.jupiter.api.Assumptions.assumeTrue(before > 1, "OpenBLAS runs one thread here: nothing to change");
        try {
            Blas.setThreads(1);
            assertEquals(1, get.invoke(Integer.class, new Object[0]));
            Blas.setThreads(before);
            assertEquals(before, get.invoke(Integer.class, new Object[0]));
        } finally {
            Blas.setThreads(before);
        }
        // and the products still agree with libtorch's after the change
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(33, 17));
            NDArray x = m.randomNormal(new Shape(5, 17));
            assertArrayEquals(Nn.torchLinear(x, w, null).toFloatArray(), Blas.linear(x, w, null).toFloatArray(), 2e-5f);
            assertEquals(DataType.FLOAT32, Blas.linear(x, w, null).getDataType());
        }
    }
}
