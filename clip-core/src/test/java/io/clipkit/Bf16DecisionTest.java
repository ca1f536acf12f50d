package io.clipkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.model.CpuFeatures;
import io.clipkit.model.ModelLoader;
import io.clipkit.testing.FakeClipModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where bf16 runs: on a CPU with AVX512-BF16 or AMX-BF16 through oneDNN; on one without (AVX2-only
 * CI machines, AVX-512 without bf16), {@code ClipModel.builder()} falls back to fp32 with a notice
 * naming what is missing. The CPU's flags are injected; the real ones are not consulted.
 */
class Bf16DecisionTest {
    @TempDir Path tmp;

    @Test
    void bf16NeedsAvx512Bf16OrAmx() {
        assertTrue(CpuFeatures.of("avx2", "avx512f", "avx512_bf16").missingFor(DType.BF16).isEmpty());
        assertTrue(CpuFeatures.of("avx2", "amx_bf16").missingFor(DType.BF16).isEmpty());
        String avx2 = CpuFeatures.of("avx2", "fma").missingFor(DType.BF16).orElseThrow();
        assertTrue(avx2.contains("AVX512-BF16") && avx2.contains("AMX-BF16") && avx2.contains("AVX2"), avx2);
        String avx512 = CpuFeatures.of("avx2", "avx512f", "avx512_vnni").missingFor(DType.BF16).orElseThrow();
        assertTrue(avx512.contains("AVX-512 without bf16"), avx512);
        for (DType d : List.of(DType.FP32, DType.FP16)) {
            assertTrue(CpuFeatures.of().missingFor(d).isEmpty(), d + " needs nothing");
        }
    }

    @Test
    void int8NeedsVnniOrAmxAndFallsBackLikeBf16() {
        assertTrue(CpuFeatures.of("avx512_vnni").missingFor(DType.INT8).isEmpty());
        assertTrue(CpuFeatures.of("avx_vnni").missingFor(DType.INT8).isEmpty());
        assertTrue(CpuFeatures.of("amx_int8").missingFor(DType.INT8).isEmpty());
        String none = CpuFeatures.of("avx2", "avx512f").missingFor(DType.INT8).orElseThrow();
        assertTrue(none.contains("VNNI") && none.contains("AMX-INT8"), none);
        List<String> notices = new ArrayList<>();
        assertEquals(DType.FP32, ModelLoader.effectiveDType(DType.INT8, "cpu", CpuFeatures.of("avx2"), notices::add));
        assertEquals(1, notices.size(), notices.toString());
        assertEquals(DType.INT8, DType.parse("INT8"));
    }

    @Test
    void withoutBf16InstructionsTheCpuFallsBackToFp32WithANotice() {
        List<String> notices = new ArrayList<>();
        assertEquals(DType.FP32, ModelLoader.effectiveDType(DType.BF16, "cpu", CpuFeatures.of("avx2"), notices::add));
        assertEquals(1, notices.size());
        assertTrue(notices.get(0).contains("AVX512-BF16") && notices.get(0).contains("fp32"), notices.get(0));

        notices.clear();
        assertEquals(DType.BF16, ModelLoader.effectiveDType(DType.BF16, "cpu", CpuFeatures.of("amx_bf16"), notices::add));
        assertEquals(DType.FP16, ModelLoader.effectiveDType(DType.FP16, "cpu", CpuFeatures.of("avx2"), notices::add));
        // a GPU is not the CPU's business: the loader refuses bf16 there, naming the device
        assertEquals(DType.BF16, ModelLoader.effectiveDType(DType.BF16, "gpu", CpuFeatures.of("avx2"), notices::add));
        assertEquals(List.of(), notices);
    }

    @Test
    void theBuilderHandsTheLoaderTheDTypeThatRuns() throws Exception {
        for (boolean bf16Cpu : new boolean[] {false, true}) {
            AtomicReference<ModelOptions> seen = new AtomicReference<>();
            List<String> notices = new ArrayList<>();
            ClipModel.builder().path(tmp.resolve("model.pt")).activation(Activation.QUICK_GELU).dtype(DType.BF16)
                    .cpuFeatures(bf16Cpu ? CpuFeatures.of("avx2", "avx512f", "avx512_bf16") : CpuFeatures.of("avx2"))
                    .notices(notices::add)
                    .loader((file, options) -> {
                        seen.set(options);
                        return FakeClipModel.small();
                    })
                    .load().close();
            assertEquals(bf16Cpu ? DType.BF16 : DType.FP32, seen.get().dtype());
            assertEquals(bf16Cpu ? 0 : 1, notices.size(), notices.toString());
        }
    }
}
