import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load client of bench/serve-load.sh (JDK only: java bench/ServeLoad.java URL N1 CLIENTS PER_CLIENT IMAGE...).
 * Posts images to /v1/embed/image: first N1 requests from one sequential client, then PER_CLIENT
 * requests from each of CLIENTS concurrent clients. Prints throughput, p50/p99 latency and errors
 * per phase, the throughput ratio, and the image batch sizes the server ran during the concurrent
 * phase (from /metrics). Bounded: a fixed number of requests; exits 1 on any error.
 */
public class ServeLoad {
    record Phase(String name, int requests, double seconds, List<Double> latenciesMs, int errors) {
        double throughput() {
            return requests / seconds;
        }

        double percentile(double p) {
            List<Double> s = new ArrayList<>(latenciesMs);
            Collections.sort(s);
            return s.get(Math.min(s.size() - 1, (int) Math.ceil(p * s.size()) - 1));
        }
    }

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        int sequential = Integer.parseInt(args[1]);
        int clients = Integer.parseInt(args[2]);
        int perClient = Integer.parseInt(args[3]);
        List<byte[]> images = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            images.add(Files.readAllBytes(Path.of(args[i])));
        }
        run(base, images, 1, 3, "warm-up");
        Phase one = run(base, images, 1, sequential, "1 sequential client");
        Map<Double, Long> before = batchBuckets(base);
        Phase many = run(base, images, clients, perClient, clients + " concurrent clients");
        Map<Double, Long> after = batchBuckets(base);
        for (Phase p : List.of(one, many)) {
            System.out.printf(Locale.ROOT, "%-22s %4d requests in %6.2f s: %6.2f img/s, p50 %7.1f ms, p99 %7.1f ms, errors %d%n",
                    p.name(), p.requests(), p.seconds(), p.throughput(), p.percentile(0.50), p.percentile(0.99), p.errors());
        }
        System.out.printf(Locale.ROOT, "throughput ratio (%d clients / 1 client): %.2fx%n", clients, many.throughput() / one.throughput());
        System.out.println("image batch sizes during the concurrent phase (batches per size bucket):");
        long prevBefore = 0;
        long prevAfter = 0;
        double lower = 0;
        long batches = 0;
        for (var e : after.entrySet()) {
            long a = e.getValue() - prevAfter;
            long b = before.getOrDefault(e.getKey(), 0L) - prevBefore;
            prevAfter = e.getValue();
            prevBefore = before.getOrDefault(e.getKey(), 0L);
            long n = a - b;
            batches += n;
            String range = e.getKey().isInfinite() ? "> " + (int) lower : (lower + 1 >= e.getKey() ? "" + e.getKey().intValue()
                    : ((int) lower + 1) + "-" + e.getKey().intValue());
            if (n > 0) {
                System.out.printf(Locale.ROOT, "  %-7s %5d %s%n", range, n, "#".repeat((int) Math.min(60, n)));
            }
            lower = e.getKey();
        }
        System.out.printf(Locale.ROOT, "  %d batches for %d images: mean batch %.1f%n", batches, many.requests(),
                batches == 0 ? 0.0 : (double) many.requests() / batches);
        if (one.errors() + many.errors() > 0) {
            System.exit(1);
        }
    }

    static Phase run(URI base, List<byte[]> images, int clients, int perClient, String name) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Double> lat = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < perClient; i++) {
                    byte[] img = images.get((client * perClient + i) % images.size());
                    HttpRequest r = HttpRequest.newBuilder(base.resolve("/v1/embed/image")).timeout(Duration.ofSeconds(300))
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(img)).build();
                    long t = System.nanoTime();
                    try {
                        HttpResponse<String> resp = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
                        if (resp.statusCode() != 200 || !resp.body().contains("\"embedding\":[")) {
                            errors.incrementAndGet();
                            System.err.println("error: HTTP " + resp.statusCode() + " " + resp.body());
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        System.err.println("error: " + e);
                    }
                    lat.add((System.nanoTime() - t) / 1e6);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new Phase(name, clients * perClient, seconds, lat, errors.get());
    }

    /** Cumulative image batch-size bucket counts, by upper bound. */
    static Map<Double, Long> batchBuckets(URI base) throws Exception {
        String m = CLIENT.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Pattern p = Pattern.compile("clip_batch_size_bucket\\{encoder=\"image\",le=\"([^\"]+)\"\\} (\\d+)");
        Map<Double, Long> out = new TreeMap<>();
        Matcher x = p.matcher(m);
        while (x.find()) {
            out.put(x.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(x.group(1)), Long.parseLong(x.group(2)));
        }
        return out;
    }
}
