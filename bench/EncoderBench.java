// Java side of bench/encoders.sh, run as a single-file program on the clip jar's classpath:
//   java -cp clip-cli/target/clip.jar bench/EncoderBench.java DIR THREADS [ARCH] [fp32|fp16]
// Times ClipModel.load and batch-32 image (preprocessed) and text embedding on the checkpoint and
// inputs bench/encoders_ref.py wrote, checks the outputs against the reference's, and prints the
// ratios to the Python reference's throughput.
import io.clipkit.DType;
import io.clipkit.ClipModel;
import io.clipkit.ModelOptions;
import io.clipkit.util.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class EncoderBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        String arch = args.length > 2 ? args[2] : "ViT-B-32";
        DType dtype = args.length > 3 && args[3].equals("fp16") ? DType.FP16 : DType.FP32;
        ModelOptions opts = ModelOptions.builder().threads(threads).batchSize(32).dtype(dtype).build();
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
        long t0 = System.nanoTime();
        try (ClipModel model = io.clipkit.model.ModelLoader.load(dir.resolve(arch + "-random.pt"), opts)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            float[][] img = model.encodePreprocessed(images, false);
            float[][] txt = model.encodeTokens(tokens, false);
            String fi = fidelity(img, Npy.read(dir.resolve("ref-image.npy")));
            String ft = fidelity(txt, Npy.read(dir.resolve("ref-text.npy")));
            double[] ti = timed(() -> model.encodePreprocessed(images, false));
            double[] tt = timed(() -> model.encodeTokens(tokens, false));
            long rss = peakRssMb();
            String ref = Files.readString(dir.resolve("ref.json"));
            System.out.printf("java clipkit (%s, %s, %d threads): images %.1f/s (%.2f cpu-s/batch), texts %.1f/s"
                    + " (%.2f cpu-s/batch), load %.2fs, peak RSS %d MB%n",
                    arch, dtype, threads, n / ti[0], ti[1], tokens.length / tt[0], tt[1], loadS, rss);
            System.out.printf("fidelity vs reference at this size: image %s; text %s%n", fi, ft);
            System.out.printf("RATIO java/python throughput: wall images %.2fx, texts %.2fx; cpu-time images %.2fx, texts %.2fx"
                    + " (python load %.2fs)%n",
                    (n / ti[0]) / num(ref, "image_per_s"), (tokens.length / tt[0]) / num(ref, "text_per_s"),
                    num(ref, "image_cpu_s") / ti[1], num(ref, "text_cpu_s") / tt[1], num(ref, "load_s"));
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** Best wall seconds and best process CPU seconds (all threads, from /proc) per call over the rounds. */
    static double[] timed(Body b) throws Exception {
        b.run(); // warm-up
        List<Double> times = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < 5 || System.nanoTime() - start < 8e9) {
            long t = System.nanoTime();
            double c = cpuSeconds();
            b.run();
            times.add((System.nanoTime() - t) / 1e9);
            cpu.add(cpuSeconds() - c);
        }
        times.sort(null);
        cpu.sort(null);
        return new double[] {times.get(0), cpu.get(0)};
    }

    static double cpuSeconds() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks
    }

    static String fidelity(float[][] got, Npy.Array want) {
        int d = want.shape()[1];
        double worstCos = 1;
        double worstRel = 0;
        for (int i = 0; i < got.length; i++) {
            double dot = 0, ng = 0, nw = 0, max = 0;
            for (int k = 0; k < d; k++) {
                double g = got[i][k];
                double w = want.data()[i * d + k];
                dot += g * w;
                ng += g * g;
                nw += w * w;
                max = Math.max(max, Math.abs(g - w));
            }
            worstCos = Math.min(worstCos, dot / Math.sqrt(ng * nw));
            worstRel = Math.max(worstRel, max / Math.sqrt(nw));
        }
        return String.format("worst cos %.8f, max abs/norm %.2e", worstCos, worstRel);
    }

    static long peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    static double num(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([0-9.eE+-]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
