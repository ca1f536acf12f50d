package io.clipkit.batch;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.video.VideoOptions;
import io.clipkit.video.VideoSample;
import io.clipkit.video.VideoSampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Semaphore;

/**
 * The decode stage: decodes and preprocesses one image within a memory budget. The budget is a
 * fair semaphore of megabytes, so large images decode one at a time and small ones in parallel;
 * the need of an image is estimated from its header. Thread-safe. Internal; the tagger and the
 * classifier both use it.
 */
public final class DecodeStage {
    /**
     * Default cap (MB) on the heap spent on decoding at once, whatever {@code -Xmx} allows: without it
     * a large heap let several big images decode together and the process grew with the heap.
     */
    public static final int DEFAULT_MEMORY_MB = 512;

    private final ImagePreprocessor preprocessor;
    /** Heap to spend on decoding at once (MB). */
    private final int budgetMb;
    /** The most one image may take (MB), decoding alone: most of the heap, the rest is the pipeline's. */
    private final int soloLimitMb;
    private final Semaphore memory;

    /**
     * @param heapShareMb the most one decode may take (it then runs alone)
     * @param capMb the budget of decodes running at once (at most {@code heapShareMb})
     */
    DecodeStage(ImagePreprocessor preprocessor, int heapShareMb, int capMb) {
        this.preprocessor = preprocessor;
        this.soloLimitMb = heapShareMb;
        this.budgetMb = Math.max(1, Math.min(heapShareMb, capMb));
        this.memory = new Semaphore(budgetMb, true);
    }

    /** A stage whose solo limit is 60 % of this JVM's heap and whose shared budget is {@code capMb}. */
    public static DecodeStage forHeap(ImagePreprocessor preprocessor, int capMb) {
        return new DecodeStage(preprocessor, heapShareMb(), capMb);
    }

    static int heapShareMb() {
        return (int) Math.max(64, Runtime.getRuntime().maxMemory() * 6 / 10 / (1 << 20));
    }

    /**
     * Memory a decode needs, estimated from the header: the decoded pixels (4 bytes, RGBA) and a
     * converted copy (4 more), in MB; a JPEG only has 3 + 3 (RGB), of the pixels the pipeline
     * decodes (fewer when it decodes JPEGs reduced). Unknown sizes (TIFF) count as a quarter of
     * the budget.
     */
    private int needMb(long[] dims, String format) {
        if (dims == null || dims[0] <= 0 || dims[1] <= 0) {
            return Math.max(1, budgetMb / 4);
        }
        boolean jpeg = "jpeg".equals(format);
        long px = io.clipkit.image.Preprocessors.decodedPixels(preprocessor, dims[0], dims[1], jpeg);
        long mb = px * (jpeg ? 6 : 8) / (1 << 20);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, mb));
    }

    /**
     * Decodes and preprocesses {@code file} (CHW floats).
     *
     * @param dims width and height from the header, null when unknown
     * @throws ImageDecodeException when the image cannot be decoded, or would not fit in the heap
     */
    public float[] decode(Path file, long[] dims) throws IOException, InterruptedException {
        return decode(file, dims, null);
    }

    /** The same, knowing the sniffed format ({@code jpeg}, ...; null when unknown): JPEGs need less. */
    public float[] decode(Path file, long[] dims, String format) throws IOException, InterruptedException {
        int need = needMb(dims, format);
        if (dims != null && dims[0] * dims[1] > ImagePreprocessor.DEFAULT_MAX_PIXELS) {
            // The pipeline's decompression-bomb guard refuses it from the header (unless the limit was
            // raised on purpose): let it say so, with the whole budget held so it runs alone.
            need = budgetMb;
        } else if (need > soloLimitMb) {
            boolean reducible = "jpeg".equals(format) && !preprocessor.fast();
            throw new ImageDecodeException(file, String.format(Locale.ROOT,
                    "image is %dx%d = %,d pixels: decoding it needs about %,d MB, more than one decode may take"
                            + " (%,d MB, the decode memory budget within this JVM's heap); raise the decodeMemoryMb"
                            + " setting and run with a larger Java heap (-Xmx)%s",
                    dims[0], dims[1], dims[0] * dims[1], need, soloLimitMb,
                    reducible ? ", or decode JPEGs reduced (fast decoding)" : ""));
        }
        // Bigger than the shared budget but within the heap: it takes the whole budget and decodes alone.
        need = Math.min(need, budgetMb);
        memory.acquire(need);
        try {
            return preprocess(file);
        } finally {
            memory.release(need);
        }
    }

    /**
     * Samples a video within the budget: its frames' pixels ({@code maxFrames} CHW arrays) count
     * against it, so videos and large images share the same heap cap.
     */
    VideoSample sampleVideo(VideoSampler sampler, Path file, VideoOptions options) throws IOException, InterruptedException {
        long bytes = (long) options.maxFrames() * 3 * preprocessor.size() * preprocessor.size() * Float.BYTES;
        int need = (int) Math.max(1, Math.min(budgetMb, bytes >> 20));
        memory.acquire(need);
        try {
            return sampler.sample(file, preprocessor, options);
        } finally {
            memory.release(need);
        }
    }

    /**
     * A file name that is not valid in the platform charset (e.g. Latin-1 bytes on a UTF-8 system)
     * has no faithful String form, and decoders that take a String (OpenCV) cannot open it. Such a
     * file is decoded through a temporary symbolic link with a plain name; the link is made from the
     * Path, which keeps the raw bytes.
     */
    private float[] preprocess(Path p) throws IOException {
        if (!unrepresentable(p)) {
            return preprocessor.preprocess(p);
        }
        Path dir = Files.createTempDirectory("clipkit-name-");
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path link = dir.resolve("image" + (dot >= 0 ? name.substring(dot).replace('\uFFFD', '_') : ""));
        try {
            Files.createSymbolicLink(link, p.toAbsolutePath());
            return preprocessor.preprocess(link);
        } catch (ImageDecodeException e) {
            throw new ImageDecodeException(p, e.reason(), e);
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(dir);
        }
    }

    static boolean unrepresentable(Path p) {
        return p.toString().indexOf('\uFFFD') >= 0 && !Files.exists(Path.of(p.toString()));
    }
}
