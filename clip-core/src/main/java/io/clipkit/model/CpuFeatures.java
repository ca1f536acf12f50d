package io.clipkit.model;

import io.clipkit.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU's instruction-set flags as Linux reports them ({@code /proc/cpuinfo}), and what the
 * reduced-precision encoder kernels need from them. {@link io.clipkit.ClipModel.Builder} asks it
 * whether {@link DType#BF16} can run natively here; tests give it other flags.
 *
 * <pre>{@code
 * CpuFeatures cpu = CpuFeatures.detect();
 * cpu.missingFor(DType.BF16).ifPresent(System.out::println); // empty on a CPU with AVX512-BF16 or AMX-BF16
 * }</pre>
 *
 * @param flags the lower-case flag names ({@code avx2}, {@code avx512_bf16}, {@code amx_bf16}, ...)
 */
public record CpuFeatures(Set<String> flags) {
    /** The flags a benchmark prints: what the fp32, bf16 and int8 kernels can use. */
    public static final java.util.List<String> RELEVANT =
            java.util.List.of("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8");

    private static volatile CpuFeatures detected;

    public CpuFeatures {
        flags = Set.copyOf(new TreeSet<>(flags));
    }

    /** Features with exactly these flags. */
    public static CpuFeatures of(String... flags) {
        return new CpuFeatures(Set.of(flags));
    }

    /** This machine's flags (the first processor's in {@code /proc/cpuinfo}); none where that file is absent. */
    public static CpuFeatures detect() {
        CpuFeatures d = detected;
        if (d == null) {
            d = read(Path.of("/proc/cpuinfo"));
            detected = d;
        }
        return d;
    }

    static CpuFeatures read(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> new CpuFeatures(new TreeSet<>(Arrays.asList(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))))
                    .orElse(of());
        } catch (IOException | RuntimeException e) {
            return of(); // not Linux, or unreadable: nothing is known to be there
        }
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /**
     * What this CPU lacks to compute in {@code dtype} natively on CPU, in words; empty when nothing
     * is missing (fp32 and fp16 need nothing here). bf16 needs AVX512-BF16 or AMX-BF16: without
     * them oneDNN would emulate bf16 in fp32, slower than the fp32 path itself. int8 needs
     * AVX512-VNNI, AVX-VNNI or AMX-INT8 (int8 dot products in one instruction).
     */
    public Optional<String> missingFor(DType dtype) {
        if (dtype == DType.INT8 && !has("avx512_vnni") && !has("avx_vnni") && !has("amx_int8")) {
            return Optional.of("int8 needs a CPU with AVX512-VNNI, AVX-VNNI or AMX-INT8 instructions (flags avx512_vnni, "
                    + "avx_vnni, amx_int8); this one has none of them");
        }
        if (dtype == DType.BF16 && !has("avx512_bf16") && !has("amx_bf16")) {
            return Optional.of("bf16 needs a CPU with AVX512-BF16 or AMX-BF16 instructions (flags avx512_bf16, amx_bf16); "
                    + "this one has neither" + (has("avx512f") ? " (it has AVX-512 without bf16)" : has("avx2") ? " (it has AVX2)" : ""));
        }
        return Optional.empty();
    }

    /** The {@link #RELEVANT} flags, each with yes/no: {@code avx2=yes avx512f=no ...}. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        for (String f : RELEVANT) {
            b.append(b.length() == 0 ? "" : " ").append(f).append(has(f) ? "=yes" : "=no");
        }
        return b.toString();
    }
}
