package io.clipkit.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The web page: a few static files bundled in the jar, read once at start. Only these names are
 * served (no file system paths, so nothing else can be reached through them).
 */
final class Web {
    record Asset(String contentType, byte[] bytes) {}

    private static final String ROOT = "/io/clipkit/server/web/";
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    Web() {
        add("/", "index.html", "text/html; charset=utf-8");
        add("/app.js", "app.js", "text/javascript; charset=utf-8");
        add("/style.css", "style.css", "text/css; charset=utf-8");
        add("/openapi.yaml", "openapi.yaml", "application/yaml; charset=utf-8");
    }

    private void add(String path, String resource, String type) {
        try (InputStream in = Web.class.getResourceAsStream(ROOT + resource)) {
            if (in == null) {
                throw new IllegalStateException("web resource missing from the jar: " + ROOT + resource);
            }
            assets.put(path, new Asset(type, in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Set<String> names() {
        return assets.keySet();
    }

    Asset asset(String path) {
        return assets.get(path);
    }
}
