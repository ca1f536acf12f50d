package io.clipkit.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clipkit.ImagePreprocessor;
import io.clipkit.testing.TestFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

class ConcurrencyAndLeakTest {
    private static final String[] FILES = {"jpeg_420_4x3.jpg", "jpeg_large.jpg", "png_rgba.png", "png_p.png",
        "webp_alpha_lossy.webp", "gif_palette.gif", "bmp_rgb24.bmp", "tiff_lzw.tif", "jpeg_exif_6.jpg", "jpeg_cmyk.jpg"};

    private static Path src(String name) {
        return TestFiles.fixture("images/src/" + name);
    }

    @Test
    void oneInstanceServesManyThreads() throws Exception {
        ImagePreprocessor p = ImagePreprocessor.builder().size(48).build();
        List<float[]> expected = new ArrayList<>();
        for (String f : FILES) {
            expected.add(p.preprocess(src(f)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                for (String f : FILES) {
                    results.add(pool.submit(() -> p.preprocess(src(f))));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(expected.get(i % FILES.length), results.get(i).get(), FILES[i % FILES.length]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nativeDecodingLeavesNoLiveNativeObjects() throws Exception {
        ImagePreprocessor p = ImagePreprocessor.builder().size(32).build();
        p.preprocess(src("png_rgb.png")); // load the native libraries first
        long count = Pointer.totalCount();
        long bytes = Pointer.totalBytes();
        for (int i = 0; i < 20; i++) {
            for (String f : FILES) {
                p.preprocess(src(f));
            }
            try {
                p.preprocess(TestFiles.fixture("images/cases.tsv")); // failure path too
            } catch (java.io.IOException expected) {
                // not an image
            }
        }
        assertEquals(count, Pointer.totalCount(), "JavaCPP objects left registered");
        assertEquals(bytes, Pointer.totalBytes(), "JavaCPP memory left allocated");
    }
}
