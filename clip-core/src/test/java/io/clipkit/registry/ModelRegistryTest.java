package io.clipkit.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.Activation;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRegistryTest {
    /** The list: name, file, SHA-256, resolution. */
    static final Map<String, String[]> OPENAI = Map.of(
            "RN50", new String[] {"RN50.pt", "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762", "224"},
            "RN101", new String[] {"RN101.pt", "8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599", "224"},
            "RN50x4", new String[] {"RN50x4.pt", "7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd", "288"},
            "RN50x16", new String[] {"RN50x16.pt", "52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa", "384"},
            "RN50x64", new String[] {"RN50x64.pt", "be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c", "448"},
            "ViT-B-32", new String[] {"ViT-B-32.pt", "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af", "224"},
            "ViT-B-16", new String[] {"ViT-B-16.pt", "5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f", "224"},
            "ViT-L-14", new String[] {"ViT-L-14.pt", "b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836", "224"},
            "ViT-L-14-336", new String[] {"ViT-L-14-336px.pt", "3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02", "336"});

    @TempDir Path dir;

    /** Built-in hub folder entries (open_clip and transformers). */
    static final int HUB = 5;
    /** Models shipped on the classpath (clipkit-mini). */
    static final int BUNDLED = 1;

    @Test
    void hubEntriesArePinnedToACommitAndListEveryFile() {
        ModelRegistry r = ModelRegistry.builtIn(null);
        ModelRegistry.Entry b32 = r.find("ViT-B-32-laion2b_s34b_b79k").orElseThrow();
        assertTrue(b32.folder());
        assertEquals("open_clip_model.safetensors", b32.file());
        assertEquals("ac4f8c4b88af6d963118cbf40ad93176d092abbedfcb752601ae1866352656e6", b32.sha256());
        assertEquals(URI.create("https://huggingface.co/laion/CLIP-ViT-B-32-laion2B-s34B-b79K/resolve/"
                + "1a25a446712ba5ee05982a381eed697ef9b435cf/open_clip_model.safetensors"), b32.url());
        assertEquals(List.of("open_clip_config.json", "open_clip_model.safetensors"),
                b32.files().stream().map(ModelRegistry.FileRef::file).toList());
        assertEquals(Activation.GELU, b32.activation());
        int hub = 0;
        for (ModelRegistry.Entry e : r.entries()) {
            if (e.folder()) {
                hub++;
                for (ModelRegistry.FileRef f : e.files()) {
                    assertTrue(f.url().getPath().matches("/[^/]+/[^/]+/resolve/[0-9a-f]{40}/" + java.util.regex.Pattern.quote(f.file())),
                            e.name() + ": " + f.url());
                }
            }
        }
        assertEquals(HUB, hub);
        ModelRegistry.Entry hf = r.find("openai/clip-vit-base-patch32").orElseThrow();
        assertEquals("pytorch_model.bin", hf.file());
        assertEquals(5, hf.files().size());
        // the mirror override keeps hub paths too
        assertEquals("/mirror/laion/CLIP-ViT-B-32-laion2B-s34B-b79K/resolve/1a25a446712ba5ee05982a381eed697ef9b435cf/open_clip_config.json",
                ModelRegistry.builtIn("http://127.0.0.1:8080/mirror").find("ViT-B-32-laion2b_s34b_b79k").orElseThrow()
                        .files().get(0).url().getPath());
    }

    @Test
    void builtInListsOpenAisNineCheckpointsAndTheHubFolders() {
        ModelRegistry r = ModelRegistry.builtIn(null);
        assertEquals(9 + HUB + BUNDLED, r.entries().size());
        for (var e : OPENAI.entrySet()) {
            ModelRegistry.Entry x = r.find(e.getKey()).orElseThrow();
            String[] v = e.getValue();
            assertEquals(v[0], x.file());
            assertEquals(v[1], x.sha256());
            assertEquals(URI.create("https://openaipublic.azureedge.net/clip/models/" + v[1] + "/" + v[0]), x.url());
            assertEquals(Integer.parseInt(v[2]), x.resolution());
            assertEquals(Activation.QUICK_GELU, x.activation());
            assertTrue(x.size() > 200_000_000L && x.builtIn());
        }
        assertEquals("924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a", r.vocabulary().sha256());
        assertEquals(URI.create("https://raw.githubusercontent.com/openai/CLIP/main/clip/bpe_simple_vocab_16e6.txt.gz"),
                r.vocabulary().url());
    }

    @Test
    void findsOpenAisSpellings() {
        ModelRegistry r = ModelRegistry.builtIn(null);
        assertEquals("ViT-B-32", r.find("ViT-B/32").orElseThrow().name());
        assertEquals("ViT-L-14-336", r.find("ViT-L/14@336px").orElseThrow().name());
        assertEquals("RN50x4", r.find("rn50x4").orElseThrow().name());
        assertTrue(r.find("ViT-H-14").isEmpty());
    }

    @Test
    void mirrorOverrideKeepsThePaths() {
        ModelRegistry r = ModelRegistry.builtIn("http://127.0.0.1:8080/mirror/");
        assertEquals(URI.create("http://127.0.0.1:8080/mirror/clip/models/"
                + OPENAI.get("RN50")[1] + "/RN50.pt"), r.find("RN50").orElseThrow().url());
        assertEquals(URI.create("http://127.0.0.1:8080/mirror/openai/CLIP/main/clip/bpe_simple_vocab_16e6.txt.gz"),
                r.vocabulary().url());
        assertThrows(IllegalArgumentException.class, () -> ModelRegistry.builtIn("not a url"));
    }

    @Test
    void userEntriesAreMergedOverBuiltIns() throws IOException {
        String sha = "ab".repeat(32);
        Files.writeString(dir.resolve("registry.json"), "{\"models\": ["
                + "{\"name\": \"my-clip\", \"url\": \"http://127.0.0.1:9/x/my.pt\", \"sha256\": \"" + sha.toUpperCase()
                + "\", \"activation\": \"gelu\", \"size\": 1234},"
                + "{\"name\": \"RN50\", \"url\": \"https://example.org/rn50.pt\", \"sha256\": \"" + sha + "\", \"activation\": \"quick-gelu\", \"file\": \"rn50-mirror.pt\"}"
                + "]}");
        ModelRegistry r = ModelRegistry.load(dir);
        assertEquals(10 + HUB + BUNDLED, r.entries().size());
        ModelRegistry.Entry mine = r.find("my-clip").orElseThrow();
        assertEquals("my.pt", mine.file());
        assertEquals(sha, mine.sha256());
        assertEquals(Activation.GELU, mine.activation());
        assertEquals(1234, mine.size());
        assertFalse(mine.builtIn());
        ModelRegistry.Entry rn50 = r.find("RN50").orElseThrow();
        assertEquals("rn50-mirror.pt", rn50.file());
        assertFalse(rn50.builtIn());
    }

    @Test
    void noUserFileMeansBuiltInsOnly() throws IOException {
        assertEquals(9 + HUB + BUNDLED, ModelRegistry.load(dir).entries().size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"models\": [{\"url\": \"http://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}] } | model 1: missing or empty \"name\"",
        "{\"models\": [{\"name\": \"a b\", \"url\": \"http://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}] } | bad name 'a b'",
        "{\"models\": [{\"name\": \"m\", \"url\": \"ftp://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}] } | model 1 ('m'): bad url 'ftp://h/x.pt'",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha256\": \"abc\", \"activation\": \"gelu\"}] } | bad sha256 'abc'",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"relu\"}] } | unknown activation 'relu'",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha256\": \"SHA\"}] } | missing or empty \"activation\"",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha\": \"SHA\", \"activation\": \"gelu\"}] } | unknown field 'sha'",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}] } | bad file name ''",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\", \"size\": -3}] } | bad size",
        "{\"models\": [{\"name\": \"m\", \"url\": \"http://h/x.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}, {\"name\": \"m\", \"url\": \"http://h/y.pt\", \"sha256\": \"SHA\", \"activation\": \"gelu\"}] } | model 2 ('m'): name 'm' appears twice",
        "{\"model\": []} | expected an object with a \"models\" array",
        "{\"models\": [ | not valid JSON",
    })
    void badUserEntriesAreNamed(String json, String message) throws IOException {
        Path f = dir.resolve("registry.json");
        Files.writeString(f, json.replace("SHA", "0".repeat(64)));
        IOException e = assertThrows(IOException.class, () -> ModelRegistry.load(dir));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void entriesListBuiltInsInOrder() {
        assertEquals(List.of("RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336",
                        "ViT-B-32-laion2b_s34b_b79k", "ViT-B-16-laion2b_s34b_b88k", "ViT-L-14-laion2b_s32b_b82k",
                        "ViT-B-16-datacomp_xl_s13b_b90k", "openai-clip-vit-base-patch32", "clipkit-mini"),
                ModelRegistry.builtIn(null).entries().stream().map(ModelRegistry.Entry::name).toList());
    }
}
