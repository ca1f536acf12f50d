package io.clipkit.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clipkit.ImagePreprocessor;
import io.clipkit.ModelSpec;
import io.clipkit.testing.TestFiles;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The preprocessing options of non-OpenAI specs against Pillow + torchvision / transformers
 * (models/tools/images/make_spec_fixtures.py): bilinear, squash, RGB conversion first, floor crop
 * offsets. Every decoder that is bit-exact with Pillow gives a bit-exact crop; JPEG (whose decoder
 * may round differently) stays within one level.
 */
class GoldenSpecImageTest {
    record Case(String spec, String image, ModelSpec.Image image_spec) {
        @Override
        public String toString() {
            return spec + " " + image;
        }
    }

    static Stream<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String line : Files.readAllLines(TestFiles.fixture("images/spec/cases.tsv"))) {
            String[] f = line.split("\t");
            if (f[0].equals("spec")) {
                continue;
            }
            ModelSpec.Resize resize = f[3].equals("squash") ? ModelSpec.Resize.SQUASH : ModelSpec.Resize.SHORTEST_EDGE_CROP;
            ModelSpec.Interpolation interp = ModelSpec.Interpolation.valueOf(f[4].toUpperCase(Locale.ROOT));
            ModelSpec.CropRounding crop = ModelSpec.CropRounding.valueOf(f[6].toUpperCase(Locale.ROOT));
            out.add(new Case(f[0], f[1], new ModelSpec.Image(Integer.parseInt(f[2]), resize, interp,
                    ModelSpec.Image.OPENAI_MEAN, ModelSpec.Image.OPENAI_STD, f[5].equals("first"), crop)));
        }
        assertTrue(out.size() >= 100, "spec fixture cases missing");
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cropMatchesPillow(Case c) throws IOException {
        ImagePreprocessor p = ImagePreprocessor.builder().spec(c.image_spec()).exifRotate(false).build();
        Path src = TestFiles.fixture("images/src").resolve(c.image());
        BufferedImage mine = p.crop(src);
        BufferedImage want = ImageIO.read(TestFiles.fixture("images/spec").resolve(c.spec()).resolve(c.image() + ".png").toFile());
        int n = c.image_spec().size();
        assertEquals(n, mine.getWidth());
        assertEquals(n, want.getWidth());
        Raster a = mine.getRaster();
        Raster b = want.getRaster();
        int max = 0;
        int differ = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    int d = Math.abs(a.getSample(x, y, ch) - b.getSample(x, y, ch));
                    max = Math.max(max, d);
                    differ += d != 0 ? 1 : 0;
                }
            }
        }
        boolean jpeg = c.image().endsWith(".jpg");
        if (jpeg) {
            assertTrue(max <= 1, c + ": max level difference " + max);
        } else {
            assertEquals(0, differ, c + ": " + differ + " values differ (max " + max + ")");
        }
    }
}
