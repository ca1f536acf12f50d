package io.clipkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.testing.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A transformers or open_clip folder as {@code --model}: every command path that builds its own
 * image pipeline (decode options, tag) keeps the folder's spec (filter, mean/std, crop rounding).
 */
class HubFolderCliTest {
    @TempDir Path cache;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ClipCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void decodeOptionsKeepTheFoldersImagePipeline() {
        for (String name : new String[] {"hf-bin-gelu-bilinear", "openclip-safetensors-squash"}) {
            Path folder = TestFiles.fixture("hub").resolve(name);
            Path image = firstImage(folder);
            Run plain = run("classify", image.toString(), "--labels", "a photo of a cat.,a diagram", "--model", folder.toString(),
                    "--cache-dir", cache.toString(), "--json");
            // without EXIF data, not rotating changes nothing: the same pipeline must run
            Run noRotate = run("classify", image.toString(), "--labels", "a photo of a cat.,a diagram", "--model", folder.toString(),
                    "--cache-dir", cache.toString(), "--json", "--no-exif-rotate");
            assertEquals(0, plain.code(), plain.err());
            assertEquals(0, noRotate.code(), noRotate.err());
            assertTrue(plain.out().contains("\"probability\""), plain.out());
            assertEquals(strip(plain.out()), strip(noRotate.out()), name + ": " + image);
        }
    }

    private static Path firstImage(Path folder) {
        try (var s = java.nio.file.Files.list(folder.resolve("images"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("odd_")).sorted().findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The JSON without timing fields. */
    private static String strip(String json) {
        return json.replaceAll("\"(ms|elapsed\\w*|time\\w*)\"\\s*:\\s*[0-9.]+,?", "");
    }
}
