package io.clipkit.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Classification;
import io.clipkit.ClipModel;
import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.Labels;
import io.clipkit.ModelInfo;
import io.clipkit.ModelSpec;
import io.clipkit.PromptTemplates;
import io.clipkit.Provenance;
import io.clipkit.ZeroShotClassifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The routes. Each request is handled on its own Jetty thread, which blocks while its image is
 * decoded (on the decode pool, with a timeout) and while its batch is encoded; a bad request only
 * ever fails itself. Every answer that is not a page or metrics is JSON; every failure is
 * {@code {"error": "..."}} with a 4xx status for the caller's mistakes and 5xx for ours.
 */
final class Api extends Handler.Abstract {
    private static final System.Logger LOG = System.getLogger(Api.class.getName());
    /** Texts per /v1/embed/text request: larger lists belong in several requests (or the library). */
    static final int MAX_TEXTS = 1024;

    private interface Route {
        void handle(Exchange x) throws Exception;
    }

    /** One route: its methods, and whether it needs the bearer token. */
    private record Endpoint(Map<String, Route> methods, boolean open) {}

    /** One request being answered. */
    static final class Exchange {
        final Request request;
        final Response response;
        final Callback callback;
        final Fields query;
        boolean done;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            Fields q;
            try {
                q = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                q = null; // bad %-escapes: answered with 400 below
            }
            this.query = q;
        }
    }

    private final ClipServer.Config config;
    private final ClipModel model;
    private final ImagePreprocessor preprocessor;
    private final Batcher<float[], float[]> images;
    private final Batcher<int[], float[]> texts;
    private final ExecutorService decoders;
    private final Metrics metrics;
    private final Web web;
    private final SearchRoutes search;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, Endpoint> routes = new LinkedHashMap<>();
    private final byte[] token;

    Api(ClipServer.Config config, ImagePreprocessor preprocessor, Batcher<float[], float[]> images,
            Batcher<int[], float[]> texts, ExecutorService decoders, Metrics metrics, Web web, SearchRoutes search) {
        this.config = config;
        this.model = config.model();
        this.preprocessor = preprocessor;
        this.images = images;
        this.texts = texts;
        this.decoders = decoders;
        this.metrics = metrics;
        this.web = web;
        this.search = search;
        this.token = config.token() == null ? null : ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        for (String page : web.names()) {
            routes.put(page, new Endpoint(Map.of("GET", x -> page(x, page)), true));
        }
        routes.put("/health", new Endpoint(Map.of("GET", this::health), true));
        routes.put("/metrics", new Endpoint(Map.of("GET", this::metrics), false));
        routes.put("/v1/embed/image", new Endpoint(Map.of("POST", this::embedImage), false));
        routes.put("/v1/embed/text", new Endpoint(Map.of("POST", this::embedText), false));
        routes.put("/v1/classify", new Endpoint(Map.of("POST", this::classify), false));
        routes.put("/v1/search", new Endpoint(Map.of("GET", x -> search.byText(this, x), "POST", x -> search.byImage(this, x)), false));
        routes.put("/v1/thumbnail", new Endpoint(Map.of("GET", x -> search.thumbnail(this, x)), false));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        Endpoint e = routes.get(path);
        String routeName = e == null ? "unknown" : path;
        Exchange x = new Exchange(request, response, callback);
        int status;
        try {
            if (e == null) {
                throw new HttpError(404, "no such path: " + path);
            }
            if (!e.open() && token != null && !authorized(request)) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                throw new HttpError(401, "missing or wrong bearer token: send 'Authorization: Bearer <token>'");
            }
            if (x.query == null) {
                throw new HttpError(400, "malformed query string (bad %-escape or encoding)");
            }
            Route r = e.methods().get(request.getMethod());
            if (r == null && "HEAD".equals(request.getMethod())) {
                r = e.methods().get("GET");
            }
            if (r == null) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", e.methods().keySet()));
                throw new HttpError(405, request.getMethod() + " is not allowed on " + path + "; use "
                        + String.join(" or ", e.methods().keySet()));
            }
            r.handle(x);
            status = response.getStatus();
        } catch (HttpError err) {
            status = err.status;
            if (status == 401 || status == 404 || status == 405) {
                discardUnreadBody(x);
            }
            error(x, err.status, err.getMessage());
        } catch (Exception | Error ex) {
            // Our failure, not the caller's: answer 500 and stay up.
            LOG.log(System.Logger.Level.ERROR, "internal error on " + path, ex);
            status = 500;
            error(x, 500, "internal error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
        }
        metrics.request(routeName, status, System.nanoTime() - start);
        return true;
    }

    /**
     * A request refused before its body was read (no token, no such path, wrong method): a small
     * body is read and dropped, so a client still sending it gets the answer on a clean connection
     * (otherwise it may see the connection reset instead of the 401); a large one closes it.
     */
    private void discardUnreadBody(Exchange x) {
        long declared = x.request.getLength();
        if (declared == 0) {
            return;
        }
        if (declared < 0 || declared > (1 << 20)) {
            x.response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            return;
        }
        try (InputStream in = Content.Source.asInputStream(x.request)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            x.response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
    }

    private boolean authorized(Request request) {
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        return h != null && MessageDigest.isEqual(h.getBytes(StandardCharsets.UTF_8), token);
    }

    // ------------------------------------------------------------------ routes

    private void page(Exchange x, String name) throws HttpError {
        Web.Asset a = web.asset(name);
        x.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        send(x, 200, a.contentType(), a.bytes());
    }

    private void health(Exchange x) throws IOException {
        ModelInfo i = model.info();
        ObjectNode o = mapper.createObjectNode();
        o.put("status", "ok");
        o.put("model", i.name());
        if (!i.fallbackFor().isEmpty()) {
            o.put("fallback_for", i.fallbackFor());
        }
        o.put("architecture", i.architecture());
        o.put("embed_dim", i.embedDim());
        o.put("image_resolution", i.imageResolution());
        o.put("context_length", i.contextLength());
        o.put("activation", i.activation().cliName());
        o.put("checkpoint_sha256", i.checkpointSha256());
        o.put("format", i.format());
        o.put("device", i.device());
        o.put("dtype", i.dtype().name().toLowerCase(Locale.ROOT));
        // The provenance fields every result carries (as clip classify --json writes them).
        Provenance p = Provenance.of(i, i.spec().templates());
        o.put("preprocessing", p.preprocessing());
        o.put("vocabulary_sha256", p.vocabularySha256());
        o.put("clipkit_version", p.clipkitVersion());
        o.put("scoring", p.scoring().kind().name().toLowerCase(Locale.ROOT));
        o.put("logit_scale", p.logitScale());
        if (p.scoring().kind() == ModelSpec.Scoring.Kind.SIGMOID) {
            o.put("logit_bias", p.scoring().logitBias());
        }
        // the templates a request without any gets: the model's own
        p.templates().forEach(o.putArray("templates")::add);
        o.put("max_batch", config.maxBatch());
        o.put("max_wait_ms", config.maxWait().toMillis());
        o.put("max_body_bytes", config.maxBodyBytes());
        o.put("auth_required", token != null);
        search.describe(o);
        json(x, 200, o);
    }

    private void metrics(Exchange x) throws IOException {
        send(x, 200, Metrics.contentType(), metrics.scrape());
    }

    private void embedImage(Exchange x) throws Exception {
        Upload u = upload(x);
        float[] e = embed(u);
        ObjectNode o = mapper.createObjectNode();
        o.put("image", u.name());
        putVector(o.putArray("embedding"), e);
        o.put("dim", e.length);
        o.put("model", model.info().name());
        o.put("checkpoint_sha256", model.info().checkpointSha256());
        json(x, 200, o);
    }

    private void embedText(Exchange x) throws Exception {
        JsonNode body = readJson(x);
        JsonNode list = body.get("texts");
        if (!(body.isObject() && list != null && list.isArray())) {
            throw new HttpError(400, "expected a JSON object {\"texts\": [\"...\", ...]}");
        }
        if (list.isEmpty() || list.size() > MAX_TEXTS) {
            throw new HttpError(400, "texts must hold 1.." + MAX_TEXTS + " strings, got " + list.size());
        }
        List<int[]> rows = new ArrayList<>(list.size());
        int ctx = model.info().contextLength();
        int vocab = model.info().vocabSize();
        for (JsonNode t : list) {
            if (!t.isTextual()) {
                throw new HttpError(400, "texts must be strings, got " + t.getNodeType().name().toLowerCase(Locale.ROOT) + " " + t);
            }
            int[] row;
            try {
                row = model.tokenizer().encodeForModel(t.asText(), ctx, false);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, e.getMessage()); // names the text and the context length
            }
            for (int id : row) {
                if (vocab > 0 && id >= vocab) {
                    throw new HttpError(500, "the model's checkpoint and vocabulary do not belong together: token id "
                            + id + " but only " + vocab + " token embeddings");
                }
            }
            rows.add(row);
        }
        List<float[]> out = await(texts.submitAll(rows));
        ObjectNode o = mapper.createObjectNode();
        ArrayNode all = o.putArray("embeddings");
        for (float[] e : out) {
            putVector(all.addArray(), e);
        }
        o.put("dim", out.get(0).length);
        o.put("model", model.info().name());
        o.put("checkpoint_sha256", model.info().checkpointSha256());
        json(x, 200, o);
    }

    private void classify(Exchange x) throws Exception {
        Upload u = upload(x);
        List<String> csv = u.fields("labels");
        List<String> labels = new ArrayList<>();
        for (String c : csv) {
            labels.addAll(Labels.parseCsv(c));
        }
        for (String l : u.fields("label")) {
            labels.add(l.strip());
        }
        if (labels.isEmpty()) {
            throw new HttpError(400, "no labels: give labels=a,b,c (query or form field) or label=L (repeatable)");
        }
        List<String> templates = new ArrayList<>();
        if (u.fields("ensemble").stream().anyMatch(v -> v.isEmpty() || Boolean.parseBoolean(v))) {
            templates.addAll(PromptTemplates.ensemble());
        }
        templates.addAll(u.fields("template"));
        for (String t : u.fields("templates")) {
            t.lines().map(String::strip).filter(s -> !s.isEmpty()).forEach(templates::add);
        }
        int topK = u.intField("top_k", Integer.MAX_VALUE, 1);
        float minScore = u.floatField("min_score", 0f, 0f, 1f);
        ZeroShotClassifier.Builder b = ZeroShotClassifier.builder().model(model).topK(topK).minScore(minScore)
                .warnings(w -> LOG.log(System.Logger.Level.INFO, w));
        try {
            b.labels(labels);
            if (!templates.isEmpty()) { // else the model's own
                b.templates(templates);
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        float[] e = embed(u);
        // The label embeddings are cached per (model, labels, templates) for the JVM: a classifier per
        // request is cheap after the first one.
        Classification c;
        try (ZeroShotClassifier classifier = b.build()) {
            c = classifier.classifyEmbeddings(new float[][] {e}).get(0);
        } catch (IllegalArgumentException ex) {
            throw new HttpError(400, ex.getMessage()); // e.g. a prompt the tokenizer refuses
        }
        json(x, 200, ClassifyJson.toJson(mapper, c, u.name()));
    }

    // ------------------------------------------------------------------ shared steps

    /** The uploaded image plus the form fields (multipart) or the query parameters (raw body). */
    record Upload(byte[] bytes, String name, Map<String, List<String>> form) {
        List<String> fields(String key) {
            return form.getOrDefault(key, List.of());
        }

        int intField(String key, int absent, int min) throws HttpError {
            List<String> v = fields(key);
            if (v.isEmpty() || v.get(v.size() - 1).isBlank()) {
                return absent;
            }
            String s = v.get(v.size() - 1).strip();
            try {
                int n = Integer.parseInt(s);
                if (n >= min) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message
            }
            throw new HttpError(400, key + " must be an integer >= " + min + ", got '" + s + "'");
        }

        float floatField(String key, float absent, float min, float max) throws HttpError {
            List<String> v = fields(key);
            if (v.isEmpty() || v.get(v.size() - 1).isBlank()) {
                return absent;
            }
            String s = v.get(v.size() - 1).strip();
            try {
                float f = Float.parseFloat(s);
                if (f >= min && f <= max) {
                    return f;
                }
            } catch (NumberFormatException e) {
                // fall through to the message
            }
            throw new HttpError(400, key + " must be a number in " + min + ".." + max + ", got '" + s + "'");
        }
    }

    Upload upload(Exchange x) throws HttpError, IOException {
        byte[] body = readBody(x);
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (Fields.Field f : x.query) {
            form.computeIfAbsent(f.getName(), k -> new ArrayList<>()).addAll(f.getValues());
        }
        String type = x.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            List<String> n = form.getOrDefault("name", List.of());
            return new Upload(body, n.isEmpty() ? null : n.get(0), form);
        }
        String boundary = MultiPart.extractBoundary(type);
        if (boundary == null || boundary.isEmpty()) {
            throw new HttpError(400, "multipart/form-data without a boundary");
        }
        MultiPartConfig limits = new MultiPartConfig.Builder().maxSize(config.maxBodyBytes())
                .maxPartSize(config.maxBodyBytes()).maxMemoryPartSize(config.maxBodyBytes()) // in memory: no temp files
                .maxParts(100).useFilesForPartsWithoutFileName(false).build();
        byte[] image = null;
        String name = null;
        // The body is already in memory and bounded: Jetty's parser reads it from there.
        try (MultiPartFormData.Parts parts = MultiPartFormData.getParts(Content.Source.from(ByteBuffer.wrap(body)),
                new org.eclipse.jetty.util.Attributes.Mapped(), type, limits)) {
            for (MultiPart.Part p : parts) {
                if ("image".equals(p.getName())) {
                    ByteBuffer bb = Content.Source.asByteBuffer(p.getContentSource());
                    image = new byte[bb.remaining()];
                    bb.get(image);
                    name = p.getFileName();
                } else if (p.getName() != null) {
                    form.computeIfAbsent(p.getName(), k -> new ArrayList<>()).add(p.getContentAsString(StandardCharsets.UTF_8));
                }
            }
        } catch (RuntimeException e) {
            Throwable c = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
            throw new HttpError(400, "malformed multipart body: " + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
        }
        if (image == null) {
            throw new HttpError(400, "the multipart form has no 'image' file part");
        }
        return new Upload(image, name == null || name.isBlank() ? null : name, form);
    }

    /** Decodes the upload on the decode pool (bounded in time), then encodes it in the next batch. */
    float[] embed(Upload u) throws HttpError {
        float[] chw = decode(u.bytes(), u.name());
        return await(List.of(images.submit(chw))).get(0);
    }

    float[] decode(byte[] bytes, String name) throws HttpError {
        Future<float[]> f = decoders.submit(() -> preprocessor.preprocess(bytes, name));
        String label = name == null ? "upload" : name;
        try {
            return f.get(config.decodeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpError(422, label + ": decoding took longer than " + config.decodeTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ImageDecodeException d) {
                throw new HttpError(422, d.getMessage()); // the CLI's reasons: empty, not an image, truncated, too many pixels
            }
            LOG.log(System.Logger.Level.WARNING, "decoding " + label + " failed", c);
            throw new HttpError(422, label + ": cannot decode: " + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        }
    }

    <T> List<T> await(List<CompletableFuture<T>> futures) throws HttpError {
        List<T> out = new ArrayList<>(futures.size());
        long deadline = System.nanoTime() + config.encodeTimeout().toNanos();
        for (CompletableFuture<T> f : futures) {
            try {
                out.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                throw new HttpError(503, "the encoder is overloaded: no result within " + config.encodeTimeout().toSeconds() + " s");
            } catch (ExecutionException | CancellationException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                if (c instanceof IllegalStateException && c.getMessage() != null && c.getMessage().contains("shutting down")) {
                    throw new HttpError(503, c.getMessage());
                }
                LOG.log(System.Logger.Level.ERROR, "encoder failed", c);
                throw new HttpError(500, "encoder failed: " + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HttpError(503, "interrupted");
            }
        }
        return out;
    }

    /**
     * The whole body, refused with 413 as soon as it is known to be too large: at once from its
     * Content-Length, else once one byte more than the limit has arrived. The connection is then
     * closed, so the rest is never read.
     */
    byte[] readBody(Exchange x) throws HttpError, IOException {
        long max = config.maxBodyBytes();
        long declared = x.request.getLength();
        if (declared > max) {
            throw tooLarge(x, declared + " bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = Content.Source.asInputStream(x.request)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > max) {
                    throw tooLarge(x, "more than " + max + " bytes");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new HttpError(400, "could not read the request body: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private HttpError tooLarge(Exchange x, String size) {
        x.response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        return new HttpError(413, "request body is " + size + ", over the server's limit of " + config.maxBodyBytes()
                + " bytes");
    }

    JsonNode readJson(Exchange x) throws HttpError, IOException {
        byte[] body = readBody(x);
        if (body.length == 0) {
            throw new HttpError(400, "empty body: expected JSON");
        }
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new HttpError(400, "empty body: expected JSON");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    ObjectMapper mapper() {
        return mapper;
    }

    Fields query(Exchange x) {
        return x.query;
    }

    static void putVector(ArrayNode a, float[] v) {
        for (float f : v) {
            a.add(f);
        }
    }

    void json(Exchange x, int status, JsonNode body) throws IOException {
        send(x, status, "application/json", mapper.writeValueAsBytes(body));
    }

    void send(Exchange x, int status, String contentType, byte[] body) {
        if (x.done) {
            return;
        }
        x.done = true;
        x.response.setStatus(status);
        x.response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        x.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        boolean head = "HEAD".equals(x.request.getMethod());
        x.response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), x.callback);
    }

    private void error(Exchange x, int status, String message) {
        ObjectNode o = mapper.createObjectNode();
        o.put("error", message);
        try {
            send(x, status, "application/json", mapper.writeValueAsBytes(o));
        } catch (JsonProcessingException e) {
            send(x, status, "application/json", "{\"error\":\"internal error\"}".getBytes(StandardCharsets.UTF_8));
        }
    }
}
