package io.clipkit.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.XmpMode;
import io.clipkit.util.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * What produced a tag record, written into every record so that a resumed run can tell whether a
 * file's record still holds: the checkpoint, the labels and templates (as SHA-256 of their JSON
 * arrays: a record must not carry a thousand labels), top-k, min-score, XMP mode, the
 * preprocessing description and the dtype the encoders computed in ({@code fp32}, {@code bf16}...:
 * scores differ in the third decimal between them). A record made with other settings is redone.
 */
record RecordSettings(String checkpointSha256, String labelsSha256, String templatesSha256, int topK, float minScore,
        String xmp, String preprocessing, String dtype) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static RecordSettings of(String checkpointSha256, List<String> labels, List<String> templates, int topK, float minScore,
            XmpMode xmp, String preprocessing, io.clipkit.DType dtype) {
        return new RecordSettings(checkpointSha256, listHash(labels), listHash(templates), topK, minScore, xmp.json(),
                preprocessing, dtype.name().toLowerCase(Locale.ROOT));
    }

    static String listHash(List<String> values) {
        try {
            return Hashes.sha256Hex(JSON.writeValueAsString(values).getBytes(StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void write(ObjectNode o) {
        o.put("checkpoint_sha256", checkpointSha256);
        o.put("labels_sha256", labelsSha256);
        o.put("templates_sha256", templatesSha256);
        o.put("top_k", topK);
        o.put("min_score", minScore);
        o.put("xmp", xmp);
        o.put("preprocessing", preprocessing);
        o.put("dtype", dtype);
    }

    /** The settings of a JSON record, or null when it has none (written by an older version). */
    static RecordSettings read(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        return new RecordSettings(n.path("checkpoint_sha256").asText(""), n.path("labels_sha256").asText(""),
                n.path("templates_sha256").asText(""), n.path("top_k").asInt(-1), (float) n.path("min_score").asDouble(-1),
                n.path("xmp").asText(""), n.path("preprocessing").asText(""),
                n.path("dtype").asText("fp32")); // records from before the field: the default, fp32
    }

    /** The CSV cell: the same object as JSON. */
    String csv() {
        ObjectNode o = JSON.createObjectNode();
        write(o);
        return o.toString();
    }

    static RecordSettings parseCsv(String cell) {
        try {
            return read(JSON.readTree(cell));
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** What differs from {@code other}, for a message ("labels, top-k"); empty when equal. */
    String difference(RecordSettings other) {
        if (other == null) {
            return "settings not recorded";
        }
        StringBuilder b = new StringBuilder();
        diff(b, "model checkpoint", checkpointSha256, other.checkpointSha256);
        diff(b, "labels", labelsSha256, other.labelsSha256);
        diff(b, "templates", templatesSha256, other.templatesSha256);
        diff(b, "top-k", topK, other.topK);
        diff(b, "min-score", minScore, other.minScore);
        diff(b, "XMP mode", xmp, other.xmp);
        diff(b, "preprocessing", preprocessing, other.preprocessing);
        diff(b, "dtype", dtype, other.dtype);
        return b.toString();
    }

    private static void diff(StringBuilder b, String what, Object mine, Object theirs) {
        if (!mine.equals(theirs)) {
            b.append(b.length() > 0 ? ", " : "").append(what);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "checkpoint %s, top-k %d, min-score %s, xmp %s, %s, %s", checkpointSha256,
                topK, minScore, xmp, preprocessing, dtype);
    }
}
