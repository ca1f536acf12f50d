package io.clipkit.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.ClipModel;
import io.clipkit.EmbeddingIndex;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.Search;
import io.clipkit.SearchHit;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * {@code /v1/search} (by text, or by an uploaded image) and {@code /v1/thumbnail} over an
 * {@link EmbeddingIndex}, through clip-core's {@link Search}. Without an index these routes answer
 * 404 naming that. Thumbnails are served only for files the index holds, so the route cannot be
 * used to read anything else.
 */
final class SearchRoutes {
    /** Thumbnail side in pixels (a center crop, as {@code clip search}'s contact sheet shows). */
    static final int THUMBNAIL = 240;
    static final int MAX_K = 1000;

    private final EmbeddingIndex index;
    private final ClipModel model;
    private final ImagePreprocessor thumbnails = ImagePreprocessor.builder().size(THUMBNAIL).build();

    /** {@code index} null: the server has none. */
    SearchRoutes(EmbeddingIndex index, ClipModel model) {
        this.index = index;
        this.model = model;
    }

    void byText(Api api, Api.Exchange x) throws HttpError, IOException {
        EmbeddingIndex ix = requireIndex();
        String q = x.query.getValue("q");
        if (q == null || q.isBlank()) {
            throw new HttpError(400, "no query: give q=TEXT (or POST an image to /v1/search)");
        }
        int k = intParam(x.query.getValue("k"), "k");
        List<SearchHit> hits;
        try {
            hits = Search.builder(ix, model).text(q.strip()).k(k).run();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        answer(api, x, q.strip(), k, hits);
    }

    void byImage(Api api, Api.Exchange x) throws Exception {
        EmbeddingIndex ix = requireIndex();
        Api.Upload u = api.upload(x);
        int k = intParam(u.fields("k").isEmpty() ? null : u.fields("k").get(0), "k");
        float[] v = api.embed(u); // decoded and batched like any other upload
        List<SearchHit> hits;
        try {
            hits = Search.builder(ix, model).vector(v).k(k).run();
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        answer(api, x, null, k, hits);
    }

    void thumbnail(Api api, Api.Exchange x) throws HttpError, IOException {
        EmbeddingIndex ix = requireIndex();
        String path = x.query.getValue("path");
        if (path == null || path.isBlank()) {
            throw new HttpError(400, "give path=FILE, as a search hit names it");
        }
        if (ix.vector(path) == null) {
            throw new HttpError(404, "not in the index: " + path);
        }
        BufferedImage crop;
        try {
            crop = thumbnails.crop(Path.of(path));
        } catch (ImageDecodeException e) {
            throw new HttpError(404, e.getMessage()); // gone or changed since it was indexed
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(crop, "jpeg", out);
        api.send(x, 200, "image/jpeg", out.toByteArray());
    }

    /** Adds what /health says about the index. */
    void describe(ObjectNode health) throws IOException {
        if (index == null) {
            health.putNull("index");
            return;
        }
        ObjectNode o = health.putObject("index");
        o.put("file", index.file().toString());
        o.put("images", index.size());
    }

    private void answer(Api api, Api.Exchange x, String q, int k, List<SearchHit> hits) throws IOException {
        ObjectNode o = api.mapper().createObjectNode();
        if (q != null) {
            o.put("query", q);
        }
        o.put("k", k);
        ArrayNode arr = o.putArray("hits");
        for (SearchHit h : hits) {
            ObjectNode n = arr.addObject();
            n.put("rank", h.rank());
            n.put("path", h.path().toString());
            n.put("score", h.score());
        }
        api.json(x, 200, o);
    }

    private static int intParam(String v, String name) throws HttpError {
        if (v == null || v.isBlank()) {
            return 10;
        }
        try {
            int k = Integer.parseInt(v.strip());
            if (k >= 1 && k <= MAX_K) {
                return k;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new HttpError(400, name + " must be an integer in 1.." + MAX_K + ", got '" + v.strip() + "'");
    }

    private EmbeddingIndex requireIndex() throws HttpError {
        if (index == null) {
            throw new HttpError(404, "this server has no index: start it with --index FILE to search");
        }
        return index;
    }
}
