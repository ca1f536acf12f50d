import io.clipkit.ImagePreprocessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode + preprocess throughput of clipkit on the given files, one thread. Run by
 * bench/preprocess.sh with Java's single-file launcher:
 * {@code java -cp 'clip-cli/target/lib/*' bench/PreprocessBench.java SIZE ROUNDS FILE...}
 */
public class PreprocessBench {
    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<Path> files = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            files.add(Path.of(args[i]));
        }
        org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
        ImagePreprocessor p = ImagePreprocessor.builder().size(size).build();
        double sink = 0;
        for (int w = 0; w < 2; w++) { // warm-up: JIT, native libraries, page cache
            for (Path f : files) {
                sink += p.preprocess(f)[0];
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int n = 0;
        for (int r = 0; r < rounds; r++) {
            for (Path f : files) {
                sink += p.preprocess(f)[0];
                n++;
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - c0) / 1e9; // all threads, JIT and GC included
        System.out.printf("java %d images in %.3f s: %.2f images/s; process CPU %.3f s: %.2f images/CPU-s (checksum %.3f)%n",
                n, s, n / s, cpu, n / cpu, sink);
    }
}
