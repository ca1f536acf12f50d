package io.clipkit.mini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipkit.ClipModel;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.registry.ModelRegistry;
import io.clipkit.registry.ModelResolver;
import io.clipkit.testing.TestFiles;
import io.clipkit.util.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact as it ships: the resource folder this module holds, loaded by its registry name.
 * Needs the packaged files (models/recipes/clipkit-mini/package.sh writes them; committed once the
 * model is final): without them the tests fail under CI=true and are skipped elsewhere.
 */
class ShippedModelTest {
    static final String FOLDER = "/io/clipkit/models/clipkit-mini/";
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path cache;
    ModelRegistry.Entry entry;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ShippedModelTest.class.getResourceAsStream(FOLDER + name)) {
            assertTrue(in != null, FOLDER + name + " is missing from the artifact");
            return in.readAllBytes();
        }
    }

    @BeforeEach
    void requireTheModel() {
        TestFiles.require(ShippedModelTest.class.getResource(FOLDER + "files.sha256") != null,
                "the bundled model's files (classpath " + FOLDER + "; run models/recipes/clipkit-mini/package.sh RUN_DIR)");
        entry = ModelRegistry.builtIn().find(ModelResolver.BUNDLED_MODEL).orElseThrow();
    }

    @Test
    void theManifestListsTheShippedFiles() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : new String(resource("files.sha256"), StandardCharsets.UTF_8).split("\n")) {
            String[] p = line.split("  ", 2);
            assertEquals(Hashes.sha256Hex(resource(p[1])), p[0], p[1]);
            names.add(p[1]);
        }
        assertEquals(List.of("MODEL_CARD.md", "open_clip_config.json", "open_clip_model.safetensors"), names);
        assertFalse(new String(resource("MODEL_CARD.md"), StandardCharsets.UTF_8).isBlank());
        assertEquals(Files.readString(TestFiles.root().resolve("models/recipes/clipkit-mini/MODEL_CARD.md")),
                new String(resource("MODEL_CARD.md"), StandardCharsets.UTF_8),
                "the shipped model card is the recipe's (run package.sh again after editing it)");
    }

    @Test
    void theWeightsAreFp16AndSmallEnoughToShip() throws IOException {
        byte[] w = resource("open_clip_model.safetensors");
        assertTrue(w.length <= 26_000_000, "at most about 25 MB, got " + w.length);
        long n = ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(w, 8, (int) n, StandardCharsets.UTF_8));
        for (Map.Entry<String, JsonNode> t : header.properties()) {
            if (!t.getKey().equals("__metadata__")) {
                String dtype = t.getValue().get("dtype").asText();
                assertTrue(dtype.equals("F16") || dtype.equals("I64"), t.getKey() + " is " + dtype);
            }
        }
        // the registry's descriptive size is close to the real one
        assertTrue(Math.abs(entry.size() - w.length) < 0.25 * w.length, "registry size " + entry.size() + " vs " + w.length);
    }

    @Test
    void loadsByItsRegistryNameWithItsOwnTemplates() throws IOException {
        List<String> templates = new ArrayList<>();
        JSON.readTree(resource("open_clip_config.json")).path("clipkit").path("templates").forEach(t -> templates.add(t.asText()));
        assertFalse(templates.isEmpty(), "the config states the model's templates");
        Path extracted;
        try (ClipModel m = ClipModel.builder().model("clipkit-mini").cacheDir(cache).allowDownload(false).load()) {
            assertEquals("clipkit-mini", m.info().name());
            assertEquals("open_clip", m.info().spec().family());
            assertEquals(templates, m.info().spec().templates());
            // the registry's descriptive values are the artifact's
            assertEquals(entry.resolution(), m.info().imageResolution());
            assertEquals(entry.activation(), m.info().activation());
            assertEquals(Hashes.sha256Hex(resource("open_clip_model.safetensors")), m.info().checkpointSha256());
            try (ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels("cat", "dog").build()) {
                assertEquals(templates, c.provenance().templates());
            }
            try (var s = Files.list(cache.resolve("bundled"))) {
                extracted = s.findFirst().orElseThrow();
            }
        }
        // extracted once: a second load uses the verified copy as it is
        FileTime t = Files.getLastModifiedTime(extracted.resolve("open_clip_model.safetensors"));
        try (ClipModel m = ClipModel.builder().resource(FOLDER).cacheDir(cache).load()) {
            assertEquals("clipkit-mini", m.info().name());
        }
        assertEquals(t, Files.getLastModifiedTime(extracted.resolve("open_clip_model.safetensors")));
    }

    /** The library's opt-in fallback, end to end: an empty cache, downloads off, the default model. */
    @Test
    void standsInForTheDefaultWhenAskedTo() throws IOException {
        List<String> notices = new ArrayList<>();
        try (ClipModel m = ClipModel.builder().cacheDir(cache).allowDownload(false).fallbackToBundled(true)
                .notices(notices::add).load()) {
            assertEquals("clipkit-mini", m.info().name());
            assertEquals(ModelResolver.DEFAULT_MODEL, m.info().fallbackFor());
            assertEquals(1, notices.size(), notices.toString());
            assertTrue(notices.get(0).contains("using the bundled model clipkit-mini instead"), notices.get(0));
        }
    }
}
