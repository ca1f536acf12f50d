package io.clipkit.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Classification;
import io.clipkit.LabelScore;
import io.clipkit.Provenance;

/**
 * A classification as the JSON object {@code clip classify --json} prints per image (same fields,
 * same order), so a client can parse both alike. It mirrors {@code ClassifyCommand.toJson}; when
 * clip-core gains its one result-JSON writer, this class should delegate to it.
 */
final class ClassifyJson {
    private ClassifyJson() {}

    /** {@code image} is the upload's file name, or null when it had none. */
    static ObjectNode toJson(ObjectMapper mapper, Classification c, String image) {
        Provenance pv = c.provenance();
        ObjectNode o = mapper.createObjectNode();
        o.put("image", image);
        o.put("model", pv.model());
        ArrayNode arr = o.putArray("labels");
        for (LabelScore s : c.labels()) {
            ObjectNode l = arr.addObject();
            l.put("label", s.label());
            l.put("probability", s.probability());
            l.put("cosine", s.cosine());
        }
        o.put("checkpoint_sha256", pv.checkpointSha256());
        o.put("device", pv.device());
        o.put("logit_scale", pv.logitScale());
        ArrayNode t = o.putArray("templates");
        pv.templates().forEach(t::add);
        return o;
    }
}
