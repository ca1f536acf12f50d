// Java side of bench/dtype.sh, run as a single-file program on the clip jar's classpath:
//   java -cp clip-cli/target/clip.jar bench/DtypeBench.java DIR THREADS [fp32,bf16,int8]
// For each compute type: loads the random ViT-B/32-sized checkpoint through ClipModel.builder(),
// checks the embeddings against the fp32 reference's (worst cosine), times batch-32 image
// (preprocessed) and text embedding (median of the rounds), and prints throughput, the ratio to
// the Python reference measured in the same run (bench/dtype_ref.py), the kernel that ran, the
// fraction of the machine's peak FLOP/s used and the RSS. bench/dtype.sh runs one JVM per type.
import io.clipkit.ClipModel;
import io.clipkit.DType;
import io.clipkit.ModelInfo;
import io.clipkit.model.CpuFeatures;
import io.clipkit.util.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DtypeBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        List<String> modes = List.of((args.length > 2 ? args[2] : "fp32,bf16,int8").split(","));
        Npy.Array imgs = Npy.read(dir.resolve("images.npy"));
        Npy.Array toks = Npy.read(dir.resolve("tokens.npy"));
        int n = imgs.shape()[0];
        int chw = imgs.size() / n;
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(Arrays.copyOfRange(imgs.data(), i * chw, (i + 1) * chw));
        }
        int ctx = toks.shape()[1];
        int[][] tokens = new int[toks.shape()[0]][ctx];
        for (int i = 0; i < tokens.length; i++) {
            for (int j = 0; j < ctx; j++) {
                tokens[i][j] = Math.round(toks.data()[i * ctx + j]);
            }
        }
        String ref = Files.readString(dir.resolve("dtype-ref.json"));
        CpuFeatures cpu = CpuFeatures.detect();
        double ghz = ghz();
        if (modes.contains("fp32")) {
            System.out.printf("peak FLOP/s = %d threads x %.2f GHz (%s) x FLOP/cycle/core of the instruction set "
                    + "(fp32: AVX-512 2 FMA units x 16 lanes x 2 = 64, AVX2 32; bf16: AMX-BF16 1024, AVX512-BF16 128;"
                    + " int8 ops: AMX-INT8 2048, AVX512-VNNI 256)%n",
                    threads, ghz, ghzSource);
        }
        double refImg = n / num(ref, "fp32_image_s");
        double refTxt = tokens.length / num(ref, "fp32_text_s");
        for (String mode : modes) {
            DType dtype = DType.parse(mode);
            long t0 = System.nanoTime();
            try (ClipModel model = ClipModel.builder().path(dir.resolve("ViT-B-32-random.pt")).dtype(dtype).threads(threads)
                    .batchSize(32).notices(line -> System.out.println("notice: " + line)).load()) {
                double loadS = (System.nanoTime() - t0) / 1e9;
                ModelInfo info = model.info();
                String fi = fidelity(model.encodePreprocessed(images, false), Npy.read(dir.resolve("ref-image.npy")));
                String ft = fidelity(model.encodeTokens(tokens, false), Npy.read(dir.resolve("ref-text.npy")));
                long rss = rssMb();
                double ti = median(() -> model.encodePreprocessed(images, false));
                double tt = median(() -> model.encodeTokens(tokens, false));
                double perCycle = flopsPerCycle(info.dtype(), cpu);
                double peak = threads * ghz * 1e9 * perCycle;
                double imgFlops = imageFlops(info) * n / ti;
                double txtFlops = textFlops(info) * tokens.length / tt;
                System.out.printf("java %s (ran %s, kernel %s): images %.1f/s (%.2fx ref fp32), texts %.1f/s (%.2fx ref fp32),"
                        + " load %.2fs, RSS after the first batches %d MB%n", mode, info.dtype().name().toLowerCase(), info.kernel(),
                        n / ti, (n / ti) / refImg, tokens.length / tt, (tokens.length / tt) / refTxt, loadS, rss);
                System.out.printf("  matmul FLOP/s: images %.0f GFLOP/s = %.1f%% of %s peak %.0f GFLOP/s; texts %.0f GFLOP/s = %.1f%%%n",
                        imgFlops / 1e9, 100 * imgFlops / peak, info.dtype().name().toLowerCase(), peak / 1e9,
                        txtFlops / 1e9, 100 * txtFlops / peak);
                System.out.printf("  agreement with the fp32 reference: image %s; text %s%n", fi, ft);
            }
        }
        if (modes.stream().anyMatch(m -> !m.equals("fp32"))) {
            var v = org.bytedeco.dnnl.global.dnnl.dnnl_version();
            System.out.printf("  oneDNN %d.%d.%d, effective ISA 0x%x (dnnl_get_effective_cpu_isa; 0xfef = avx10_1_512_amx ="
                    + " avx512_core_amx, 0xe7 = avx512_core_bf16)%n",
                    v.major(), v.minor(), v.patch(), org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa());
        }
    }

    static String ghzSource = "";

    static long rssMb() throws Exception {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** The nominal clock: /proc/cpuinfo's "cpu MHz", else the TSC rate (bogomips / 2), as VMs report it. */
    static double ghz() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("cpu MHz")) {
                ghzSource = "cpu MHz";
                return Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()) / 1000;
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("bogomips")) {
                ghzSource = "TSC, bogomips/2";
                return Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()) / 2000;
            }
        }
        ghzSource = "unknown, assumed";
        return 2.0;
    }

    static double flopsPerCycle(DType ran, CpuFeatures cpu) {
        if (ran == DType.BF16) {
            return cpu.has("amx_bf16") ? 1024 : cpu.has("avx512_bf16") ? 128 : 64;
        }
        if (ran == DType.INT8) {
            return cpu.has("amx_int8") ? 2048 : cpu.has("avx512_vnni") ? 256 : 64;
        }
        return cpu.has("avx512f") ? 64 : 32;
    }

    /** Matrix-product FLOPs of one image through the reference ViT: patch embedding, blocks (linears + attention), projection. */
    static double imageFlops(ModelInfo i) {
        double grid = i.imageResolution() / i.patchSize();
        double t = grid * grid + 1;
        double w = i.visionWidth();
        double patch = 2 * (t - 1) * 3 * i.patchSize() * i.patchSize() * w;
        return patch + i.visionLayers() * (24 * t * w * w + 4 * t * t * w) + 2 * w * i.embedDim();
    }

    /** The same for one text at the full context, as the reference computes it. */
    static double textFlops(ModelInfo i) {
        double c = i.contextLength();
        double w = i.textWidth();
        return i.textLayers() * (24 * c * w * w + 4 * c * c * w) + 2 * w * i.embedDim();
    }

    interface Body {
        void run() throws Exception;
    }

    /** Median wall seconds per call over at least 5 rounds and 6 s, after a warm-up call. */
    static double median(Body b) throws Exception {
        b.run();
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < 5 || System.nanoTime() - start < 6e9) {
            long t = System.nanoTime();
            b.run();
            times.add((System.nanoTime() - t) / 1e9);
        }
        times.sort(null);
        int m = times.size();
        return m % 2 == 1 ? times.get(m / 2) : (times.get(m / 2 - 1) + times.get(m / 2)) / 2;
    }

    static String fidelity(float[][] got, Npy.Array want) {
        int d = want.shape()[1];
        double worstCos = 1;
        for (int i = 0; i < got.length; i++) {
            double dot = 0, ng = 0, nw = 0;
            for (int k = 0; k < d; k++) {
                double g = got[i][k];
                double w = want.data()[i * d + k];
                dot += g * w;
                ng += g * g;
                nw += w * w;
            }
            worstCos = Math.min(worstCos, dot / Math.sqrt(ng * nw));
        }
        return String.format("worst cos %.6f", worstCos);
    }

    static double num(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([0-9.eE+-]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
