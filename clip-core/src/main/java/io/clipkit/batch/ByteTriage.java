package io.clipkit.batch;

import io.clipkit.ImageDecodeException;
import io.clipkit.ImagePreprocessor;
import io.clipkit.image.Sniffer;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code clip tag}'s triage and decode for a file whose bytes are already in memory (a Spark
 * {@code binaryFile} row, a file read through Hadoop): the same checks in the same order (empty, not
 * an image, then the decoder) and the same reasons as {@code Triage} and {@link DecodeStage}, so a
 * job elsewhere records exactly what tag records. No memory budget: the caller holds the bytes.
 *
 * <pre>{@code
 * try {
 *     float[] chw = ByteTriage.preprocess(model.preprocessor(), bytes, "s3a://bucket/cat.jpg");
 * } catch (ImageDecodeException e) {
 *     record(e.reason());          // e.g. "not an image: the file is an HTML document"
 * }
 * }</pre>
 */
public final class ByteTriage {
    private ByteTriage() {}

    /**
     * The model input of one image file's bytes.
     *
     * @param name the file's path or URI; it only names the file in the exception
     * @throws ImageDecodeException for a file tag records as an error; {@link ImageDecodeException#reason()}
     *     is tag's reason
     */
    public static float[] preprocess(ImagePreprocessor preprocessor, byte[] bytes, String name) throws ImageDecodeException {
        Path file = pathOf(name);
        if (bytes.length == 0) {
            throw new ImageDecodeException(file, "empty file (0 bytes)");
        }
        int n = Math.min(bytes.length, Sniffer.HEAD);
        if (Sniffer.imageFormat(bytes, n) == null) {
            throw new ImageDecodeException(file, Sniffer.describeNonImage(bytes, n));
        }
        try {
            return preprocessor.preprocess(bytes, name);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (java.io.IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw new ImageDecodeException(file, Failures.describe(e), e);
        }
    }

    /** The reason tag records for a file that failed with {@code e} (e.g. while it was read). */
    public static String reason(Throwable e) {
        return Failures.describe(e);
    }

    /**
     * Whether a file of this name is one tag looks for in a folder (the usual image extensions);
     * {@code name} may be a path or URI.
     */
    public static boolean isImageName(String name) {
        int slash = name.lastIndexOf('/');
        String n = name.substring(slash + 1);
        int dot = n.lastIndexOf('.');
        return dot >= 0 && Discovery.IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(java.util.Locale.ROOT));
    }

    private static Path pathOf(String name) {
        try {
            return Path.of(name == null || name.isEmpty() ? "image" : name);
        } catch (InvalidPathException e) {
            return Path.of("image");
        }
    }
}
