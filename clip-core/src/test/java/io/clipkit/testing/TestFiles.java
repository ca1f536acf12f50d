package io.clipkit.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find their inputs: the committed fixtures ({@code models/fixtures}) and the shared
 * CLIP reference files ({@code ../shared/clip}). A missing shared file fails the test under
 * {@code CI=true} and skips it, saying why, elsewhere.
 */
public final class TestFiles {
    private TestFiles() {}

    /** The committed fixtures folder, {@code models/fixtures}. */
    public static Path fixtures() {
        String p = System.getProperty("clip.fixtures.dir");
        Path dir = p != null ? Path.of(p) : findUp("models/fixtures");
        if (!Files.isDirectory(dir)) {
            fail("fixtures folder not found: " + dir);
        }
        return dir;
    }

    /** A file under the fixtures folder, which must exist. */
    public static Path fixture(String relative) {
        Path f = fixtures().resolve(relative);
        if (!Files.exists(f)) {
            fail("missing fixture " + f + " (regenerate with models/tools)");
        }
        return f;
    }

    /** A file of {@code ../shared/clip}: fails under CI=true when missing, else skips the test. */
    public static Path shared(String name) {
        String p = System.getProperty("clip.shared.dir");
        Path dir = p != null ? Path.of(p) : findUp("../shared/clip");
        Path f = dir.resolve(name).normalize();
        require(Files.isReadable(f), "shared CLIP file " + f + " is missing (expected beside the checkout in ../shared/clip)");
        return f;
    }

    /**
     * The same policy for any input a test cannot do without (a bundled model's weights, a tool):
     * if {@code present} is false, fails under CI=true and skips the test elsewhere, saying {@code missing}.
     */
    public static void require(boolean present, String missing) {
        if (!present) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(missing);
            }
            assumeTrue(false, missing + "; skipping");
        }
    }

    /** The repository root (the folder with pom.xml and models/). */
    public static Path root() {
        return fixtures().getParent().getParent();
    }

    /** The CLIP BPE vocabulary from ../shared/clip. */
    public static Path vocabulary() {
        return shared("bpe_simple_vocab_16e6.txt.gz");
    }

    private static Path findUp(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("models"))) {
                return d.resolve(relative).normalize();
            }
        }
        return dir.resolve(relative);
    }
}
