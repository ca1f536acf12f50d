package io.clipkit.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Activation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The models clipkit knows by name: the built-in registry (resource
 * {@code io/clipkit/models/registry.json} of the {@code clip-models} artifact: OpenAI's released
 * checkpoints with URL, SHA-256, size, resolution, activation; pinned Hugging Face hub folders; and
 * bundled models, shipped on the classpath by their own artifact and never downloaded) with the
 * user's entries from {@code <cache dir>/registry.json} merged over it.
 *
 * <p>A mirror can stand in for the built-in download hosts: with the system property
 * {@value #BASE_URL_PROPERTY} or the environment variable {@value #BASE_URL_ENV} set to e.g.
 * {@code http://mirror:8080}, each built-in URL keeps its path but is fetched from that origin.
 *
 * <pre>{@code
 * ModelRegistry r = ModelRegistry.load(ClipHome.cacheDir(null));
 * ModelRegistry.Entry e = r.find("ViT-B-32").orElseThrow();
 * }</pre>
 */
public final class ModelRegistry {
    public static final String BASE_URL_PROPERTY = "clipkit.registry.url";
    public static final String BASE_URL_ENV = "CLIPKIT_REGISTRY_URL";
    /** File name of the user's registry in the cache directory. */
    public static final String USER_FILE = "registry.json";
    static final String RESOURCE = "/io/clipkit/models/registry.json";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]*");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]*");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Set<String> USER_FIELDS = Set.of("name", "url", "sha256", "activation", "file", "size", "resolution", "_comment");

    /**
     * One downloadable checkpoint.
     *
     * @param name registry name ({@code ViT-B-32})
     * @param file file name in the cache ({@code ViT-B-32.pt})
     * @param url where to download it
     * @param sha256 expected SHA-256 (lower-case hex)
     * @param size size in bytes, or -1 if unknown
     * @param sizeExact whether {@code size} is the exact byte count (else approximate)
     * @param resolution input resolution, or 0 if unknown
     * @param activation MLP activation the checkpoint was trained with
     * @param builtIn false for entries from the user's registry file
     * @param files every file of the model: one for a checkpoint, several for a hub folder (config,
     *     tokenizer and weights); {@code file}, {@code url}, {@code sha256} and {@code size} describe
     *     the weights file among them
     * @param resource for a bundled model, the classpath resource folder holding it (see
     *     {@code BundledModels}); empty for models that are downloaded
     * @param artifact for a bundled model, the Maven artifact ({@code groupId:artifactId}) that
     *     ships the resource folder; empty otherwise
     */
    public record Entry(String name, String file, URI url, String sha256, long size, boolean sizeExact,
                        int resolution, Activation activation, boolean builtIn, List<FileRef> files,
                        String resource, String artifact) {
        public Entry {
            files = List.copyOf(files);
            java.util.Objects.requireNonNull(resource, "resource");
            java.util.Objects.requireNonNull(artifact, "artifact");
        }

        /** A downloadable entry. */
        public Entry(String name, String file, URI url, String sha256, long size, boolean sizeExact,
                     int resolution, Activation activation, boolean builtIn, List<FileRef> files) {
            this(name, file, url, sha256, size, sizeExact, resolution, activation, builtIn, files, "", "");
        }

        /** A single-file entry. */
        public Entry(String name, String file, URI url, String sha256, long size, boolean sizeExact,
                     int resolution, Activation activation, boolean builtIn) {
            this(name, file, url, sha256, size, sizeExact, resolution, activation, builtIn,
                    List.of(new FileRef(file, url, sha256, size)));
        }

        /** True for a model shipped on the classpath ({@link #resource()}), which is never downloaded. */
        public boolean bundled() {
            return !resource.isEmpty();
        }

        /** True for a hub folder (several files, loaded as a folder). */
        public boolean folder() {
            return files.size() > 1;
        }
    }

    /**
     * One file of an entry.
     *
     * @param file name in the model's cache folder
     * @param url where to download it (a hub URL pinned to a commit)
     * @param sha256 expected SHA-256, or empty: then the hub's stated checksum is used (X-Linked-Etag
     *     for LFS files, the git blob SHA-1 ETag for small files)
     * @param size bytes, or -1 if unknown
     */
    public record FileRef(String file, URI url, String sha256, long size) {}

    /** The BPE vocabulary file all these models share. */
    public record Vocabulary(String file, URI url, String sha256, long size) {}

    private final Map<String, Entry> entries;
    private final Vocabulary vocabulary;

    private ModelRegistry(Map<String, Entry> entries, Vocabulary vocabulary) {
        this.entries = entries;
        this.vocabulary = vocabulary;
    }

    /** A registry of exactly these entries (for tests and embedding applications), with the built-in vocabulary entry. */
    static ModelRegistry of(List<Entry> entries) {
        Map<String, Entry> map = new LinkedHashMap<>();
        for (Entry e : entries) {
            map.put(e.name(), e);
        }
        return new ModelRegistry(map, builtIn(null).vocabulary);
    }

    /** The built-in entries only (with the mirror override applied). */
    public static ModelRegistry builtIn() {
        return builtIn(baseUrlOverride());
    }

    static ModelRegistry builtIn(String base) {
        try (InputStream in = ModelRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("built-in registry " + RESOURCE + " is missing from the classpath (clip-models jar)");
            }
            JsonNode root = new ObjectMapper().readTree(in);
            JsonNode v = root.path("vocabulary");
            Vocabulary vocab = new Vocabulary(v.path("file").asText(), rebase(URI.create(v.path("url").asText()), base),
                    v.path("sha256").asText(), v.path("size").asLong(-1));
            Map<String, Entry> map = new LinkedHashMap<>();
            for (JsonNode m : root.path("models")) {
                Entry e = m.has("bundled") ? bundledEntry(m) : m.has("files") ? hubEntry(m, base)
                        : new Entry(m.path("name").asText(), m.path("file").asText(),
                        rebase(URI.create(m.path("url").asText()), base), m.path("sha256").asText().toLowerCase(Locale.ROOT),
                        m.path("size").asLong(-1), m.path("sizeExact").asBoolean(false), m.path("resolution").asInt(0),
                        Activation.parse(m.path("activation").asText()), true);
                map.put(e.name(), e);
            }
            return new ModelRegistry(map, vocab);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in registry " + RESOURCE, e);
        }
    }

    /**
     * The built-in registry with {@code <cacheDir>/registry.json}, if present, merged over it.
     *
     * @throws IOException naming the file, the entry and the field if the user's file is invalid
     */
    public static ModelRegistry load(Path cacheDir) throws IOException {
        ModelRegistry base = builtIn();
        Path user = cacheDir.resolve(USER_FILE);
        if (!Files.exists(user)) {
            return base;
        }
        Map<String, Entry> merged = new LinkedHashMap<>(base.entries);
        for (Entry e : readUserFile(user)) {
            merged.remove(e.name());
            merged.put(e.name(), e);
        }
        return new ModelRegistry(merged, base.vocabulary);
    }

    /**
     * The registry to look {@code model} up in: {@link #load}, except that a broken user file does
     * not block a model given as an existing path (which needs no registry): then the built-in
     * entries are used and {@code notices} is told why the user's are not.
     *
     * @throws IOException if the user file is invalid and {@code model} is not an existing path
     */
    public static ModelRegistry loadFor(String model, Path cacheDir, java.util.function.Consumer<String> notices)
            throws IOException {
        try {
            return load(cacheDir);
        } catch (IOException e) {
            if (model == null || !Files.exists(Path.of(model))) {
                throw e;
            }
            notices.accept("warning: " + e.getMessage() + "; its entries are ignored for this run");
            return builtIn();
        }
    }

    /** Reads and validates a user registry file: {@code {"models": [{"name", "url", "sha256", "activation"}, ...]}}. */
    static List<Entry> readUserFile(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("models").isArray()) {
            throw new IOException(file + ": expected an object with a \"models\" array of {name, url, sha256, activation}");
        }
        List<Entry> out = new ArrayList<>();
        int i = 0;
        for (JsonNode m : root.path("models")) {
            i++;
            String where = file + ": model " + i + (m.hasNonNull("name") ? " ('" + m.get("name").asText() + "')" : "");
            if (!m.isObject()) {
                throw new IOException(where + ": expected an object");
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!USER_FIELDS.contains(f)) {
                    throw new IOException(where + ": unknown field '" + f + "' (fields: name, url, sha256, activation, file, size, resolution)");
                }
            }
            String name = required(m, "name", where);
            if (!NAME.matcher(name).matches()) {
                throw new IOException(where + ": bad name '" + name + "' (letters, digits and . _ @ + - only)");
            }
            String url = required(m, "url", where);
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IOException(where + ": bad url '" + url + "': " + e.getReason(), e);
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IOException(where + ": bad url '" + url + "' (need an absolute http or https URL)");
            }
            String sha = required(m, "sha256", where);
            if (!SHA256.matcher(sha).matches()) {
                throw new IOException(where + ": bad sha256 '" + sha + "' (need 64 hex digits)");
            }
            Activation act;
            try {
                act = Activation.parse(required(m, "activation", where));
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
            String fileName = m.hasNonNull("file") ? m.get("file").asText() : lastSegment(uri);
            if (fileName.isEmpty() || !FILE.matcher(fileName).matches() || fileName.endsWith(".part") || fileName.endsWith(".lock")) {
                throw new IOException(where + ": bad file name '" + fileName + "' (give \"file\": a plain name like model.pt)");
            }
            long size = m.path("size").asLong(-1);
            int res = m.path("resolution").asInt(0);
            if (m.has("size") && (!m.get("size").canConvertToLong() || size <= 0)) {
                throw new IOException(where + ": bad size '" + m.get("size") + "' (bytes, > 0)");
            }
            if (m.has("resolution") && (!m.get("resolution").canConvertToInt() || res <= 0)) {
                throw new IOException(where + ": bad resolution '" + m.get("resolution") + "' (pixels, > 0)");
            }
            for (Entry e : out) {
                if (e.name().equals(name)) {
                    throw new IOException(where + ": name '" + name + "' appears twice");
                }
            }
            out.add(new Entry(name, fileName, uri, sha.toLowerCase(Locale.ROOT), size, size > 0, res, act, false));
        }
        return out;
    }

    /** Hugging Face hub base URL of the built-in hub entries. */
    static final String HUB = "https://huggingface.co";
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /**
     * A hub folder entry: {@code repo}, {@code revision} (a commit hash, so the bytes cannot change
     * under the name), {@code weights} (the file the loader hashes) and {@code files}
     * ({@code {"file", "sha256"?, "size"?}}); each URL is {@code <hub>/<repo>/resolve/<revision>/<file>}.
     */
    static Entry hubEntry(JsonNode m, String base) {
        String name = m.path("name").asText();
        String repo = m.path("repo").asText();
        String revision = m.path("revision").asText();
        if (!COMMIT.matcher(revision).matches()) {
            throw new IllegalStateException("built-in registry entry " + name + ": revision '" + revision + "' is not a commit hash");
        }
        List<FileRef> files = new ArrayList<>();
        for (JsonNode f : m.path("files")) {
            String file = f.path("file").asText();
            URI url = rebase(URI.create(HUB + "/" + repo + "/resolve/" + revision + "/" + file), base);
            files.add(new FileRef(file, url, f.path("sha256").asText("").toLowerCase(Locale.ROOT), f.path("size").asLong(-1)));
        }
        String weights = m.path("weights").asText();
        FileRef w = files.stream().filter(f -> f.file().equals(weights)).findFirst()
                .orElseThrow(() -> new IllegalStateException("built-in registry entry " + name + ": weights file " + weights + " is not in files"));
        return new Entry(name, w.file(), w.url(), w.sha256(), w.size(), w.size() > 0, m.path("resolution").asInt(0),
                Activation.parse(m.path("activation").asText()), true, files);
    }

    /**
     * A bundled entry: {@code bundled} (the classpath resource folder), {@code artifact} (the Maven
     * artifact holding it), {@code file} (the weights in it), and descriptive {@code size},
     * {@code resolution} and {@code activation}. Its URL is the resource folder as a
     * {@code classpath:} URI, for display only: nothing is fetched.
     */
    static Entry bundledEntry(JsonNode m) {
        String name = m.path("name").asText();
        String resource = m.path("bundled").asText();
        String artifact = m.path("artifact").asText();
        if (!resource.startsWith("/") || !resource.endsWith("/") || !artifact.matches("[\\w.-]+:[\\w.-]+")) {
            throw new IllegalStateException("built-in registry entry " + name + ": bundled '" + resource
                    + "' must be a resource folder (/a/b/) and artifact '" + artifact + "' a groupId:artifactId");
        }
        String file = m.path("file").asText();
        URI url = URI.create("classpath:" + resource + file);
        long size = m.path("size").asLong(-1);
        return new Entry(name, file, url, "", size, false, m.path("resolution").asInt(0),
                Activation.parse(m.path("activation").asText()), true, List.of(new FileRef(file, url, "", size)),
                resource, artifact);
    }

    private static String required(JsonNode m, String field, String where) throws IOException {
        JsonNode v = m.get(field);
        if (v == null || v.isNull() || !v.isTextual() || v.asText().isBlank()) {
            throw new IOException(where + ": missing or empty \"" + field + "\"");
        }
        return v.asText().strip();
    }

    private static String lastSegment(URI uri) {
        String p = uri.getPath() == null ? "" : uri.getPath();
        int slash = p.lastIndexOf('/');
        return p.substring(slash + 1);
    }

    static String baseUrlOverride() {
        String p = System.getProperty(BASE_URL_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(BASE_URL_ENV);
        }
        return p == null || p.isBlank() ? null : p.strip();
    }

    /** Keeps the path, replaces scheme, host and port (and prefixes the base's own path, if any). */
    static URI rebase(URI url, String base) {
        if (base == null) {
            return url;
        }
        String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        URI r;
        try {
            r = new URI(b + url.getRawPath());
        } catch (URISyntaxException e) {
            r = null; // "host:port" without a scheme, spaces...: the sentence below says what is wanted
        }
        if (r == null || r.getScheme() == null || !(r.getScheme().equals("http") || r.getScheme().equals("https"))
                || r.getHost() == null) {
            throw new IllegalArgumentException("the registry mirror URL '" + base + "' (environment variable "
                    + BASE_URL_ENV + " or system property " + BASE_URL_PROPERTY + ") is not an http or https URL with a host; "
                    + "write it with its scheme, e.g. http://" + (base.contains("://") ? "host:port" : b));
        }
        return r;
    }

    /** All entries, built-in ones first, in registry order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * Finds an entry by name: exactly, else ignoring case, else OpenAI's spelling ({@code ViT-B/32},
     * {@code ViT-L/14@336px}).
     */
    public Optional<Entry> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        Entry e = entries.get(name);
        if (e != null) {
            return Optional.of(e);
        }
        String n = name.replace('/', '-').replace("@336px", "-336");
        for (Entry x : entries.values()) {
            if (x.name().equalsIgnoreCase(n)) {
                return Optional.of(x);
            }
        }
        return Optional.empty();
    }

    /** Names, comma-separated, for error messages. */
    public String names() {
        return String.join(", ", entries.keySet());
    }
}
