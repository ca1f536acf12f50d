package io.clipkit.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Classification;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;
import io.clipkit.TagResult;
import io.clipkit.video.VideoClassification;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The one JSON schema of results: {@code clip classify --json}, the tag records and (later) the
 * HTTP server write these objects, so a label, a failure and the provenance look the same
 * everywhere. Field names are snake_case; see the README for the schema. Internal to clipkit's
 * modules (public for the CLI and the server); thread-safe.
 *
 * <pre>{@code
 * String line = ResultJson.classification(classifier.classify(Path.of("cat.jpg")));
 * }</pre>
 */
public final class ResultJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultJson() {}

    /**
     * One classification: {@code image}, {@code status} ({@code ok} or {@code error}), {@code labels}
     * (ranked), {@code error} when it failed, then the provenance fields.
     */
    public static String classification(Classification c) {
        return write(classificationNode(c, c.image().map(Path::toString).orElse(null)));
    }

    /** The same object as a Jackson tree, with {@code image} as given (e.g. an upload's file name, or null). */
    public static ObjectNode classificationNode(Classification c, String image) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("image", image);
        o.put("status", c.error().isPresent() ? "error" : "ok");
        labels(o, c.labels());
        c.error().ifPresent(e -> o.put("error", e));
        provenance(o, c.provenance());
        return o;
    }

    /**
     * One classified video: the same object as {@link #classification} (its overall labels under
     * {@code labels}) plus {@code segments}: {@code [{start, end, frames, labels}]}, times in seconds.
     */
    public static String videoClassification(VideoClassification v, Provenance provenance) {
        Classification c = new Classification(Optional.of(v.sample().file()), v.labels(), provenance, Optional.empty());
        ObjectNode o = classificationNode(c, v.sample().file().toString());
        segments(o, v.segments());
        return write(o);
    }

    /** A timeline as {@code segments: [{start, end, frames, labels}]}, times in seconds. */
    static void segments(ObjectNode o, List<VideoClassification.Segment> segments) {
        ArrayNode arr = o.putArray("segments");
        for (VideoClassification.Segment s : segments) {
            ObjectNode n = arr.addObject();
            n.put("start", s.start().toMillis() / 1000.0);
            n.put("end", s.end().toMillis() / 1000.0);
            n.put("frames", s.frames());
            labels(n, s.labels());
        }
    }

    /** The ranked labels as {@code labels: [{label, probability, cosine}]}. */
    static void labels(ObjectNode o, List<LabelScore> labels) {
        ArrayNode arr = o.putArray("labels");
        for (LabelScore s : labels) {
            ObjectNode l = arr.addObject();
            l.put("label", s.label());
            l.put("probability", s.probability());
            l.put("cosine", s.cosine());
        }
    }

    /** The provenance fields, flat, in a fixed order. */
    static void provenance(ObjectNode o, Provenance p) {
        o.put("model", p.model());
        if (!p.fallbackFor().isEmpty()) {
            o.put("fallback_for", p.fallbackFor()); // only then: other results keep their exact fields
        }
        o.put("checkpoint_sha256", p.checkpointSha256());
        o.put("activation", p.activation().cliName());
        o.put("dtype", p.dtype().name().toLowerCase(java.util.Locale.ROOT));
        o.put("device", p.device());
        o.put("kernel", p.kernel());
        o.put("preprocessing", p.preprocessing());
        o.put("vocabulary_sha256", p.vocabularySha256());
        o.put("clipkit_version", p.clipkitVersion());
        o.put("scoring", p.scoring().kind().name().toLowerCase(java.util.Locale.ROOT));
        o.put("logit_scale", p.logitScale());
        if (p.scoring().kind() == io.clipkit.ModelSpec.Scoring.Kind.SIGMOID) {
            o.put("logit_bias", p.scoring().logitBias());
        }
        ArrayNode t = o.putArray("templates");
        p.templates().forEach(t::add);
    }

    /**
     * One tag record: {@code path}, {@code status}, {@code size}, {@code mtime}, {@code labels},
     * {@code error}/{@code note} when set, {@code retryable} for environment failures, {@code model}
     * and {@code checkpoint_sha256} when ok, and the {@code settings} that produced it.
     */
    static String tagRecord(TagResult r, String key, String model, RecordSettings settings) {
        return tagRecord(r, key, model, settings, null);
    }

    /** The same, with a video's {@code segments} after {@code labels} (null for an image). */
    static String tagRecord(TagResult r, String key, String model, RecordSettings settings,
            List<VideoClassification.Segment> segments) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("path", key);
        o.put("status", r.status().json());
        o.put("size", r.size());
        o.put("mtime", r.mtime());
        labels(o, r.labels());
        if (segments != null) {
            segments(o, segments);
        }
        if (r.status() != TagResult.Status.OK) {
            o.put("error", r.error());
        }
        if (!r.note().isEmpty()) {
            o.put("note", r.note());
        }
        if (r.retryable()) {
            o.put("retryable", true);
        }
        if (r.status() == TagResult.Status.OK) {
            o.put("model", model);
            o.put("checkpoint_sha256", settings.checkpointSha256());
        }
        settings.write(o.putObject("settings"));
        return write(o) + "\n";
    }

    /** A timeline as a JSON array (for a CSV cell). */
    static String segmentsArray(List<VideoClassification.Segment> segments) {
        ObjectNode o = MAPPER.createObjectNode();
        segments(o, segments);
        return write(o.get("segments"));
    }

    /** A list of strings or numbers as a JSON array (for a CSV cell that holds a list). */
    static String array(List<?> values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Object v : values) {
            if (v instanceof Float f) {
                a.add(f);
            } else {
                a.add(String.valueOf(v));
            }
        }
        return write(a);
    }

    private static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
