package io.clipkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU flags come from the first processor's {@code flags} line of {@code /proc/cpuinfo}. */
class CpuFeaturesTest {
    @TempDir Path tmp;

    @Test
    void flagsAreReadFromCpuinfo() throws Exception {
        Path cpuinfo = Files.writeString(tmp.resolve("cpuinfo"), "processor\t: 0\nmodel name\t: Test CPU\n"
                + "flags\t\t: fpu sse2 avx2 fma avx512f avx512_bf16 amx_tile\n\nprocessor\t: 1\nflags\t\t: fpu\n");
        CpuFeatures f = CpuFeatures.read(cpuinfo);
        assertTrue(f.has("avx512_bf16") && f.has("avx2") && f.has("amx_tile"), f.toString());
        assertTrue(f.missingFor(DType.BF16).isEmpty());
        assertEquals("avx2=yes avx512f=yes avx512_bf16=yes avx512_vnni=no amx_bf16=no amx_int8=no", f.summary());
        assertTrue(CpuFeatures.read(tmp.resolve("absent")).flags().isEmpty(), "no cpuinfo: nothing known");
    }
}
