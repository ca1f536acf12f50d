package io.clipkit.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipkit.Classification;
import io.clipkit.batch.ResultJson;

/**
 * A classification as the JSON object {@code clip classify --json} prints per image: the one schema
 * of clip-core's {@link ResultJson} (same fields, same order), so a client parses both alike.
 */
final class ClassifyJson {
    private ClassifyJson() {}

    /** {@code image} is the upload's file name, or null when it had none. */
    static ObjectNode toJson(ObjectMapper mapper, Classification c, String image) {
        return ResultJson.classificationNode(c, image);
    }
}
