package io.clipkit.model.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.Activation;
import io.clipkit.ClipException;
import io.clipkit.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads transformers' {@code config.json} + {@code preprocessor_config.json} and open_clip's
 * {@code open_clip_config.json} into what the loader needs beyond the tensor shapes. Every value
 * clipkit cannot honour exactly is an error naming the file, the key and the value.
 */
final class HubConfigs {
    private HubConfigs() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a config adds to the shapes.
     *
     * @param activation the MLP activation
     * @param activationFrom where it was read (file and key)
     * @param textHeads attention heads of the text tower
     * @param visionHeads attention heads of the vision tower
     * @param image the preprocessing (its size is the crop the model sees)
     * @param imageFrom where the preprocessing was read, or that defaults were used
     * @param templates the prompt templates the config states (checked), or empty
     */
    record Settings(Activation activation, String activationFrom, int textHeads, int visionHeads, ModelSpec.Image image,
                    String imageFrom, List<String> templates) {
        Settings {
            templates = List.copyOf(templates);
        }
    }

    /** The key of clipkit's own settings in {@code open_clip_config.json} (open_clip ignores unknown top-level keys). */
    static final String CLIPKIT_KEY = "clipkit";

    static JsonNode readJson(Path file) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage()
                    + "); the file is damaged or not a model config: download it again from the model's hub page", e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException(file + ": expected a JSON object; download it again from the model's hub page");
        }
        return n;
    }

    // ------------------------------------------------------------------ transformers

    /** Checks {@code config.json} is a CLIPModel's (model_type clip) before any weights are read. */
    static JsonNode transformersConfig(Path config) throws IOException {
        JsonNode c = readJson(config);
        String type = c.path("model_type").asText("");
        if (!type.equals("clip")) {
            throw new ClipException(config + ": model_type '" + type + "' is not supported; clipkit loads CLIP models "
                    + "(model_type clip: CLIPModel with both towers)" + (type.startsWith("siglip")
                    ? ". SigLIP uses a sigmoid loss and another tokenizer, which clipkit does not implement yet" : "")
                    + (type.startsWith("clip_") ? ". This folder holds only one tower; use the full CLIPModel folder" : ""));
        }
        for (String tower : List.of("text_config", "vision_config")) {
            // absent: transformers' defaults apply (as below); present, it must be an object
            if (c.has(tower) && !c.get(tower).isObject() && !c.get(tower).isNull()) {
                throw new ClipException(config + ": " + tower + " must be a JSON object, got " + c.get(tower));
            }
        }
        return c;
    }

    static Settings transformers(Path folder, JsonNode c) throws IOException {
        Path config = folder.resolve("config.json");
        JsonNode tc = c.path("text_config");
        JsonNode vc = c.path("vision_config");
        // transformers' defaults (CLIPTextConfig / CLIPVisionConfig) when a key is absent
        String textAct = tc.path("hidden_act").asText("quick_gelu");
        String visionAct = vc.path("hidden_act").asText("quick_gelu");
        if (!textAct.equals(visionAct)) {
            throw new ClipException(config + ": text_config.hidden_act '" + textAct + "' differs from vision_config.hidden_act '"
                    + visionAct + "'; clipkit runs both towers with one activation");
        }
        Activation act = activation(textAct, config + " text_config.hidden_act");
        for (String tower : List.of("text_config", "vision_config")) {
            double eps = c.path(tower).path("layer_norm_eps").asDouble(1e-5);
            if (Math.abs(eps - 1e-5) > 1e-12) {
                throw new ClipException(config + ": " + tower + ".layer_norm_eps " + eps
                        + " is not supported (clipkit's LayerNorm uses CLIP's 1e-5)");
            }
        }
        int textHeads = positive(tc, "num_attention_heads", 8, config);
        int visionHeads = positive(vc, "num_attention_heads", 12, config);
        int size = positive(vc, "image_size", 224, config);
        Path pp = folder.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(pp)) {
            return new Settings(act, "config.json text_config.hidden_act", textHeads, visionHeads,
                    new ModelSpec.Image(size, ModelSpec.Resize.SHORTEST_EDGE_CROP, ModelSpec.Interpolation.BICUBIC,
                            ModelSpec.Image.OPENAI_MEAN, ModelSpec.Image.OPENAI_STD, true, ModelSpec.CropRounding.FLOOR),
                    "defaults of transformers' CLIPImageProcessor (no preprocessor_config.json)", List.of());
        }
        return new Settings(act, "config.json text_config.hidden_act", textHeads, visionHeads, imageProcessor(pp, size),
                "preprocessor_config.json", List.of());
    }

    /** CLIPImageProcessor's settings, with its defaults for absent keys. */
    static ModelSpec.Image imageProcessor(Path file, int modelSize) throws IOException {
        JsonNode p = readJson(file);
        String type = p.path("image_processor_type").asText(p.path("feature_extractor_type").asText("CLIPImageProcessor"));
        if (!type.startsWith("CLIP")) {
            throw new ClipException(file + ": image_processor_type '" + type + "' is not supported (CLIPImageProcessor only)");
        }
        int shortest = sizeOf(p.get("size"), "shortest_edge", 224, file, "size");
        int crop = sizeOf(p.get("crop_size"), "height", 224, file, "crop_size");
        boolean resizeOn = p.path("do_resize").asBoolean(true);
        boolean cropOn = p.path("do_center_crop").asBoolean(true);
        if (!resizeOn || !cropOn) {
            throw new ClipException(file + ": do_resize/do_center_crop false is not supported (the model needs a "
                    + modelSize + "x" + modelSize + " input)");
        }
        if (p.path("size").isObject() && p.path("size").has("height")) {
            throw new ClipException(file + ": size {height, width} (resize without keeping the aspect) is not supported; "
                    + "expected size.shortest_edge");
        }
        if (shortest != crop) {
            throw new ClipException(file + ": size.shortest_edge " + shortest + " differs from crop_size " + crop
                    + "; clipkit resizes the shortest edge to the crop size (set both to " + crop + " if that is meant)");
        }
        if (crop != modelSize) {
            throw new ClipException(file + ": crop_size " + crop + " differs from the model's image_size " + modelSize
                    + " in config.json");
        }
        int resample = p.path("resample").asInt(3);
        ModelSpec.Interpolation interp = switch (resample) {
            case 2 -> ModelSpec.Interpolation.BILINEAR;
            case 3 -> ModelSpec.Interpolation.BICUBIC;
            default -> throw new ClipException(file + ": resample " + resample
                    + " is not supported (2 = bilinear or 3 = bicubic)");
        };
        if (p.path("do_rescale").asBoolean(true)) {
            double f = p.path("rescale_factor").asDouble(1 / 255.0);
            if (Math.abs(f - 1 / 255.0) > 1e-12) {
                throw new ClipException(file + ": rescale_factor " + f + " is not supported (1/255 only)");
            }
        } else {
            throw new ClipException(file + ": do_rescale false is not supported (images are 8-bit, rescaled by 1/255)");
        }
        List<Float> mean = ModelSpec.Image.OPENAI_MEAN;
        List<Float> std = ModelSpec.Image.OPENAI_STD;
        if (p.path("do_normalize").asBoolean(true)) {
            mean = triple(p.get("image_mean"), ModelSpec.Image.OPENAI_MEAN, file, "image_mean");
            std = triple(p.get("image_std"), ModelSpec.Image.OPENAI_STD, file, "image_std");
        } else {
            mean = List.of(0f, 0f, 0f);
            std = List.of(1f, 1f, 1f);
        }
        boolean rgbFirst = p.path("do_convert_rgb").asBoolean(true);
        try {
            return new ModelSpec.Image(crop, ModelSpec.Resize.SHORTEST_EDGE_CROP, interp, mean, std, rgbFirst,
                    ModelSpec.CropRounding.FLOOR);
        } catch (IllegalArgumentException e) {
            throw new ClipException(file + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ open_clip

    static Settings openClip(Path file) throws IOException {
        JsonNode root = readJson(file);
        JsonNode m = root.path("model_cfg");
        if (!m.isObject()) {
            throw new ClipException(file + ": no model_cfg object; not an open_clip hub config");
        }
        JsonNode v = m.path("vision_cfg");
        JsonNode t = m.path("text_cfg");
        if (m.path("custom_text").asBoolean(false) || t.has("hf_model_name") || v.has("timm_model_name")
                || m.has("multimodal_cfg")) {
            throw new ClipException(file + ": this open_clip model uses a custom, Hugging Face or timm tower "
                    + "(custom_text / hf_model_name / timm_model_name / multimodal_cfg); clipkit loads CLIP's own "
                    + "ViT/ResNet and text transformer only");
        }
        for (String k : List.of("ls_init_value", "attentional_pool", "no_ln_pre", "final_ln_after_pool", "proj_bias")) {
            JsonNode x = v.get(k);
            if (x != null && !x.isNull() && !(x.isBoolean() && !x.asBoolean())) {
                throw new ClipException(file + ": vision_cfg." + k + " = " + x + " is not supported");
            }
        }
        for (String k : List.of("ls_init_value", "embed_cls", "no_causal_mask", "proj_bias")) {
            JsonNode x = t.get(k);
            if (x != null && !x.isNull() && !(x.isBoolean() && !x.asBoolean())) {
                throw new ClipException(file + ": text_cfg." + k + " = " + x + " is not supported");
            }
        }
        String pool = t.path("pool_type").asText("argmax");
        if (!pool.equals("argmax")) {
            throw new ClipException(file + ": text_cfg.pool_type '" + pool + "' is not supported (argmax only)");
        }
        if (t.path("pad_id").asInt(0) != 0) {
            throw new ClipException(file + ": text_cfg.pad_id " + t.get("pad_id") + " is not supported (0 only)");
        }
        Activation act = m.path("quick_gelu").asBoolean(false) ? Activation.QUICK_GELU : Activation.GELU;
        String actFrom = m.has("quick_gelu") ? "open_clip_config.json model_cfg.quick_gelu"
                : "open_clip's default (model_cfg.quick_gelu absent: gelu)";
        int width = v.path("width").asInt(768);
        int headWidth = v.path("head_width").asInt(64);
        int visionHeads = v.path("layers").isArray() ? 0 : Math.max(1, width / headWidth);
        int textHeads = positive(t, "heads", 8, file);
        JsonNode is = v.get("image_size");
        int size;
        if (is != null && is.isArray()) {
            if (is.size() != 2 || is.get(0).asInt() != is.get(1).asInt()) {
                throw new ClipException(file + ": vision_cfg.image_size " + is + " is not square; not supported");
            }
            size = is.get(0).asInt();
        } else {
            size = v.path("image_size").asInt(224);
        }
        JsonNode pc = root.path("preprocess_cfg");
        String mode = pc.path("resize_mode").asText("shortest");
        ModelSpec.Resize resize = switch (mode) {
            case "shortest" -> ModelSpec.Resize.SHORTEST_EDGE_CROP;
            case "squash" -> ModelSpec.Resize.SQUASH;
            default -> throw new ClipException(file + ": preprocess_cfg.resize_mode '" + mode
                    + "' is not supported (shortest or squash)");
        };
        String interp = pc.path("interpolation").asText("bicubic");
        ModelSpec.Interpolation ip = switch (interp) {
            case "bicubic", "random" -> ModelSpec.Interpolation.BICUBIC; // open_clip: random means bicubic at inference
            case "bilinear" -> ModelSpec.Interpolation.BILINEAR;
            default -> throw new ClipException(file + ": preprocess_cfg.interpolation '" + interp
                    + "' is not supported (bicubic or bilinear)");
        };
        ModelSpec.Image image;
        try {
            image = new ModelSpec.Image(size, resize, ip, triple(pc.get("mean"), ModelSpec.Image.OPENAI_MEAN, file, "mean"),
                    triple(pc.get("std"), ModelSpec.Image.OPENAI_STD, file, "std"), false, ModelSpec.CropRounding.ROUND);
        } catch (IllegalArgumentException e) {
            throw new ClipException(file + ": " + e.getMessage(), e);
        }
        return new Settings(act, actFrom, textHeads, visionHeads, image,
                pc.isObject() ? "open_clip_config.json preprocess_cfg" : "open_clip's defaults (no preprocess_cfg)",
                clipkitTemplates(root, file));
    }

    /**
     * The model's prompt templates from {@code "clipkit": {"templates": ["{}.", ...]}}, checked; empty
     * when the config has no {@code clipkit} key. The key is clipkit's own, so an unknown field in it
     * is an error (a misspelt key would otherwise be ignored).
     */
    static List<String> clipkitTemplates(JsonNode root, Path file) {
        JsonNode c = root.get(CLIPKIT_KEY);
        if (c == null || c.isNull()) {
            return List.of();
        }
        if (!c.isObject()) {
            throw new ClipException(file + ": " + CLIPKIT_KEY + " must be an object like {\"templates\": [\"a photo of a {}.\"]}, got " + c);
        }
        for (java.util.Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("templates")) {
                throw new ClipException(file + ": unknown key " + CLIPKIT_KEY + "." + k + " (known: templates)");
            }
        }
        JsonNode t = c.get("templates");
        if (t == null || t.isNull()) {
            return List.of();
        }
        if (!t.isArray()) {
            throw new ClipException(file + ": " + CLIPKIT_KEY + ".templates must be an array of strings, got " + t);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : t) {
            if (!x.isTextual()) {
                throw new ClipException(file + ": " + CLIPKIT_KEY + ".templates must be an array of strings, got " + x);
            }
            out.add(x.asText());
        }
        try {
            return io.clipkit.PromptTemplates.check(out);
        } catch (IllegalArgumentException e) {
            throw new ClipException(file + ": " + CLIPKIT_KEY + ".templates: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    static Activation activation(String hf, String where) {
        return switch (hf) {
            case "quick_gelu" -> Activation.QUICK_GELU;
            case "gelu" -> Activation.GELU;
            default -> throw new ClipException(where + " '" + hf + "' is not supported (quick_gelu or gelu)");
        };
    }

    private static int positive(JsonNode n, String key, int dflt, Path file) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || v.asInt() < 1) {
            throw new ClipException(file + ": " + key + " must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    /** An int or {key: n} size entry ({"shortest_edge": 224}, {"height": 224, "width": 224}, or 224). */
    private static int sizeOf(JsonNode n, String key, int dflt, Path file, String name) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (n.canConvertToInt()) {
            return n.asInt();
        }
        if (n.isObject()) {
            if (n.has("height") && n.has("width") && n.get("height").asInt() != n.get("width").asInt()) {
                throw new ClipException(file + ": " + name + " " + n + " is not square; not supported");
            }
            JsonNode v = n.has(key) ? n.get(key) : n.get("height");
            if (v != null && v.canConvertToInt() && v.asInt() > 0) {
                return v.asInt();
            }
        }
        throw new ClipException(file + ": " + name + " " + n + " is not a size clipkit understands");
    }

    private static List<Float> triple(JsonNode n, List<Float> dflt, Path file, String key) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        List<Float> out = new ArrayList<>();
        if (n.isNumber()) {
            for (int i = 0; i < 3; i++) {
                out.add((float) n.asDouble());
            }
            return out;
        }
        if (!n.isArray() || n.size() != 3) {
            throw new ClipException(file + ": " + key + " must be 3 numbers (RGB), got " + n);
        }
        for (JsonNode x : n) {
            if (!x.isNumber()) {
                throw new ClipException(file + ": " + key + " must be 3 numbers (RGB), got " + n);
            }
            out.add((float) x.asDouble());
        }
        return out;
    }
}
