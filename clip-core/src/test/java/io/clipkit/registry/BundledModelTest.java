package io.clipkit.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.Activation;
import io.clipkit.ClipModel;
import io.clipkit.PromptTemplates;
import io.clipkit.ZeroShotClassifier;
import io.clipkit.model.BundledModels;
import io.clipkit.testing.FakeClipModel;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundled registry entries and the builder's fallback to the bundled model, with an empty cache,
 * a downloader that cannot connect, and a stand-in loader (the real bundled model is loaded by the
 * clipkit-mini module's tests). The bundled entry here names a test resource folder
 * ({@code /io/clipkit/testbundle/}).
 */
class BundledModelTest {
    static final String RESOURCE = "/io/clipkit/testbundle/";
    @TempDir Path cache;
    final List<String> notices = new CopyOnWriteArrayList<>();
    final List<Path> loaded = new ArrayList<>();

    /** A downloadable entry on a port nothing listens on: the download fails at once (no network). */
    static ModelRegistry.Entry unreachable(String name) {
        return new ModelRegistry.Entry(name, name + ".pt", URI.create("http://127.0.0.1:9/" + name + ".pt"), "ab".repeat(32),
                1000, true, 224, Activation.QUICK_GELU, true);
    }

    static ModelRegistry.Entry bundled(String name, String resource) {
        URI u = URI.create("classpath:" + resource + "fake.safetensors");
        return new ModelRegistry.Entry(name, "fake.safetensors", u, "", 40, false, 8, Activation.QUICK_GELU, true,
                List.of(new ModelRegistry.FileRef("fake.safetensors", u, "", 40)), resource, "io.clipkit:test-bundle");
    }

    ClipModel.Builder builder(ModelRegistry.Entry... entries) {
        return ClipModel.builder().cacheDir(cache).registry(ModelRegistry.of(List.of(entries)))
                .downloader(new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(2), 1))
                .notices(notices::add)
                .loader((file, options) -> {
                    loaded.add(file);
                    return new FakeClipModel(options.name(), "cd".repeat(32), 16, 12, 10f);
                });
    }

    @Test
    void theBuiltInRegistryNamesTheBundledModelAndItsArtifact() {
        ModelRegistry.Entry e = ModelRegistry.builtIn().find(ModelResolver.BUNDLED_MODEL).orElseThrow();
        assertTrue(e.bundled());
        assertEquals("/io/clipkit/models/clipkit-mini/", e.resource());
        assertEquals("io.clipkit:clipkit-mini", e.artifact());
        assertFalse(ModelRegistry.builtIn().find(ModelResolver.DEFAULT_MODEL).orElseThrow().bundled());
    }

    @Test
    void aBundledNameLoadsItsExtractedFolder() throws IOException {
        try (ClipModel m = builder(bundled("mini", RESOURCE)).model("mini").allowDownload(false).load()) {
            Path dir = BundledModels.folder(RESOURCE, cache).orElseThrow();
            assertEquals(List.of(dir), loaded);
            assertTrue(Files.isRegularFile(dir.resolve("fake.safetensors")));
            assertEquals("mini", m.info().name());
            assertEquals("", m.info().fallbackFor());
        }
        // the same folder as a resource: the same extracted copy, named by the folder
        try (ClipModel m = builder().resource(RESOURCE).load()) {
            assertEquals(loaded.get(0), loaded.get(1));
            assertEquals("testbundle", m.info().name());
        }
    }

    @Test
    void aBundledModelWhoseArtifactIsMissingNamesTheArtifact() {
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> builder(bundled("mini", "/io/clipkit/no-such-bundle/")).model("mini").load());
        assertTrue(e.getMessage().contains("mini is a bundled model, but its artifact io.clipkit:test-bundle is not on the "
                + "classpath") && e.getMessage().contains("add the Maven dependency io.clipkit:test-bundle:"), e.getMessage());
    }

    @Test
    void withoutTheFallbackAModelThatCannotBeHadIsAnError() {
        IOException e = assertThrows(IOException.class,
                () -> builder(unreachable("ViT-B-32"), bundled("clipkit-mini", RESOURCE)).allowDownload(false).load());
        assertTrue(e.getMessage().contains("ViT-B-32 is not in the cache"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; or use the bundled model instead: model(\"clipkit-mini\") (small and less accurate)"),
                e.getMessage());
        assertTrue(loaded.isEmpty());
        // no such advice when the bundled model is not on the classpath
        IOException other = assertThrows(IOException.class, () -> builder(unreachable("ViT-B-32"),
                bundled("clipkit-mini", "/io/clipkit/no-such-bundle/")).allowDownload(false).load());
        assertFalse(other.getMessage().contains("bundled"), other.getMessage());
    }

    @Test
    void downloadsOffFallsBackToTheBundledModelAndSaysSo() throws IOException {
        try (ClipModel m = builder(unreachable("ViT-B-32"), bundled("clipkit-mini", RESOURCE)).fallbackToBundled(true)
                .allowDownload(false).load();
             ZeroShotClassifier c = ZeroShotClassifier.builder().model(m).labels("cat", "dog").build()) {
            assertEquals("clipkit-mini", m.info().name());
            assertEquals("ViT-B-32", m.info().fallbackFor());
            assertEquals("ViT-B-32", c.provenance().fallbackFor(), "every result says what it stands in for");
            assertEquals(List.of(PromptTemplates.DEFAULT), c.provenance().templates());
            assertEquals(1, notices.size(), notices.toString());
            String n = notices.get(0);
            assertTrue(n.startsWith("ViT-B-32 is not in the cache and could not be had (downloads are off); using the "
                    + "bundled model clipkit-mini instead") && n.contains("To use ViT-B-32, load it once with downloads "
                    + "allowed and network access"), n);
        }
    }

    @Test
    void aFailedDownloadFallsBackToo() throws IOException {
        try (ClipModel m = builder(unreachable("ViT-B-32"), bundled("clipkit-mini", RESOURCE)).fallbackToBundled(true).load()) {
            assertEquals("ViT-B-32", m.info().fallbackFor());
            assertTrue(notices.stream().anyMatch(n -> n.contains("could not be had (the download failed: ")), notices.toString());
        }
        assertFalse(Files.exists(cache.resolve("models/ViT-B-32/ViT-B-32.pt")));
    }

    @Test
    void noFallbackForPathsCachedModelsOrWithoutTheBundledArtifact() throws IOException {
        // a path is what the user has: its absence is an error, never replaced
        assertThrows(IllegalArgumentException.class, () -> builder(unreachable("ViT-B-32"), bundled("clipkit-mini", RESOURCE))
                .fallbackToBundled(true).model("missing/ViT-B-32.pt").load());
        // the bundled model is not on the classpath either: the original error, saying so
        IOException e = assertThrows(IOException.class, () -> builder(unreachable("ViT-B-32"),
                bundled("clipkit-mini", "/io/clipkit/no-such-bundle/")).fallbackToBundled(true).allowDownload(false).load());
        assertTrue(e.getMessage().contains("ViT-B-32 is not in the cache"), e.getMessage());
        assertTrue(e.getSuppressed().length == 1 && e.getSuppressed()[0].getMessage().contains(
                "the bundled fallback clipkit-mini is not on the classpath either (add the Maven dependency io.clipkit:test-bundle)"));
        assertTrue(loaded.isEmpty());
        // a cached file that fails to load is a real problem, not a reason to switch models
        ModelRegistry.Entry vit = unreachable("ViT-B-32");
        Path f = cache.resolve("models/ViT-B-32/ViT-B-32.pt");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "damaged");
        IOException damaged = assertThrows(IOException.class, () -> builder(vit, bundled("clipkit-mini", RESOURCE))
                .fallbackToBundled(true).allowDownload(false).load());
        assertTrue(damaged.getMessage().contains("the cached weights"), damaged.getMessage());
    }
}
