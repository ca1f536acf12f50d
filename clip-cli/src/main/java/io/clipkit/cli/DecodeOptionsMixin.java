package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.ImagePreprocessor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * How images are decoded, the same on every command that decodes them ({@code classify},
 * {@code tag}, {@code embed}, {@code preprocess}): {@code --max-pixels}, {@code --decode-timeout},
 * {@code --no-exif-rotate}. Use as {@code @Mixin DecodeOptionsMixin decode;} and take the image
 * pipeline from {@link #preprocessor(ClipModel)} (or {@link #preprocessor(int)} without a model).
 */
public final class DecodeOptionsMixin {
    @Option(names = "--max-pixels", paramLabel = "P", defaultValue = "" + ImagePreprocessor.DEFAULT_MAX_PIXELS,
            description = "Refuse images with more pixels than this (a decompression-bomb guard). Default: ${DEFAULT-VALUE}.")
    long maxPixels;

    @Option(names = "--decode-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Give up on an image whose decoding takes longer than this. Default: ${DEFAULT-VALUE}.")
    long decodeTimeoutSeconds;

    @Option(names = "--no-exif-rotate", description = "Do not rotate images by their EXIF orientation.")
    boolean noExifRotate;

    @Option(names = "--fast", description = "Decode JPEGs reduced (DCT scaling down to twice the model input): "
            + "less decoding on large photos, not bit-exact (mean difference 0.001-0.004 of the exact input on photos).")
    boolean fast;

    /** Checks the values: a usage error (one line, exit 2) names the option. */
    public void check() {
        if (maxPixels < 1) {
            throw new IllegalArgumentException(
                    "--max-pixels must be a positive number of pixels, got " + maxPixels);
        }
        if (decodeTimeoutSeconds < 1) {
            throw new IllegalArgumentException(
                    "--decode-timeout must be at least 1 second, got " + decodeTimeoutSeconds);
        }
    }

    public boolean exifRotate() {
        return !noExifRotate;
    }

    /** {@code --fast}: JPEGs decoded reduced. */
    public boolean fast() {
        return fast;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public Duration decodeTimeout() {
        return Duration.ofSeconds(decodeTimeoutSeconds);
    }

    /** A builder for {@code size}-pixel inputs with these options (for jobs that apply the timeout themselves, as {@code tag}). */
    public ImagePreprocessor.Builder builder(int size) {
        check();
        return ImagePreprocessor.builder().size(size).exifRotate(exifRotate()).maxPixels(maxPixels).fast(fast);
    }

    /** A builder for the model's image spec (size, resize, mean/std) with these options (for {@code tag}). */
    public ImagePreprocessor.Builder builder(ClipModel model) {
        return builder(model.info().imageResolution()).spec(model.info().spec().image());
    }

    /** The model's image pipeline with these options, giving up on an image after {@code --decode-timeout}. */
    public ImagePreprocessor preprocessor(ClipModel model) {
        check();
        ImagePreprocessor p = exifRotate() && maxPixels == ImagePreprocessor.DEFAULT_MAX_PIXELS && !fast
                ? model.preprocessor() : builder(model).build();
        return new Timed(p, decodeTimeout());
    }

    /** A {@code size}-pixel pipeline with these options and the timeout (no model needed). */
    public ImagePreprocessor preprocessor(int size) {
        return new Timed(builder(size).build(), decodeTimeout());
    }

    /** Runs file decoding on a daemon thread and gives up on it after the timeout. */
    static final class Timed implements ImagePreprocessor {
        private final ExecutorService decoders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "clipkit-decode");
            t.setDaemon(true); // a decoder stuck past its timeout must not keep the JVM alive; idle ones end after 60 s
            return t;
        });
        private final ImagePreprocessor inner;
        private final Duration timeout;

        Timed(ImagePreprocessor inner, Duration timeout) {
            this.inner = inner;
            this.timeout = timeout;
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public boolean fast() {
            return inner.fast();
        }

        @Override
        public float[] preprocess(Path image) throws IOException {
            return within(image, () -> inner.preprocess(image));
        }

        @Override
        public float[] preprocess(BufferedImage image) {
            return inner.preprocess(image);
        }

        @Override
        public BufferedImage crop(Path image) throws IOException {
            return within(image, () -> inner.crop(image));
        }

        private <T> T within(Path image, Callable<T> work) throws IOException {
            Future<T> f = decoders.submit(work);
            try {
                return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                // The same words as clip tag's record for such a file.
                throw new IOException(image + ": decoding took longer than " + timeout.toSeconds()
                        + " s; gave up on this file (--decode-timeout)", e);
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while decoding " + image);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IOException(image + ": " + c, c);
            }
        }
    }
}
