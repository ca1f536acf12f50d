package io.clipkit.model.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.clipkit.Activation;
import io.clipkit.ClipException;
import io.clipkit.ClipTokenizer;
import io.clipkit.ModelSpec;
import io.clipkit.model.checkpoint.Checkpoint;
import io.clipkit.model.checkpoint.TensorData;
import io.clipkit.text.BpeTokenizer;
import io.clipkit.util.Hashes;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one policy for "what does this path hold": a checkpoint file, a folder holding one, a
 * transformers {@code CLIPModel} folder or an open_clip hub folder, chosen by the files present.
 * Reads the weights under OpenAI's tensor names, the configuration, and the folder's tokenizer.
 *
 * <pre>{@code
 * ModelFolder f = ModelFolder.of(Path.of("clip-vit-base-patch32"));
 * System.out.println(f.layout() + " " + f.weights());     // TRANSFORMERS [.../model.safetensors]
 * Checkpoint ckpt = f.read();                              // OpenAI names: visual.proj, ...
 * }</pre>
 *
 * <p>Precedence when a folder holds several layouts (LAION's hub folders hold both): open_clip
 * weights with {@code open_clip_config.json} first (the model's own preprocessing), else the
 * transformers files; among transformers weights, transformers' own order:
 * {@code model.safetensors}, {@code model.safetensors.index.json}, {@code pytorch_model.bin},
 * {@code pytorch_model.bin.index.json}. A folder with neither config is a plain checkpoint folder
 * and must hold exactly one checkpoint file.
 */
public final class ModelFolder {
    /** What kind of model a path holds. */
    public enum Layout {
        /** A checkpoint file with OpenAI's tensor names (OpenAI's .pt, or a state dict / safetensors). */
        CHECKPOINT("checkpoint file (OpenAI tensor names)"),
        /** A transformers CLIPModel folder. */
        TRANSFORMERS("transformers CLIPModel folder"),
        /** An open_clip hub folder. */
        OPEN_CLIP("open_clip hub folder");

        private final String description;

        Layout(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** Checkpoint file endings looked for in a plain model folder. */
    public static final List<String> CHECKPOINT_ENDINGS = List.of(".pt", ".pth", ".bin", ".safetensors", ".ckpt");
    static final List<String> HF_WEIGHTS = List.of("model.safetensors", "model.safetensors.index.json",
            "pytorch_model.bin", "pytorch_model.bin.index.json");
    static final List<String> OPEN_CLIP_WEIGHTS = List.of("open_clip_model.safetensors", "open_clip_pytorch_model.bin");

    private final Layout layout;
    private final Path root;
    private final List<Path> weights;
    private final List<String> notes;
    private final HubConfigs.Settings settings;
    private final List<Path> tokenizerFiles;
    private volatile BpeTokenizer tokenizer;

    private ModelFolder(Layout layout, Path root, List<Path> weights, List<String> notes, HubConfigs.Settings settings,
                        List<Path> tokenizerFiles) {
        this.layout = layout;
        this.root = root;
        this.weights = List.copyOf(weights);
        this.notes = List.copyOf(notes);
        this.settings = settings;
        this.tokenizerFiles = List.copyOf(tokenizerFiles);
    }

    /**
     * Inspects a checkpoint file or model folder (reads only the small config files).
     *
     * @throws IOException naming the file if the path is missing, a config is not JSON, a weights
     *     file named by the folder is absent, or a plain folder holds several checkpoints (naming them)
     * @throws ClipException if a config names a model clipkit does not support
     */
    public static ModelFolder of(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model file or folder does not exist");
        }
        if (Files.isDirectory(path)) {
            return folder(path, null);
        }
        Path dir = path.toAbsolutePath().getParent();
        String n = path.getFileName().toString();
        if (dir != null && OPEN_CLIP_WEIGHTS.contains(n) && Files.isRegularFile(dir.resolve("open_clip_config.json"))) {
            return folder(dir, path);
        }
        if (dir != null && HF_WEIGHTS.contains(n) && Files.isRegularFile(dir.resolve("config.json"))) {
            return folder(dir, path);
        }
        if (n.endsWith(".index.json")) {
            throw new IOException(path + ": a sharded index needs its folder's config.json; pass the folder");
        }
        return new ModelFolder(Layout.CHECKPOINT, path, List.of(path), List.of(), null, List.of());
    }

    private static ModelFolder folder(Path dir, Path chosen) throws IOException {
        Path ocConfig = dir.resolve("open_clip_config.json");
        Path hfConfig = dir.resolve("config.json");
        List<String> notes = new ArrayList<>();
        List<Path> ocWeights = existing(dir, OPEN_CLIP_WEIGHTS);
        boolean useOpenClip = Files.isRegularFile(ocConfig)
                && (chosen != null ? OPEN_CLIP_WEIGHTS.contains(chosen.getFileName().toString()) : !ocWeights.isEmpty());
        if (useOpenClip) {
            HubConfigs.Settings s = HubConfigs.openClip(ocConfig);
            Path w = chosen != null ? chosen : ocWeights.get(0);
            for (Path other : ocWeights) {
                if (!other.getFileName().equals(w.getFileName())) {
                    notes.add("ignored " + other.getFileName() + " (the same weights; " + w.getFileName() + " is read)");
                }
            }
            if (Files.isRegularFile(hfConfig)) {
                notes.add("ignored the transformers files (config.json): open_clip's own files come first");
            }
            return new ModelFolder(Layout.OPEN_CLIP, dir, List.of(w), notes, s, List.of());
        }
        if (Files.isRegularFile(hfConfig)) {
            JsonNode c = HubConfigs.transformersConfig(hfConfig);
            List<Path> found = existing(dir, HF_WEIGHTS);
            if (found.isEmpty() && chosen == null) {
                throw new FileNotFoundException(hfConfig + " is a transformers CLIPModel config but the folder has no weights ("
                        + String.join(", ", HF_WEIGHTS) + "); download model.safetensors (or pytorch_model.bin) from the "
                        + "model's hub page into " + dir);
            }
            Path w = chosen != null ? chosen : found.get(0);
            for (Path other : found) {
                if (!other.getFileName().equals(w.getFileName())) {
                    notes.add("ignored " + other.getFileName() + " (transformers reads " + w.getFileName() + " first)");
                }
            }
            List<Path> files = w.getFileName().toString().endsWith(".index.json") ? shards(w) : List.of(w);
            HubConfigs.Settings s = HubConfigs.transformers(dir, c);
            List<Path> tok = tokenizerFiles(dir);
            return new ModelFolder(Layout.TRANSFORMERS, dir, files, notes, s, tok);
        }
        if (Files.isRegularFile(ocConfig)) {
            throw new FileNotFoundException(ocConfig + " is an open_clip config but the folder has neither "
                    + String.join(" nor ", OPEN_CLIP_WEIGHTS) + "; download one of them from the model's hub page into " + dir);
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(p) && CHECKPOINT_ENDINGS.stream().anyMatch(n::endsWith)) {
                    found.add(p);
                }
            }
        }
        found.sort(null);
        if (found.isEmpty()) {
            throw new FileNotFoundException("no checkpoint file (" + String.join(", ", CHECKPOINT_ENDINGS) + "), config.json "
                    + "or open_clip_config.json in folder " + dir);
        }
        if (found.size() > 1) {
            throw new IOException("folder " + dir + " holds " + found.size() + " checkpoints ("
                    + found.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "))
                    + ") and no config.json or open_clip_config.json saying which to use; pass one of the files as the model");
        }
        return new ModelFolder(Layout.CHECKPOINT, found.get(0), found, notes, null, List.of());
    }

    private static List<Path> existing(Path dir, List<String> names) {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The shard files an index's {@code weight_map} names, each of which must exist. */
    private static List<Path> shards(Path index) throws IOException {
        JsonNode map = HubConfigs.readJson(index).path("weight_map");
        if (!map.isObject() || map.isEmpty()) {
            throw new IOException(index + ": no weight_map; not a sharded checkpoint index");
        }
        Set<String> names = new LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            names.add(it.next().asText());
        }
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = index.resolveSibling(n);
            if (n.contains("/") || n.contains("\\") || n.startsWith(".")) {
                throw new IOException(index + ": shard name '" + n + "' is not a plain file name");
            }
            if (!Files.isRegularFile(p)) {
                throw new FileNotFoundException(index + " lists shard " + n + ", which is missing from the folder; download it");
            }
            out.add(p);
        }
        return out;
    }

    private static List<Path> tokenizerFiles(Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            return List.of(vocab, merges);
        }
        Path tj = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tj)) {
            return List.of(tj);
        }
        if (Files.isRegularFile(vocab) || Files.isRegularFile(merges)) {
            throw new FileNotFoundException(dir + " has " + (Files.isRegularFile(vocab) ? "vocab.json but no merges.txt"
                    : "merges.txt but no vocab.json") + "; download the missing file (or tokenizer.json) from the model's hub page");
        }
        return List.of();
    }

    /** What kind of model this is. */
    public Layout layout() {
        return layout;
    }

    /** The folder (or, for a lone checkpoint file, the file). */
    public Path root() {
        return root;
    }

    /** The weight files read, in order (several for a sharded checkpoint). */
    public List<Path> weights() {
        return weights;
    }

    /** Name for provenance: the folder's name for hub folders, else the file name without extension. */
    public String defaultName() {
        if (layout != Layout.CHECKPOINT) {
            return root.toAbsolutePath().getFileName().toString();
        }
        String f = weights.get(0).getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    /**
     * SHA-256 identifying the weights: the file's for one file; for shards, the SHA-256 of the
     * {@code sha256sum}-style lines ({@code <hex>  <name>\n}) of all shards in index order.
     */
    public String sha256() throws IOException {
        return sha256(io.clipkit.util.HashCache.none());
    }

    /** As {@link #sha256()}, each file's hash remembered in {@code cache}. */
    public String sha256(io.clipkit.util.HashCache cache) throws IOException {
        if (weights.size() == 1) {
            return cache.sha256(weights.get(0));
        }
        StringBuilder b = new StringBuilder();
        for (Path p : weights) {
            b.append(cache.sha256(p)).append("  ").append(p.getFileName()).append('\n');
        }
        return Hashes.sha256Hex(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The activation the config states, if the layout records one. */
    public Optional<Activation> activation() {
        return settings == null ? Optional.empty() : Optional.of(settings.activation());
    }

    /** Where {@link #activation()} was read (file and key), or empty. */
    public Optional<String> activationSource() {
        return settings == null ? Optional.empty() : Optional.of(settings.activationFrom());
    }

    /** Attention heads of the text and vision towers from the config (0 where the shapes decide). */
    public int textHeads() {
        return settings == null ? 0 : settings.textHeads();
    }

    public int visionHeads() {
        return settings == null ? 0 : settings.visionHeads();
    }

    /** The folder's own tokenizer files (vocab.json + merges.txt, or tokenizer.json), if any. */
    public List<Path> tokenizerFiles() {
        return tokenizerFiles;
    }

    /** Reads the weights (all shards) under OpenAI's tensor names, unhashed (see {@link #sha256()}). */
    public Checkpoint read() throws IOException {
        Map<String, TensorData> all = new LinkedHashMap<>();
        Map<String, Object> scalars = new LinkedHashMap<>();
        String format = null;
        for (Path p : weights) {
            Checkpoint c = Checkpoint.readUnhashed(p);
            format = format == null ? c.format() : format;
            scalars.putAll(c.scalars());
            for (Map.Entry<String, TensorData> e : c.tensors().entrySet()) {
                if (all.put(e.getKey(), e.getValue()) != null) {
                    throw new ClipException(p + ": tensor " + e.getKey() + " is also in another shard");
                }
            }
        }
        if (layout == Layout.TRANSFORMERS || (layout == Layout.CHECKPOINT && HfKeys.looksLikeHf(all.keySet()))) {
            if (layout == Layout.CHECKPOINT) {
                throw new ClipException(weights.get(0) + ": has transformers' tensor names (text_model.*, vision_model.*) "
                        + "but no config.json beside it; pass the whole downloaded folder (config.json, the weights, "
                        + "vocab.json, merges.txt, preprocessor_config.json)");
            }
            all = HfKeys.toOpenAi(all, root.toString());
        }
        return new Checkpoint(format, all, scalars, null);
    }

    /**
     * The folder's tokenizer for transformers folders (vocab.json + merges.txt, else tokenizer.json);
     * empty for the other layouts (they use CLIP's vocabulary).
     */
    public Optional<ClipTokenizer> tokenizer() throws IOException {
        if (tokenizerFiles.isEmpty()) {
            return Optional.empty();
        }
        BpeTokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    t = HubTokenizer.read(tokenizerFiles);
                    tokenizer = t;
                }
            }
        }
        return Optional.of(t);
    }

    /** SHA-256 of the folder's tokenizer files (as {@link #sha256()} combines shards), if it has any. */
    public Optional<String> tokenizerSha256() throws IOException {
        if (tokenizerFiles.isEmpty()) {
            return Optional.empty();
        }
        if (tokenizerFiles.size() == 1) {
            return Optional.of(Hashes.sha256Hex(tokenizerFiles.get(0)));
        }
        StringBuilder b = new StringBuilder();
        for (Path p : tokenizerFiles) {
            b.append(Hashes.sha256Hex(p)).append("  ").append(p.getFileName()).append('\n');
        }
        return Optional.of(Hashes.sha256Hex(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The model's spec, given what the weights say (input size, context, vocabulary rows, logit
     * scale): OpenAI's for checkpoint files, else the config's, checked against the weights.
     */
    public ModelSpec spec(int imageResolution, int contextLength, int vocabSize, float logitScale) throws IOException {
        if (layout == Layout.CHECKPOINT) {
            return ModelSpec.openai(imageResolution, contextLength, vocabSize, logitScale);
        }
        ModelSpec.Image image = settings.image();
        if (image.size() != imageResolution) {
            throw new ClipException(root + ": the config's image size " + image.size() + " (" + settings.imageFrom()
                    + ") differs from the weights' input size " + imageResolution);
        }
        ModelSpec.Text text;
        Optional<ClipTokenizer> own = tokenizer();
        if (own.isPresent()) {
            BpeTokenizer t = (BpeTokenizer) own.get();
            if (t.vocabularySize() > vocabSize) {
                throw new ClipException(root + ": the tokenizer (" + names(tokenizerFiles) + ") has " + t.vocabularySize()
                        + " ids but the text encoder only " + vocabSize + " token embeddings");
            }
            if (t.endId() != t.vocabularySize() - 1) {
                // the text encoder pools at the largest id in a row (CLIP's end token)
                throw new ClipException(root + ": the end token <|endoftext|> has id " + t.endId()
                        + ", not the largest id " + (t.vocabularySize() - 1) + "; such vocabularies are not supported");
            }
            text = new ModelSpec.Text(ModelSpec.Text.CLIP_BPE, contextLength, vocabSize, t.startId(), t.endId(), 0);
        } else {
            text = ModelSpec.Text.clip(contextLength, vocabSize);
        }
        ModelSpec spec = new ModelSpec(layout == Layout.TRANSFORMERS ? "transformers" : "open_clip", text, image,
                ModelSpec.Scoring.softmax(logitScale));
        return settings.templates().isEmpty() ? spec : spec.withTemplates(settings.templates());
    }

    /**
     * What was found, one {label, value} pair per fact (layout, files read and ignored, tokenizer,
     * where the preprocessing comes from), for {@code clip models info}; an empty label continues the
     * line above.
     */
    public List<Map.Entry<String, String>> describe() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        out.add(Map.entry("layout", layout.description() + (layout == Layout.CHECKPOINT ? "" : " (" + root.toAbsolutePath() + ")")));
        out.add(Map.entry("weights", names(weights)));
        for (String n : notes) {
            out.add(Map.entry("", n));
        }
        if (layout == Layout.TRANSFORMERS) {
            out.add(Map.entry("tokenizer", tokenizerFiles.isEmpty()
                    ? "CLIP's bundled vocabulary (no vocab.json/merges.txt/tokenizer.json)" : names(tokenizerFiles)));
        } else if (layout == Layout.OPEN_CLIP) {
            out.add(Map.entry("tokenizer", "CLIP's vocabulary (open_clip folders ship none)"));
        }
        if (settings != null) {
            out.add(Map.entry("preprocessing", "from " + settings.imageFrom()));
            out.add(Map.entry("templates from", settings.templates().isEmpty() ? "clipkit's default (the config states none)"
                    : "from open_clip_config.json " + HubConfigs.CLIPKIT_KEY + ".templates"));
        }
        return out;
    }

    private static String names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(" + "));
    }

    @Override
    public String toString() {
        return layout + " " + root + " " + Arrays.toString(weights.toArray());
    }
}
