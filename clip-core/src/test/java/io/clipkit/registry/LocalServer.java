package io.clipkit.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A JDK HttpServer on 127.0.0.1 with scripted handlers; records the Range header of each request. */
final class LocalServer implements AutoCloseable {
    interface Handler {
        void handle(HttpExchange ex, int requestNumber) throws IOException;
    }

    final HttpServer server;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();

    LocalServer(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            int n;
            synchronized (ranges) {
                ranges.add(ex.getRequestHeaders().getFirst("Range") == null ? "" : ex.getRequestHeaders().getFirst("Range"));
                paths.add(ex.getRequestURI().getPath());
                n = ranges.size();
            }
            try {
                handler.handle(ex, n);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int requests() {
        return ranges.size();
    }

    /** Serves {@code data} honouring a {@code bytes=N-} Range. */
    static void serve(HttpExchange ex, byte[] data) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            if (from >= data.length) {
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
            ex.sendResponseHeaders(206, data.length - from);
        } else {
            ex.sendResponseHeaders(200, data.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data, from, data.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
