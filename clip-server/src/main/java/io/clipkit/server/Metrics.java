package io.clipkit.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The service's metrics in the Prometheus text format, one registry per server (so two servers in
 * one JVM, as in tests, do not share counts): requests by route and status, request latency
 * quantiles by route, and the size of every encoder batch.
 */
final class Metrics {
    /** Batch-size buckets: powers of two up to the largest sensible batch. */
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("clip_http_requests_total")
            .help("HTTP requests answered, by route and status").labelNames("route", "status").register(registry);
    private final Summary latency = Summary.builder().name("clip_http_request_duration_seconds")
            .help("Time from request to response, by route (quantiles over the last 10 minutes)")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .quantile(0.5, 0.01).quantile(0.9, 0.01).quantile(0.99, 0.001)
            .labelNames("route").register(registry);
    private final Histogram batchSizes = Histogram.builder().name("clip_batch_size")
            .help("Inputs per encoder call, by encoder (image or text)").classicOnly()
            .classicUpperBounds(BATCH_BUCKETS).labelNames("encoder").register(registry);

    void request(String route, int status, long nanos) {
        requests.labelValues(route, Integer.toString(status)).inc();
        latency.labelValues(route).observe(nanos / 1e9);
    }

    void batch(String encoder, int size) {
        batchSizes.labelValues(encoder).observe(size);
    }

    /** The text exposition format, version 0.0.4. */
    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toByteArray();
    }

    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
