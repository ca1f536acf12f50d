import io.clipkit.EmbeddingIndex;
import io.clipkit.batch.EmbeddingCache;
import io.clipkit.search.ExactScorer;
import io.clipkit.search.Hnsw;
import io.clipkit.search.Scored;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Search benchmark on synthetic normalised embeddings (bench/search.sh runs it; not a test).
 * The data is clustered like real photo embeddings (2,000 centres, each vector a centre plus
 * noise, normalised); queries are other noisy copies of random centres' members.
 *
 *   java -Xmx8g -cp clip-cli/target/clip.jar bench/SearchBench.java exact N DIM QUERIES
 *   java ... bench/SearchBench.java hnsw N DIM QUERIES DIR
 *   java ... bench/SearchBench.java load N DIM DIR        (SQLite index: write, then open + load for exact search)
 *
 * Prints one JSON line per measurement.
 */
public class SearchBench {
    static float[][] data(int n, int dim, long seed) {
        java.util.SplittableRandom sr = new java.util.SplittableRandom(seed);
        int centres = 2000;
        float[][] c = new float[centres][dim];
        for (float[] v : c) {
            for (int d = 0; d < dim; d++) {
                v[d] = (float) gauss(sr);
            }
        }
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] base = c[sr.nextInt(centres)];
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = base[d] + 0.6f * (float) gauss(sr);
            }
            out[i] = unit(v);
        }
        return out;
    }

    static double gauss(java.util.SplittableRandom r) {
        // Box-Muller: enough for synthetic data, deterministic per seed
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int d = 0; d < v.length; d++) {
            v[d] *= inv;
        }
        return v;
    }

    static float[][] queries(float[][] data, int q, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[][] out = new float[q][];
        for (int i = 0; i < q; i++) {
            float[] base = data[r.nextInt(data.length)];
            float[] v = new float[base.length];
            for (int d = 0; d < v.length; d++) {
                v[d] = base[d] + 0.03f * (float) gauss(r);
            }
            out[i] = unit(v);
        }
        return out;
    }

    static String path(int i) {
        return String.format(Locale.ROOT, "/photos/%08d.jpg", i);
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** CPU time of the whole process (all threads), ns: robust to a shared machine's wall-clock noise. */
    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double p90(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(s.length * 0.9))];
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        int dim = Integer.parseInt(args[2]);
        long t0 = System.nanoTime();
        float[][] data = data(n, dim, 1);
        double genS = (System.nanoTime() - t0) / 1e9;
        switch (mode) {
            case "exact" -> exact(data, Integer.parseInt(args[3]), genS);
            case "hnsw" -> hnsw(data, Integer.parseInt(args[3]), Path.of(args[4]));
            case "load" -> load(data, Path.of(args[3]));
            default -> throw new IllegalArgumentException(mode);
        }
    }

    static ExactScorer scorer(float[][] data) {
        ExactScorer.Builder b = new ExactScorer.Builder(data[0].length);
        for (int i = 0; i < data.length; i++) {
            b.add(path(i), data[i]);
        }
        return b.build();
    }

    static void exact(float[][] data, int q, double genS) throws Exception {
        long before = usedHeap();
        long t0 = System.nanoTime();
        ExactScorer sc = scorer(data);
        double buildS = (System.nanoTime() - t0) / 1e9;
        long after = usedHeap();
        float[][] qs = queries(data, q, 2);
        java.util.Map<String, float[]> byPath = new java.util.HashMap<>();
        for (int i = 0; i < data.length; i++) {
            byPath.put(path(i), data[i]);
        }
        for (int w = 0; w < 3; w++) {
            sc.top(qs[w % q], 10, -1, byPath::get, p -> true); // warm-up (JIT)
        }
        double[] ms = new double[q];
        long cpu0 = cpu();
        for (int i = 0; i < q; i++) {
            long s = System.nanoTime();
            List<Scored> hits = sc.top(qs[i], 10, -1, byPath::get, p -> true);
            ms[i] = (System.nanoTime() - s) / 1e6;
            if (hits.size() != 10) {
                throw new AssertionError("hits " + hits.size());
            }
        }
        double cpuMs = (cpu() - cpu0) / 1e6 / q;
        System.out.printf(Locale.ROOT, "{\"bench\":\"java-exact\",\"n\":%d,\"dim\":%d,\"queries\":%d,\"median_ms\":%.2f,"
                + "\"cpu_ms_per_query\":%.2f,\"p90_ms\":%.2f,\"vector_mb\":%.1f,\"heap_delta_mb\":%.1f,\"build_s\":%.2f,\"threads\":%d}%n",
                data.length, data[0].length, q, median(ms), cpuMs, p90(ms), sc.vectorBytes() / 1048576.0,
                (after - before) / 1048576.0, buildS, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1);
    }

    static void hnsw(float[][] data, int q, Path dir) throws Exception {
        Path folder = dir.resolve("bench.hnsw");
        Hnsw.delete(folder);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        Hnsw.build(folder, 1, "bench", c -> {
            for (int i = 0; i < data.length; i++) {
                c.accept(path(i), data[i]);
            }
        }, 1024);
        double buildS = (System.nanoTime() - t0) / 1e9;
        float[][] qs = queries(data, q, 2);
        ExactScorer sc = scorer(data);
        java.util.Map<String, float[]> byPath = new java.util.HashMap<>();
        for (int i = 0; i < data.length; i++) {
            byPath.put(path(i), data[i]);
        }
        try (Hnsw h = Hnsw.openIfCurrent(folder, 1, "bench")) {
            for (int w = 0; w < 5; w++) {
                h.search(qs[w % q], 10, 100);
            }
            for (int cand : new int[] {100, 200}) {
                double[] ms = new double[q];
                double recall = 0;
                for (int i = 0; i < q; i++) {
                    long s = System.nanoTime();
                    List<Scored> got = h.search(qs[i], 10, cand);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                    Set<String> want = new HashSet<>();
                    for (Scored x : sc.top(qs[i], 10, -1, byPath::get, p -> true)) {
                        want.add(x.path());
                    }
                    int hit = 0;
                    for (Scored x : got) {
                        hit += want.contains(x.path()) ? 1 : 0;
                    }
                    recall += hit / 10.0;
                }
                System.out.printf(Locale.ROOT, "{\"bench\":\"java-hnsw\",\"n\":%d,\"dim\":%d,\"queries\":%d,\"candidates\":%d,"
                        + "\"median_ms\":%.2f,\"p90_ms\":%.2f,\"recall_at_10\":%.4f,\"build_s\":%.1f,\"disk_mb\":%.1f}%n",
                        data.length, data[0].length, q, cand, median(ms), p90(ms), recall / q, buildS, du(folder) / 1048576.0);
            }
        }
        Hnsw.delete(folder);
    }

    static long du(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static void load(float[][] data, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve("bench.sqlite");
        for (String ext : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(file + ext));
        }
        String sha = "0".repeat(64);
        long t0 = System.nanoTime();
        try (EmbeddingCache c = EmbeddingCache.open(file, sha, "bench", data[0].length, "size=224;exif=true")) {
            List<EmbeddingCache.Entry> batch = new ArrayList<>();
            byte[] h = new byte[32];
            for (int i = 0; i < data.length; i++) {
                byte[] hash = h.clone();
                java.nio.ByteBuffer.wrap(hash).putInt(i);
                batch.add(new EmbeddingCache.Entry(path(i), 1000, "2020-01-01T00:00:00Z", hash, data[i]));
                if (batch.size() == 10_000) {
                    c.putAll(batch);
                    batch.clear();
                }
            }
            c.putAll(batch);
        }
        double writeS = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        int[] rows = new int[1];
        ExactScorer.Builder b = new ExactScorer.Builder(data[0].length);
        try (EmbeddingIndex idx = EmbeddingIndex.openExisting(file, new EmbeddingIndex.Key("bench", sha, data[0].length,
                "size=224;exif=true"))) {
            idx.scan(r -> {
                b.add(r.path(), r.vector());
                rows[0]++;
            });
        }
        ExactScorer sc = b.build();
        double loadS = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "{\"bench\":\"java-sqlite-load\",\"n\":%d,\"write_s\":%.1f,\"open_and_load_s\":%.2f,"
                + "\"file_mb\":%.0f,\"rows\":%d,\"scorer_rows\":%d}%n", data.length, writeS, loadS,
                Files.size(file) / 1048576.0, rows[0], sc.size());
    }
}
